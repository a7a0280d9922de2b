import Foundation
import Logging
import Metrics
import SwiftRepliesCore

extension ConversationEngine {
    /// A resolution turn that cannot run.
    public struct ResolutionError: Error, CustomStringConvertible {
        public var description: String
    }

    /// How many earlier messages a resolution turn carries at least (the agent words the
    /// outcome in the customer's language, taken from their last message).
    static let resolutionHistory = 10

    /// Runs the turn that tells the customer an operator's decision (or the expiry) on `action`:
    /// the agent's pipeline gets a turn with `TurnTrigger.actionResolved`, no new message, the
    /// conversation's recent history and the action's facts as notes (`action.<fact>`), and its
    /// replies are committed to the outbox. Throws when the action is still pending, or when the
    /// agent fails (the caller tries again later); a chatbot no longer configured gives a silent
    /// result.
    public func runResolutionTurn(_ action: ActionRecord, state: RuntimeState, now: Date = Date()) async throws -> TurnResult {
        guard let resolution = action.resolution else { throw ResolutionError(description: "action \(action.id) is still pending") }
        let conversation = action.conversation
        var logger = self.logger
        logger.handler.metadata.merge(
            [
                "tenant.id": "\(conversation.tenantID)", "chatbot.id": "\(conversation.chatbotID)", "contact.id": "\(conversation.contactID)",
                "action.id": "\(action.id)",
            ]
        ) { $1 }
        let clock = ContinuousClock.now
        let snapshot = state.snapshot
        guard let tenant = snapshot.tenant(conversation.tenantID), let chatbot = snapshot.chatbot(conversation.chatbotID),
            let agent = snapshot.agent(chatbot.agentID), let pipeline = state.pipelines[chatbot.agentID]
        else {
            logger.warning("the action's chatbot is no longer configured; the customer is not told the outcome")
            return TurnResult(response: .silent(intent: "unconfigured"), outbox: [], durationMilliseconds: 0, configRevision: snapshot.revision)
        }
        guard let contact = try await contacts.contact(tenantID: conversation.tenantID, id: conversation.contactID) else {
            throw ResolutionError(description: "contact \(conversation.contactID) of action \(action.id) does not exist")
        }
        let history = try await turns.history(conversation, before: nil, limit: max(Self.resolutionHistory, pipeline.agent.historyLimit))
        var context = TurnContext()
        for (fact, value) in action.context.facts { context.notes[ActionsCenterNotes.factPrefix + fact] = value }
        let turn = Turn(
            tenant: tenant, chatbot: chatbot, agent: agent, contact: contact, messages: [], history: history, trigger: .actionResolved(resolution),
            context: context, configRevision: snapshot.revision, startedAt: now, logger: logger
        )
        let response = try await pipeline.run(turn)
        let elapsed = ContinuousClock.now - clock
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let outbox = try await turns.completeTurn(
            TurnCompletion(
                conversation: conversation, inboundIDs: [], replies: response.messages, aiProcessed: response.stoppedBy == nil,
                processingMilliseconds: milliseconds, intent: response.intent, configRevision: snapshot.revision, completedAt: Date()
            )
        )
        Counter(label: "swiftreplies_resolution_turns_total", dimensions: [("tenant", conversation.tenantID.rawValue), ("outcome", resolution.outcome.rawValue)])
            .increment()
        logger.info("customer told the action's outcome", metadata: ["outcome": "\(resolution.outcome.rawValue)", "replies": "\(outbox.count)"])
        return TurnResult(response: response, outbox: outbox, durationMilliseconds: milliseconds, configRevision: snapshot.revision)
    }
}
