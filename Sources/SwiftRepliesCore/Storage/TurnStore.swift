import Foundation

/// What a turn reads and commits on the hot path: the unanswered inbound messages, a conversation's
/// history, and the atomic commit of a finished turn.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol TurnStore: Sendable {
    /// Inbound messages without a finished turn with an id above `after` (all when `nil`), oldest
    /// first (crash recovery and dispatch).
    func pendingInbound(after: MessageID?, limit: Int) async throws -> [StoredInbound]

    /// Inbound messages of one conversation without a finished turn, oldest first.
    func pendingInbound(of conversation: ConversationKey, limit: Int) async throws -> [StoredInbound]

    /// The last `limit` messages of a conversation before `beforeID` (all when `nil`), oldest first.
    func history(_ conversation: ConversationKey, before beforeID: MessageID?, limit: Int) async throws -> [ConversationMessage]

    /// Commits a finished turn atomically: its inbound messages become processed and its replies
    /// enter the outbox. Returns the new outbox entries. Idempotent per inbound message: messages
    /// already processed are not processed again and yield no new replies.
    func completeTurn(_ completion: TurnCompletion) async throws -> [OutboxEntry]
}

extension TurnStore {
    /// Inbound messages without a finished turn, oldest first.
    public func pendingInbound(limit: Int) async throws -> [StoredInbound] {
        try await pendingInbound(after: nil, limit: limit)
    }
}
