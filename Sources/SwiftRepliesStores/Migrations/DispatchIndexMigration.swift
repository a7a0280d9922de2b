/// The index of migration 4, the same in both dialects.
private enum ConversationPendingIndex {
    static let create = """
        CREATE INDEX messages_conversation_pending ON messages (tenant_id, contact_id, id)
        WHERE direction = 'inbound' AND status = 'received'
        """
    static let drop = "DROP INDEX IF EXISTS messages_conversation_pending"
}

extension PostgresMigrations {
    /// Version 4, as `SQLiteMigrations.dispatchIndex`: an index of each conversation's unanswered
    /// messages. A turn on a shared database reads its conversation's pending messages; without
    /// this index the planner could walk `messages_pending_inbound` (every pending message of
    /// every tenant, in id order) and filter, which a backlog of a few thousand messages made
    /// cost 0.6 ms per turn in the load harness. Conversation leases are now ended by expiring
    /// them in place (an update that touches no indexed column) rather than deleted and inserted
    /// again; room on each page keeps those updates on the page (`fillfactor`).
    public static let dispatchIndex = Migration(
        version: 4,
        name: "dispatch_index",
        up: [ConversationPendingIndex.create, "ALTER TABLE conversation_leases SET (fillfactor = 50)"],
        down: ["ALTER TABLE conversation_leases RESET (fillfactor)", ConversationPendingIndex.drop]
    )
}

extension SQLiteMigrations {
    /// Version 4, as `PostgresMigrations.dispatchIndex`: an index of each conversation's
    /// unanswered messages, for turns that read their conversation's pending messages.
    public static let dispatchIndex = Migration(
        version: 4,
        name: "dispatch_index",
        up: [ConversationPendingIndex.create],
        down: [ConversationPendingIndex.drop]
    )

    /// Version 5: two indexes of `messages` that SQLite maintained for every message and never
    /// needed are dropped: in the load harness, `pwrite` calls per webhook (WAL frames and their
    /// checkpoint) fell from 19.4 to 14.6.
    /// - Version 4's `messages_conversation_pending`: only turns on a shared database read a
    ///   conversation's pending messages, and a SQLite file is never shared (the dispatcher has
    ///   them in memory). Each message paid for it twice, an entry written when it was stored and
    ///   removed when it was answered, each at the conversation's own place in the index.
    ///   `pendingInbound(of:limit:)` reads through `messages_conversation` instead.
    /// - Version 2's `idx_messages_tenant_id`: `messages_conversation` starts with `tenant_id`,
    ///   so it serves every query that one could.
    ///
    /// And two indexes keep only the rows that have a value: a reply has no provider id and no
    /// send time until the provider accepts it, so each reply entered both indexes with a null
    /// and left them again when it was sent. Look-ups by provider id (delivery reports) and by
    /// send time (ranges) never match a null, so they use the partial indexes the same way.
    public static let leanerMessageIndexes = Migration(
        version: 5,
        name: "leaner_message_indexes",
        up: [
            ConversationPendingIndex.drop, "DROP INDEX IF EXISTS idx_messages_tenant_id",
            "DROP INDEX messages_outbound_provider_id",
            "CREATE INDEX messages_outbound_provider_id ON messages (provider_message_id) WHERE direction = 'outbound' AND provider_message_id IS NOT NULL",
            "DROP INDEX idx_messages_sent_at",
            "CREATE INDEX idx_messages_sent_at ON messages (sent_at) WHERE sent_at IS NOT NULL",
        ],
        down: [
            "DROP INDEX idx_messages_sent_at", "CREATE INDEX idx_messages_sent_at ON messages (sent_at)",
            "DROP INDEX messages_outbound_provider_id",
            "CREATE INDEX messages_outbound_provider_id ON messages (provider_message_id) WHERE direction = 'outbound'",
            "CREATE INDEX idx_messages_tenant_id ON messages (tenant_id)", ConversationPendingIndex.create,
        ]
    )

    /// Version 6: two more indexes that every write paid for and no query needs.
    /// - `idx_messages_chatbot_id` (version 2, from the seed schema): every message, inbound and
    ///   outbound, entered it, yet each query that names a chatbot also names the tenant and the
    ///   contact, and reads through `messages_conversation`.
    /// - `idx_contacts_tenant_thread` (version 2): the same columns as the unique index
    ///   `unique_thread_per_tenant`, which serves every look-up it could.
    public static let redundantIndexes = Migration(
        version: 6,
        name: "redundant_indexes",
        up: ["DROP INDEX IF EXISTS idx_messages_chatbot_id", "DROP INDEX IF EXISTS idx_contacts_tenant_thread"],
        down: [
            "CREATE INDEX idx_contacts_tenant_thread ON contacts (tenant_id, thread_id)",
            "CREATE INDEX idx_messages_chatbot_id ON messages (chatbot_id)",
        ]
    )
}
