import Foundation
import Logging
import SwiftRepliesCore
import SwiftRepliesRuntime

/// Runs the turns that tell customers an operator's decision (or that nobody decided in time):
/// each action's outcome re-enters its conversation as a turn (`TurnTrigger.actionResolved`),
/// so the agent says it in its own words, and the replies go out through the outbox like any
/// other. The turn waits for the conversation's running turn (never overlapping it, see
/// `Dispatcher.claimConversation`).
///
/// Once the replies are committed the action is marked told; an outcome left untold (a crash,
/// a failing agent) is told by `OperationsSweepService` later.
struct ResolutionTurns: Sendable {
    let engine: ConversationEngine
    let state: RuntimeStateHolder
    let outbox: OutboxSender
    let dispatcher: Dispatcher
    let store: (any OperatorStore)?
    let logger: Logger
    /// How long a resolution turn waits for the conversation's running turn before it runs anyway.
    var maximumWait: Duration = .seconds(30)

    /// Tells the customer `action`'s outcome; returns whether the turn committed.
    @discardableResult
    func tell(_ action: ActionRecord) async -> Bool {
        guard let store else { return false }
        let conversation = action.conversation
        let deadline = ContinuousClock.now + maximumWait
        var claimed = await dispatcher.claimConversation(conversation)
        while !claimed, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            claimed = await dispatcher.claimConversation(conversation)
        }
        if !claimed {
            logger.warning("the conversation stayed busy; telling the action's outcome anyway", metadata: ["action.id": "\(action.id)"])
        }
        do {
            let result = try await engine.runResolutionTurn(action, state: state.current)
            try await store.markResolutionDelivered(tenantID: action.tenantID, actionID: action.id, at: Date())
            if claimed { await dispatcher.releaseConversation(conversation) }
            await outbox.submit(result.outbox)
            return true
        } catch {
            if claimed { await dispatcher.releaseConversation(conversation) }
            logger.error(
                "could not tell the customer the action's outcome; it will be retried",
                metadata: [
                    "tenant.id": "\(action.tenantID)", "chatbot.id": "\(action.chatbotID)", "contact.id": "\(action.contactID)",
                    "action.id": "\(action.id)", "error": "\(error)",
                ]
            )
            return false
        }
    }
}
