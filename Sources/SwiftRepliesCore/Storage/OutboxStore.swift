import Foundation

/// The outbox: replies and other outgoing messages, their send attempts and outcomes, and the
/// recovery of sends a stopped process left in flight.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol OutboxStore: Sendable {
    /// Adds messages to the outbox outside a turn (holding messages, human messages).
    func enqueueOutbound(_ conversation: ConversationKey, text: String, purpose: OutboundPurpose, at date: Date) async throws -> OutboxEntry

    /// Queues a holding message for a conversation only while it still has an unanswered
    /// inbound message and has had no holding message since the oldest of them (once per wait,
    /// across restarts), checked in the same transaction as the insert: the unanswered messages
    /// are locked until it commits, so a turn that answers them (in this process or another)
    /// commits its replies after the holding message, or first, and then no holding message is
    /// queued. `nil` when nothing is left to hold for.
    func enqueueHoldingMessage(_ conversation: ConversationKey, text: String, at date: Date) async throws -> OutboxEntry?

    /// Outbox entries due at `now` (queued, not accepted, not failed) that are the oldest unsent
    /// message of their conversation, oldest first.
    func dueOutbox(now: Date, limit: Int) async throws -> [OutboxEntry]

    /// Marks queued entries as being sent, before the provider is called (so a crash mid-attempt
    /// is known afterwards); returns the ids that may be sent (only those may be sent): still
    /// queued, and with no older message of their conversation unsent, so that a conversation's
    /// messages leave in the order they were created. A queued holding message of these
    /// conversations whose customer has been answered is marked `dropped` and never sent.
    func beginSendAttempts(_ ids: [MessageID], at date: Date) async throws -> [MessageID]

    /// Requeues entries a stopped process left mid-attempt, marked possibly duplicated (their
    /// outcome is unknown), due at once; returns how many. On a database one process owns, that
    /// is every entry being sent (called at start); on a shared one, the entries of processes
    /// whose heartbeats stopped.
    @discardableResult
    func recoverInterruptedSends(at date: Date) async throws -> Int

    /// Records that this process is alive, on a database several processes share: the sends a
    /// process left in flight are taken over as soon as its heartbeats stop. Called about once a
    /// second; nothing by default (one process owns the database and recovers at start).
    func recordHeartbeat(at date: Date) async throws

    /// Records an attempt's outcome on an outbox entry.
    func recordSendOutcome(_ id: MessageID, outcome: SendOutcome, at date: Date) async throws
}

extension OutboxStore {
    public func recordHeartbeat(at date: Date) async throws {}
}
