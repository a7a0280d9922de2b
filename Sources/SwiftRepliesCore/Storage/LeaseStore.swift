import Foundation

/// Conversation leases: one turn per conversation across every process sharing the database.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol LeaseStore: Sendable {
    /// Takes (or renews) the lease on a conversation for `holder` until `until`; `false` when
    /// another holder's lease has not expired at `now`. One turn per conversation runs across all
    /// processes sharing the database.
    func acquireConversationLease(_ conversation: ConversationKey, holder: String, until: Date, now: Date) async throws -> Bool

    /// Gives up `holder`'s lease on a conversation (nothing when it holds none).
    func releaseConversationLease(_ conversation: ConversationKey, holder: String) async throws

    /// Takes the lease on a conversation (as `acquireConversationLease`) and, when it was taken,
    /// returns the conversation's unanswered messages (as `pendingInbound(of:limit:)`); `nil` when
    /// another holder has the lease. A store may do both in one transaction, and read the
    /// conversation's facts for the turn in it too.
    func leaseConversation(_ conversation: ConversationKey, holder: String, until: Date, now: Date, pendingLimit: Int) async throws
        -> LeasedConversation?
}

extension LeaseStore where Self: TurnStore {
    /// The lease, then the pending messages, as two calls.
    public func leaseConversation(_ conversation: ConversationKey, holder: String, until: Date, now: Date, pendingLimit: Int) async throws
        -> LeasedConversation?
    {
        guard try await acquireConversationLease(conversation, holder: holder, until: until, now: now) else { return nil }
        return LeasedConversation(pending: try await pendingInbound(of: conversation, limit: pendingLimit))
    }
}
