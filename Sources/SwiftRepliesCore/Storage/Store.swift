import Foundation

/// The persistence protocol. SQLite is the embedded default; PostgreSQL implements the same
/// protocol and passes the same conformance suite.
///
/// Every method that touches tenant data takes the tenant, so a backend can scope it (row-level
/// security in PostgreSQL). Values are always bound, never interpolated into SQL.
public protocol Store: Sendable {
    /// `sqlite` or `postgres`, for `/health`.
    var backendName: String { get }

    /// Applies pending migrations; returns the versions applied.
    @discardableResult
    func migrateUp() async throws -> [Int]
    /// Rolls back migrations down to `target` (exclusive); returns the versions rolled back.
    @discardableResult
    func migrateDown(to target: Int) async throws -> [Int]
    func migrationStatus() async throws -> MigrationStatus

    /// Whether several processes may share this database (PostgreSQL). The host then takes a
    /// conversation lease before each turn and sweeps for work a stopped process left behind;
    /// a store only one process uses (SQLite) recovers everything at start instead.
    var isShared: Bool { get }

    /// Fails when the database cannot be reached.
    func ping() async throws

    /// Upkeep the database needs while the host runs, called about once a second on a shared
    /// store (PostgreSQL refreshes the planner's statistics of tables that grew fast). Nothing
    /// by default.
    func performHousekeeping() async throws

    /// Mirrors the configured tenants and chatbots into the database (upsert; chatbots no longer
    /// configured are marked inactive, never deleted, so their history stays).
    func syncDirectory(_ tenants: [TenantDefinition]) async throws

    /// Stores routed inbound messages (creating contacts as needed) in one transaction; returns
    /// one outcome per envelope, in order. A provider id already stored for the chatbot is a
    /// duplicate and is not stored again.
    func ingest(_ batch: [InboundEnvelope]) async throws -> [IngestOutcome]

    /// Keeps messages sent to numbers no tenant has, once per provider message id; returns how
    /// many were new (a provider's redelivery of one already kept is not).
    @discardableResult
    func recordUnroutable(_ batch: [UnroutableMessage]) async throws -> Int

    /// The contact with this phone number in this tenant, created when missing.
    func upsertContact(tenantID: TenantID, phone: PhoneNumber, name: String?) async throws -> Contact
    func contact(tenantID: TenantID, id: ContactID) async throws -> Contact?

    /// The last `limit` messages of a conversation before `beforeID` (all when `nil`), oldest first.
    func history(_ conversation: ConversationKey, before beforeID: MessageID?, limit: Int) async throws -> [ConversationMessage]

    /// Full records of a contact's messages in a tenant, oldest first.
    func messages(tenantID: TenantID, contactID: ContactID, limit: Int) async throws -> [StoredMessage]

    /// Inbound messages without a finished turn with an id above `after` (all when `nil`), oldest
    /// first (crash recovery and dispatch).
    func pendingInbound(after: MessageID?, limit: Int) async throws -> [StoredInbound]

    /// Inbound messages of one conversation without a finished turn, oldest first.
    func pendingInbound(of conversation: ConversationKey, limit: Int) async throws -> [StoredInbound]

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

    /// Commits a finished turn atomically: its inbound messages become processed and its replies
    /// enter the outbox. Returns the new outbox entries. Idempotent per inbound message: messages
    /// already processed are not processed again and yield no new replies.
    func completeTurn(_ completion: TurnCompletion) async throws -> [OutboxEntry]

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

    /// Applies provider delivery reports to stored outbound messages of `chatbots` (never moving
    /// a status backwards); returns how many messages changed. `chatbots` are those the account
    /// that signed the reports serves: a report never changes a message another account sent.
    @discardableResult
    func applyDeliveryStatuses(_ updates: [DeliveryStatusUpdate], sentBy chatbots: Set<ChatbotID>) async throws -> Int

    /// Active (unexpired) instructions of a conversation at `date`, oldest first.
    func activeInstructions(_ conversation: ConversationKey, at date: Date) async throws -> [ConversationInstruction]
    func addInstruction(_ conversation: ConversationKey, text: String, expiresAt: Date?, at date: Date) async throws -> ConversationInstruction
    /// Deletes an instruction of the tenant; `false` when it does not exist there.
    func deleteInstruction(tenantID: TenantID, id: Int64) async throws -> Bool

    func counts() async throws -> StoreCounts

    /// Closes connections.
    func shutdown() async throws
}

extension Store {
    /// Inbound messages without a finished turn, oldest first.
    public func pendingInbound(limit: Int) async throws -> [StoredInbound] {
        try await pendingInbound(after: nil, limit: limit)
    }

    public func performHousekeeping() async throws {}

    public func recordHeartbeat(at date: Date) async throws {}

    /// The lease, then the pending messages, as two calls.
    public func leaseConversation(_ conversation: ConversationKey, holder: String, until: Date, now: Date, pendingLimit: Int) async throws
        -> LeasedConversation?
    {
        guard try await acquireConversationLease(conversation, holder: holder, until: until, now: now) else { return nil }
        return LeasedConversation(pending: try await pendingInbound(of: conversation, limit: pendingLimit))
    }
}
