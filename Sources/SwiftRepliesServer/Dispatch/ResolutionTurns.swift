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

    /// Tells the customer `action`'s outcome; returns whether the turn committed (or the outcome
    /// had already been told).
    ///
    /// In a database several processes share (`store.isShared`) the turn also takes the
    /// conversation's lease, as `Dispatcher.executeLeased` does, so it never runs at the same time
    /// as a turn of the same conversation in another process; when the lease stays taken past
    /// `maximumWait` it gives up and the operations sweep tells the outcome later.
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
        // Its own holder name: a lease this process's message turns hold is not shared with it.
        let leaseHolder = "resolution-" + dispatcher.leaseHolder
        if store.isShared {
            var leased = await acquireLease(conversation, holder: leaseHolder, store: store)
            while !leased, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
                leased = await acquireLease(conversation, holder: leaseHolder, store: store)
            }
            guard leased else {
                if claimed { await dispatcher.releaseConversation(conversation) }
                logger.warning(
                    "another process kept the conversation; the action's outcome will be told by a later sweep",
                    metadata: ["tenant.id": "\(action.tenantID)", "contact.id": "\(action.contactID)", "action.id": "\(action.id)"]
                )
                return false
            }
        }
        func handBack() async {
            if store.isShared { try? await store.releaseConversationLease(conversation, holder: leaseHolder) }
            if claimed { await dispatcher.releaseConversation(conversation) }
        }
        do {
            // Another process (or an earlier call) may have told it while this one waited.
            if try await store.action(tenantID: action.tenantID, id: action.id)?.deliveredAt != nil {
                await handBack()
                return true
            }
            let result = try await engine.runResolutionTurn(action, state: state.current)
            try await store.markResolutionDelivered(tenantID: action.tenantID, actionID: action.id, at: Date())
            await handBack()
            outbox.submit(result.outbox)
            return true
        } catch {
            await handBack()
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

    /// Takes the conversation's lease in the shared database; `false` while another holder has it
    /// (or the database cannot say).
    private func acquireLease(_ conversation: ConversationKey, holder: String, store: any OperatorStore) async -> Bool {
        let now = Date()
        do {
            return try await store.acquireConversationLease(conversation, holder: holder, until: now.addingTimeInterval(dispatcher.leaseDuration), now: now)
        } catch {
            logger.warning("could not take the conversation's lease", metadata: ["tenant.id": "\(conversation.tenantID)", "error": "\(error)"])
            return false
        }
    }
}
