import Foundation
import Synchronization
import SwiftRepliesCore

/// The kit's default probe: reports what the `actions_center` and `live_takeover` middleware
/// recorded in the store for the conversation.
///
/// - `action_created` for every Actions Center request it has not reported before (attributes
///   `id`, `request_type`, `amount`, `priority`, `status`);
/// - `action_resolved` when a request's status became `approved`, `denied` or `expired`
///   (attributes `id`, `request_type`, `outcome`, `auto_approved`);
/// - `takeover` while an operator holds the conversation (attribute `started_by`).
///
/// One probe remembers what it reported, so give each kit its own (the default does).
public final class OperatorRecordsProbe: TurnEffectProbe {
    private let reported = Mutex<[ConversationKey: [Int64: ActionStatus]]>([:])

    public init() {}

    public func effects(of reply: TurnReply, in conversation: ConversationKey, stores: StoreSet) async throws -> [TurnEffect] {
        let actions = try await stores.actions.actions(tenantID: conversation.tenantID, status: nil, limit: 500, offset: 0)
            .filter { $0.conversation == conversation }
            .sorted { $0.id < $1.id }
        let previous = reported.withLock { $0[conversation] ?? [:] }
        var effects: [TurnEffect] = []
        for action in actions {
            if previous[action.id] == nil {
                var attributes = [
                    "id": String(action.id), "request_type": action.requestType, "priority": action.priority.rawValue, "status": action.status.rawValue,
                ]
                if let amount = action.requestedAmount { attributes["amount"] = ReplyExpectation.number(amount) }
                effects.append(TurnEffect(kind: .actionCreated, attributes: attributes))
            }
            if action.status != .pending, previous[action.id] != action.status {
                effects.append(
                    TurnEffect(
                        kind: .actionResolved,
                        attributes: [
                            "id": String(action.id), "request_type": action.requestType, "outcome": action.status.rawValue,
                            "auto_approved": String(action.autoApproved),
                        ]))
            }
        }
        reported.withLock { $0[conversation] = Dictionary(actions.map { ($0.id, $0.status) }, uniquingKeysWith: { $1 }) }
        if let takeover = try await stores.takeovers.activeTakeover(tenantID: conversation.tenantID, contactID: conversation.contactID) {
            effects.append(TurnEffect(kind: .takeover, attributes: ["started_by": takeover.startedBy ?? "unknown"]))
        }
        return effects
    }
}

extension TestConversation {
    /// The kit's stores (actions, takeovers).
    private var stores: StoreSet { conversation.host.stores }

    /// An operator approves or denies the conversation's latest pending Actions Center request
    /// at the clock's time; then the resolution turn runs (the agent tells the customer) and its
    /// reply is returned. Throws `ScriptError` when no request is pending.
    public func operatorDecides(
        _ status: ActionStatus, response: String? = nil, autoApproveSimilar: Bool = false, by operatorName: String = "test-operator"
    ) async throws -> TurnReply {
        guard status == .approved || status == .denied else { throw ScriptError(description: "an operator approves or denies, not \(status)") }
        let key = try await key()
        let pending = try await stores.actions.actions(tenantID: key.tenantID, status: .pending, limit: 500, offset: 0).filter { $0.conversation == key }
        guard let latest = pending.max(by: { $0.id < $1.id }) else {
            throw ScriptError(description: "no pending Actions Center request in this conversation to \(status == .approved ? "approve" : "deny")")
        }
        let decision = ActionDecision(status: status, response: response, autoApproveSimilar: autoApproveSimilar, resolvedBy: operatorName, at: clock.now)
        guard case .resolved(let action) = try await stores.actions.resolveAction(tenantID: key.tenantID, id: latest.id, decision: decision) else {
            throw ScriptError(description: "Actions Center request \(latest.id) was no longer pending")
        }
        return try await resolutionTurn(for: action, label: "operator \(status.rawValue) request \(action.id)")
    }

    /// Expires this conversation's pending requests whose time ran out at the clock's time (move
    /// the clock past `action_ttl_minutes` first), then runs their resolution turns; returns the
    /// last reply, or `nil` when none expired.
    public func expirePendingActions() async throws -> TurnReply? {
        let key = try await key()
        let expired = try await stores.actions.expireActions(tenantID: key.tenantID, now: clock.now).filter { $0.conversation == key }
        var last: TurnReply?
        for action in expired.sorted(by: { $0.id < $1.id }) {
            last = try await resolutionTurn(for: action, label: "request \(action.id) expired")
        }
        return last
    }

    /// An operator takes the conversation over (the `live_takeover` middleware keeps the bot quiet).
    public func operatorTakesOver(by operatorName: String = "test-operator") async throws {
        let key = try await key()
        _ = try await stores.takeovers.startTakeover(
            tenantID: key.tenantID, chatbotID: key.chatbotID, contactID: key.contactID, startedBy: operatorName, at: clock.now)
    }

    /// The operator hands the conversation back to the bot.
    public func operatorReleases() async throws {
        let key = try await key()
        _ = try await stores.takeovers.releaseTakeover(tenantID: key.tenantID, contactID: key.contactID, at: clock.now)
    }

    private func resolutionTurn(for action: ActionRecord, label: String) async throws -> TurnReply {
        _ = recorder.take(chatbot: conversation.chatbot.id, phone: conversation.phone)
        let result = try await conversation.host.engine.runResolutionTurn(action, state: conversation.host.state.current, now: clock.now)
        let turn = recorder.take(chatbot: conversation.chatbot.id, phone: conversation.phone)
        return try await observed(TurnReply(sent: label, response: result.response, outbox: result.outbox, turn: turn))
    }
}

extension ConversationScript {
    /// An operator approves or denies the latest pending Actions Center request; the following
    /// `expect(...)` checks the resolution turn (`.actionResolved(outcome:)`, the agent's words).
    public func operatorDecides(_ status: ActionStatus, response: String? = nil, autoApproveSimilar: Bool = false) -> ConversationScript {
        perform("operator: \(status.rawValue)") { context in
            try await context.conversation.operatorDecides(status, response: response, autoApproveSimilar: autoApproveSimilar)
        }
    }

    /// Pending requests whose time ran out (move the clock first) expire; the following
    /// `expect(...)` checks the last resolution turn.
    public func expirePendingActions() -> ConversationScript {
        perform("expire pending requests") { context in try await context.conversation.expirePendingActions() }
    }

    /// An operator takes the conversation over; the bot stays quiet until `operatorReleases()`.
    public func operatorTakesOver(by operatorName: String = "test-operator") -> ConversationScript {
        perform("operator takes over") { context in
            try await context.conversation.operatorTakesOver(by: operatorName)
            return nil
        }
    }

    /// The operator hands the conversation back to the bot.
    public func operatorReleases() -> ConversationScript {
        perform("operator releases") { context in
            try await context.conversation.operatorReleases()
            return nil
        }
    }
}
