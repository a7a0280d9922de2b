import Foundation
import Logging
import SwiftRepliesCore
import SwiftRepliesRuntime

/// Runs the turns that tell customers an operator's decision (or that nobody decided in time):
/// each action's outcome re-enters its conversation as a turn (`TurnTrigger.actionResolved`),
/// so the agent says it in its own words, and the replies go out through the outbox like any
/// other. The dispatcher runs it as a work item of the conversation's queue (`Dispatcher.tell`),
/// so it never overlaps one of the conversation's message turns.
///
/// Once the replies are committed the action is marked told; an outcome left untold (a crash,
/// a failing agent) is told by `OperationsSweepService` later.
///
/// On a database several processes share (`leases` set) the turn also takes the conversation's
/// lease, so it never runs at the same time as a turn of the same conversation in another
/// process. While another process holds it the work item is retried like a leased message turn;
/// past the work item's deadline it gives up and a later sweep tells the outcome.
struct ResolutionTurns: Sendable {
    let engine: ConversationEngine
    let state: RuntimeStateHolder
    let outbox: OutboxSender
    /// Where the action's delivery is noted.
    let actions: any ActionStore
    /// The conversation leases of a shared database; `nil` on one this process owns.
    let leases: ConversationLeases?
    let logger: Logger

    /// Tells `resolution`'s outcome and reports whether the turn committed (or the outcome had
    /// already been told); `retry` while another process holds the conversation, before the
    /// deadline (nothing is reported then).
    func run(_ resolution: ResolutionWork) async -> DispatchWork.Outcome {
        let action = resolution.action
        if let leases {
            guard await leaseTaken(action, leases: leases) else {
                if ContinuousClock.now < resolution.deadline { return .retry(after: ConversationLeases.retryDelay) }
                logger.warning(
                    "another process kept the conversation; the action's outcome will be told by a later sweep",
                    metadata: ["tenant.id": "\(action.tenantID)", "contact.id": "\(action.contactID)", "action.id": "\(action.id)"]
                )
                resolution.report(false)
                return .done(unanswered: [])
            }
        }
        let (told, replies) = await tell(action)
        if let leases { await leases.release(action.conversation, holder: leases.resolutionHolder) }
        outbox.submit(replies)
        resolution.report(told)
        return .done(unanswered: [])
    }

    /// Runs the resolution turn and marks the action told; returns whether it is told, and the
    /// replies to send.
    private func tell(_ action: ActionRecord) async -> (told: Bool, replies: [OutboxEntry]) {
        do {
            // Another process (or an earlier call) may have told it while this one waited.
            if try await actions.action(tenantID: action.tenantID, id: action.id)?.deliveredAt != nil { return (true, []) }
            let result = try await engine.runResolutionTurn(action, state: state.current)
            try await actions.markResolutionDelivered(tenantID: action.tenantID, actionID: action.id, at: Date())
            return (true, result.outbox)
        } catch {
            logger.error(
                "could not tell the customer the action's outcome; it will be retried",
                metadata: [
                    "tenant.id": "\(action.tenantID)", "chatbot.id": "\(action.chatbotID)", "contact.id": "\(action.contactID)",
                    "action.id": "\(action.id)", "error": "\(error)",
                ]
            )
            return (false, [])
        }
    }

    /// Takes the conversation's lease; `false` while another holder has it (or the database
    /// cannot say).
    private func leaseTaken(_ action: ActionRecord, leases: ConversationLeases) async -> Bool {
        do {
            return try await leases.leaseForResolution(action.conversation)
        } catch {
            logger.warning("could not take the conversation's lease", metadata: ["tenant.id": "\(action.tenantID)", "error": "\(error)"])
            return false
        }
    }
}
