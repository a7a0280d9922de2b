import Foundation
import Logging
import SwiftRepliesCore
import SwiftRepliesRuntime

/// Runs the turns that answer a conversation's waiting messages: the engine's turn, whose
/// commit answers the messages and queues the replies atomically, then the replies to the
/// outbox. A turn that fails leaves its messages unanswered in the store; the dispatcher retries
/// them after a second, ahead of newer ones.
///
/// On a database several processes share (`leases` set) a turn first takes the conversation's
/// lease, then answers the conversation's oldest unanswered messages as the store has them,
/// which may include messages another process received, so order holds across processes.
struct MessageTurns: Sendable {
    let engine: ConversationEngine
    let state: RuntimeStateHolder
    let outbox: OutboxSender
    /// The conversation leases of a shared database; `nil` on one this process owns.
    let leases: ConversationLeases?
    let logger: Logger

    /// How soon a failed turn is tried again, in seconds.
    static let retryDelay: TimeInterval = 1

    /// Answers `messages` of `conversation`.
    func run(_ messages: [StoredInbound], of conversation: ConversationKey) async -> DispatchWork.Outcome {
        if let leases { return await runLeased(messages, of: conversation, leases: leases) }
        do {
            let runtime = state.current
            let result = try await engine.runTurn(messages, state: runtime)
            outbox.submit(result.outbox, from: runtime.snapshot)
            return .done(unanswered: [])
        } catch {
            failed(conversation, error: error)
            return .retry(after: Self.retryDelay)
        }
    }

    /// A turn under the conversation's lease; waits (`retry`) while another process holds it.
    private func runLeased(_ messages: [StoredInbound], of conversation: ConversationKey, leases: ConversationLeases) async -> DispatchWork.Outcome {
        do {
            let debounced = state.current.snapshot.runtime.debounceSeconds > 0
            guard let leased = try await leases.leaseForMessages(conversation, pendingLimit: debounced ? 200 : 1) else {
                return .retry(after: ConversationLeases.retryDelay)
            }
            let outcome: Result<[StoredInbound], any Error>
            // The turn's commit ends the lease; otherwise it is given up here.
            var leaseReleased = false
            let pending = leased.pending
            do {
                if !pending.isEmpty {
                    let runtime = state.current
                    let result = try await engine.runTurn(pending, state: runtime, releasingLeaseOf: leases.holder, facts: leased.facts)
                    leaseReleased = true
                    outbox.submit(result.outbox, from: runtime.snapshot)
                }
                let answered = Set(pending.map(\.id))
                outcome = .success(messages.filter { !answered.contains($0.id) && !pending.isEmpty })
            } catch {
                outcome = .failure(error)
            }
            if !leaseReleased { await leases.release(conversation, holder: leases.holder) }
            return .done(unanswered: try outcome.get())
        } catch {
            failed(conversation, error: error)
            return .retry(after: Self.retryDelay)
        }
    }

    private func failed(_ conversation: ConversationKey, error: any Error) {
        logger.error(
            "turn failed; it will be retried",
            metadata: [
                "tenant.id": "\(conversation.tenantID)", "chatbot.id": "\(conversation.chatbotID)", "contact.id": "\(conversation.contactID)",
                "error": "\(error)",
            ]
        )
    }
}
