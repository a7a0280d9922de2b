import SwiftRepliesCore

/// `live_takeover`: while an operator holds the conversation (`POST
/// /api/v1/contacts/{id}/takeover` until `.../release`), the bot stays quiet. The customer's
/// messages are still stored and shown to the operator; the operator answers through the API.
public struct LiveTakeoverMiddleware: TurnMiddleware {
    public let name = "live_takeover"
    let takeovers: any TakeoverStore

    public init(takeovers: any TakeoverStore) {
        self.takeovers = takeovers
    }

    public func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        // With the feature off no takeover can start, so there is nothing to look up.
        guard turn.tenant.subscription.features.isEnabled("live_takeover") else { return try await next(turn) }
        let active: TakeoverRecord?
        if let facts = turn.facts {
            active = facts.activeTakeover
        } else {
            active = try await takeovers.activeTakeover(tenantID: turn.tenant.id, contactID: turn.contact.id)
        }
        if let takeover = active {
            turn.logger.debug("a person has the conversation: the bot stays quiet", metadata: ["takeover.id": "\(takeover.id)"])
            return .silent(stoppedBy: name, intent: "takeover")
        }
        return try await next(turn)
    }
}
