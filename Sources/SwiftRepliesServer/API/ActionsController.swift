import Foundation
import Hummingbird
import Logging
import SwiftRepliesCore
import SwiftRepliesRuntime

/// The Actions Center queue:
///
/// - `GET /api/v1/actions?status=pending&limit=&offset=` (`actions:read`), newest first
/// - `GET /api/v1/actions/{id}` (`actions:read`)
/// - `POST /api/v1/actions/{id}/approve` `{response?, auto_approve_similar?}` (`actions:write`)
/// - `POST /api/v1/actions/{id}/deny` `{response?}` (`actions:write`)
///
/// A decision re-enters the conversation as a turn before the answer is sent, so the customer's
/// reply is already in the outbox (`customer_told` in the answer). Deciding twice is a 409.
/// Refused (403) when the host runs with `ENABLE_ACTIONS_CENTER=false` or the tenant's
/// `actions_center` feature is off.
struct ActionsController: Sendable {
    let state: RuntimeStateHolder
    let dispatcher: Dispatcher
    let logger: Logger

    func register(on api: RouterGroup<APIRequestContext>) {
        api.endpoint(.get, "actions", scope: "actions:read", logger: logger) { request, _, principal in
            try available(principal)
            let (limit, offset) = try request.paging()
            var status: ActionStatus?
            if let text = request.query("status") {
                guard let value = ActionStatus(rawValue: text) else {
                    throw APIError.invalid("status", "must be one of \(ActionStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = value
            }
            let actions = try await principal.stores.actions.actions(tenantID: principal.tenant.id, status: status, limit: limit, offset: offset)
            return APIJSON.response(.ok, ["actions": actions.map(APIRepresentation.action), "limit": limit, "offset": offset])
        }
        api.endpoint(.get, "actions/:id", scope: "actions:read", logger: logger) { _, context, principal in
            try available(principal)
            let id = try context.id("id", "action")
            guard let action = try await principal.stores.actions.action(tenantID: principal.tenant.id, id: id) else { throw APIError.notFound("action \(id) not found") }
            return APIJSON.response(.ok, ["action": APIRepresentation.action(action)])
        }
        api.endpoint(.post, "actions/:id/approve", scope: "actions:write", logger: logger) { request, context, principal in
            try await decide(.approved, request, context, principal)
        }
        api.endpoint(.post, "actions/:id/deny", scope: "actions:write", logger: logger) { request, context, principal in
            try await decide(.denied, request, context, principal)
        }
    }

    private func available(_ principal: APIPrincipal) throws {
        guard state.current.snapshot.switches.actionsCenter else {
            throw APIError.forbidden("feature_disabled", "the Actions Center is switched off on this host (ENABLE_ACTIONS_CENTER=false)")
        }
        try principal.require("actions_center")
    }

    private func decide(_ status: ActionStatus, _ request: Request, _ context: APIRequestContext, _ principal: APIPrincipal) async throws -> Response {
        try available(principal)
        let id = try context.id("id", "action")
        let allowed: Set<String> = status == .approved ? ["response", "auto_approve_similar"] : ["response"]
        let body = try await APIBody.read(request, context: context, allowed: allowed)
        let decision = ActionDecision(
            status: status, response: try body.string("response", maxLength: 1000), autoApproveSimilar: try body.bool("auto_approve_similar") ?? false,
            resolvedBy: principal.actor, at: Date()
        )
        switch try await principal.stores.actions.resolveAction(tenantID: principal.tenant.id, id: id, decision: decision) {
        case .notFound:
            throw APIError.notFound("action \(id) not found")
        case .alreadyResolved(let action):
            var error = APIError.conflict("already_resolved", "action \(id) is already \(action.status.rawValue)")
            error.field = "status"
            error.reason = action.status.rawValue
            throw error
        case .resolved(let action):
            logger.info(
                "action decided",
                metadata: ["tenant.id": "\(action.tenantID)", "action.id": "\(action.id)", "status": "\(action.status.rawValue)", "by": "\(principal.actor)"]
            )
            let told = await dispatcher.tell(action)
            let current = try await principal.stores.actions.action(tenantID: principal.tenant.id, id: id) ?? action
            return APIJSON.response(.ok, ["action": APIRepresentation.action(current), "customer_told": told])
        }
    }
}
