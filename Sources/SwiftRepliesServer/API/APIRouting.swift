import Foundation
import Hummingbird
import Logging
import SwiftRepliesCore

/// A `/api/v1` handler: it gets the authenticated caller.
typealias APIHandler = @Sendable (Request, APIRequestContext, APIPrincipal) async throws -> Response

extension RouterGroup where Context == APIRequestContext {
    /// Registers `handler` for `method path`, requiring `scope` (none: any valid key). Errors
    /// become JSON answers: an `APIError` as itself, anything else as a 500 that is logged.
    @discardableResult
    func endpoint(_ method: HTTPRequest.Method, _ path: RouterPath, scope: String?, logger: Logger, _ handler: @escaping APIHandler) -> Self {
        on(path, method: method) { request, context -> Response in
            guard let principal = context.principal else {
                return APIError.unauthorized("missing_api_key", "send your API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`").response
            }
            if let scope, !APIScopes.allows(principal.key.scopes, scope) {
                var error = APIError.forbidden("missing_scope", "the API key '\(principal.key.name)' lacks the scope \(scope)")
                error.field = "scope"
                error.reason = scope
                return error.response
            }
            do {
                return try await handler(request, context, principal)
            } catch let error as APIError {
                return error.response
            } catch {
                logger.error(
                    "API request failed", metadata: ["tenant.id": "\(principal.tenant.id)", "path": "\(request.uri.path)", "error": "\(error)"]
                )
                return APIError(status: .internalServerError, code: "internal_error", message: "the request failed; see the server log").response
            }
        }
        return self
    }
}

extension APIRequestContext {
    /// A numeric path parameter; anything else is a 404 (no such resource).
    func id(_ name: String, _ what: String) throws -> Int64 {
        guard let text = parameters.get(name), let id = Int64(text), id > 0 else { throw APIError.notFound("\(what) not found") }
        return id
    }
}

extension Request {
    /// A query parameter, `nil` when absent or empty.
    func query(_ name: String) -> String? {
        guard let value = uri.queryParameters.get(name), !value.isEmpty else { return nil }
        return value
    }

    /// `limit` (1...200, default `defaultLimit`) and `offset` (≥ 0, default 0).
    func paging(defaultLimit: Int = 50) throws -> (limit: Int, offset: Int) {
        var limit = defaultLimit
        var offset = 0
        if let text = query("limit") {
            guard let value = Int(text), (1...200).contains(value) else { throw APIError.invalid("limit", "must be a whole number from 1 to 200") }
            limit = value
        }
        if let text = query("offset") {
            guard let value = Int(text), value >= 0 else { throw APIError.invalid("offset", "must be a whole number ≥ 0") }
            offset = value
        }
        return (limit, offset)
    }
}

extension APIPrincipal {
    /// Refuses when the tenant's subscription has `feature` off.
    func require(_ feature: String) throws {
        guard tenant.subscription.features.isEnabled(feature) else { throw APIError.featureDisabled(feature, tenant: tenant) }
    }

    /// The tenant's contact `id`, or 404 (also for another tenant's contact).
    func contact(_ id: Int64) async throws -> ContactRecord {
        guard let contact = try await stores.contacts.contactRecord(tenantID: tenant.id, id: ContactID(id)) else { throw APIError.notFound("contact \(id) not found") }
        return contact
    }

    /// The tenant's chatbot `id`: 404 when the tenant has none by that id.
    func chatbot(_ id: String) throws -> ChatbotDefinition {
        guard let chatbot = tenant.chatbots.first(where: { $0.id.rawValue == id }) else { throw APIError.notFound("chatbot '\(id)' not found") }
        return chatbot
    }

    /// The chatbot a contact's operation goes through: `requested` (body field `chatbot_id`,
    /// which must be the tenant's), else the chatbot the contact last wrote to, else the tenant's
    /// first.
    func chatbot(for contact: ContactRecord, requested: String?) throws -> ChatbotDefinition {
        if let requested {
            guard let chatbot = tenant.chatbots.first(where: { $0.id.rawValue == requested }) else {
                throw APIError.invalid("chatbot_id", "is not a chatbot of tenant '\(tenant.id)'")
            }
            return chatbot
        }
        if let last = contact.chatbotID, let chatbot = tenant.chatbots.first(where: { $0.id == last }) { return chatbot }
        guard let first = tenant.chatbots.first else { throw APIError.conflict("no_chatbot", "tenant '\(tenant.id)' has no chatbot") }
        return first
    }
}
