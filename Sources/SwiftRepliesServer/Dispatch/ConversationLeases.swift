import Foundation
import SwiftRepliesCore

/// Conversation leases on a database several processes share: before a turn (a message turn or a
/// resolution turn) this process takes the conversation's lease, so no other process runs a
/// turn of the same conversation at the same time. A turn that does not get the lease is not
/// run: the dispatcher queues its work again and retries it after `retryDelay`.
///
/// A message turn's lease ends in the transaction that commits the turn; one given up without a
/// commit, and a resolution turn's, are released here.
struct ConversationLeases: Sendable {
    let leases: any LeaseStore
    /// This process's name in the leases of its message turns.
    let holder: String
    /// How long a conversation stays leased to this process while its turn runs.
    let duration: TimeInterval

    /// How soon a turn whose conversation another process holds is tried again, in seconds.
    static let retryDelay: TimeInterval = 0.05

    init(leases: any LeaseStore, duration: TimeInterval) {
        self.leases = leases
        self.duration = duration
        self.holder = "dispatcher-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    }

    /// The holder name of this process's resolution turns: their own, so that a lease one of its
    /// message turns kept (a release that failed) is not taken over by them.
    var resolutionHolder: String { "resolution-" + holder }

    /// Leases `conversation` for a message turn and reads its oldest unanswered messages (up to
    /// `pendingLimit`) as the store has them, with what the turn's middleware need; `nil` while
    /// another process holds it.
    func leaseForMessages(_ conversation: ConversationKey, pendingLimit: Int) async throws -> LeasedConversation? {
        let now = Date()
        return try await leases.leaseConversation(
            conversation, holder: holder, until: now.addingTimeInterval(duration), now: now, pendingLimit: pendingLimit
        )
    }

    /// Takes `conversation`'s lease for a resolution turn; `false` while another holder has it.
    func leaseForResolution(_ conversation: ConversationKey) async throws -> Bool {
        let now = Date()
        return try await leases.acquireConversationLease(conversation, holder: resolutionHolder, until: now.addingTimeInterval(duration), now: now)
    }

    /// Gives `conversation`'s lease up (a failure leaves it to expire).
    func release(_ conversation: ConversationKey, holder: String) async {
        try? await leases.releaseConversationLease(conversation, holder: holder)
    }
}
