import Foundation
import SwiftRepliesCore

/// `actions_center`: when the agent asks for a decision it may not take alone (its response
/// carries an `EscalationRequest`: a discount above its limit, a refund, a human, or a
/// module-defined type), records an action for an operator to approve or deny, with the
/// conversation's last messages, and lets the agent's "a person is checking" answer go out.
///
/// - An earlier approval with `auto_approve_similar` that covers the request approves it at
///   once (recorded as such), and the agent answers the approval in the same turn.
/// - Past the tenant's `max_actions_per_day`, or with the tenant's `actions_center` feature off,
///   nothing is recorded: the agent is asked again with a note
///   (`ActionsCenterNotes.availability`) so it can say, in the customer's language, that it
///   cannot get a decision; an agent that still escalates gets a plain English answer instead.
/// - A resolution turn (`TurnTrigger.actionResolved`) passes straight to the agent.
///
/// The operator's decision comes back as a turn of its own (see the server's resolution turns).
public struct ActionsCenterMiddleware: TurnMiddleware {
    public let name = "actions_center"
    /// Where actions are recorded.
    let actions: any ActionStore
    /// Where the excerpt's earlier messages come from.
    let turns: any TurnStore
    /// How long an action waits for a decision (the agent's `action_ttl_minutes`).
    let timeToLive: TimeInterval
    /// How many earlier messages the action's excerpt carries.
    let excerptLength: Int

    public init(actions: any ActionStore, turns: any TurnStore, timeToLive: TimeInterval, excerptLength: Int = 6) {
        self.actions = actions
        self.turns = turns
        self.timeToLive = timeToLive
        self.excerptLength = excerptLength
    }

    /// What the customer hears when the agent escalates without saying anything itself.
    public static let defaultPendingAnswer = "I've asked a member of our team to check this; I'll get back to you here as soon as they decide."
    /// What the customer hears when an agent ignores the note and escalates past the daily limit.
    public static let dailyLimitAnswer = "I can't get a decision from our team on this today. Please ask again tomorrow."
    /// What the customer hears when an agent escalates while the tenant's Actions Center is off.
    public static let disabledAnswer = "I can't approve this myself, and I can't pass requests to our team from this chat."

    public func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        if case .actionResolved = turn.trigger { return try await next(turn) }
        var turn = turn
        let enabled = turn.tenant.subscription.features.isEnabled("actions_center")
        if !enabled { turn.context.notes[ActionsCenterNotes.availability] = ActionsCenterNotes.disabled }
        var response = try await next(turn)
        guard let escalation = response.escalation else { return response }
        guard enabled else {
            turn.logger.warning(
                "the agent asks for a decision, but the tenant's actions_center feature is off: no action recorded",
                metadata: ["request.type": "\(escalation.requestType)"]
            )
            response.escalation = nil
            response.messages = [Self.disabledAnswer]
            return response
        }

        let now = turn.startedAt
        let conversation = ConversationKey(tenantID: turn.tenant.id, chatbotID: turn.chatbot.id, contactID: turn.contact.id)
        let recent = try await turns.history(conversation, before: nil, limit: excerptLength)
        let excerpt = recent.compactMap { message -> ExcerptLine? in
            guard let text = message.text, !text.isEmpty else { return nil }
            let from = message.direction == .inbound ? "customer" : (message.isFromHuman ? "human" : "bot")
            return ExcerptLine(from: from, text: text, at: message.createdAt)
        }
        let draft = ActionDraft(
            tenantID: turn.tenant.id, chatbotID: turn.chatbot.id, contactID: turn.contact.id, requestType: escalation.requestType,
            details: escalation.details, requestedAmount: escalation.requestedAmount, priority: escalation.priority,
            context: ActionContext(facts: escalation.context, conversation: excerpt), createdAt: now,
            expiresAt: now.addingTimeInterval(timeToLive)
        )
        switch try await actions.createAction(draft, dailyLimit: turn.tenant.subscription.limits.maxActionsPerDay, dayStart: UsageCalendar.startOfDay(now)) {
        case .pending(let action):
            turn.logger.info(
                "action created; waiting for an operator",
                metadata: ["action.id": "\(action.id)", "request.type": "\(action.requestType)", "action.priority": "\(action.priority.rawValue)"]
            )
            if response.messages.isEmpty { response.messages = [Self.defaultPendingAnswer] }
            return response
        case .autoApproved(let action, let rule):
            turn.logger.info("action approved by an earlier approval (auto_approve_similar)", metadata: ["action.id": "\(action.id)", "rule.id": "\(rule)"])
            guard let resolution = action.resolution else { return response }
            var resolved = turn
            resolved.trigger = .actionResolved(resolution)
            for (fact, value) in action.context.facts { resolved.context.notes[ActionsCenterNotes.factPrefix + fact] = value }
            var answer = try await next(resolved)
            answer.escalation = escalation
            return answer
        case .dailyLimitReached(let limit):
            turn.logger.warning(
                "max_actions_per_day reached: the agent cannot ask for a decision today",
                metadata: ["limit": "\(limit)", "request.type": "\(escalation.requestType)"]
            )
            turn.context.notes[ActionsCenterNotes.availability] = ActionsCenterNotes.dailyLimitReached
            var answer = try await next(turn)
            if answer.escalation != nil {
                answer.escalation = nil
                answer.messages = [Self.dailyLimitAnswer]
            }
            return answer
        }
    }
}
