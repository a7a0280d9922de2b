/// The index both dialects add for the outbox's order (SQLite's version 7, PostgreSQL's 5).
enum UnsentByConversationIndex {
    /// A conversation's messages not yet sent, in creation order: a message may start only when
    /// none older of its conversation waits or is being sent. It holds only what is in flight, so
    /// it stays a few pages however long the history grows.
    static let create = """
        CREATE INDEX messages_unsent_by_conversation ON messages (tenant_id, contact_id, id)
        WHERE direction = 'outbound' AND status IN ('queued', 'sending')
        """
    static let drop = "DROP INDEX IF EXISTS messages_unsent_by_conversation"
}

extension SQLiteMigrations {
    /// Version 7: the index of each conversation's unsent messages (see
    /// `UnsentByConversationIndex`), which keeps a conversation's outgoing messages in the order
    /// they were created, across retries and restarts.
    public static let outboxOrder = Migration(
        version: 7,
        name: "outbox_order",
        up: [UnsentByConversationIndex.create],
        down: [UnsentByConversationIndex.drop]
    )
}

extension PostgresMigrations {
    /// Version 5: the index of each conversation's unsent messages (as SQLite's version 7), and
    /// the heartbeats of the processes sharing the database: a send whose process has not beaten
    /// for a few seconds is taken over at once, instead of when its send lease ends.
    public static let outboxOrder = Migration(
        version: 5,
        name: "outbox_order",
        up: [
            UnsentByConversationIndex.create,
            """
            CREATE TABLE process_heartbeats (
                holder TEXT PRIMARY KEY,
                beat_at TIMESTAMPTZ NOT NULL
            )
            """,
        ] + sharedTable("process_heartbeats"),
        down: ["DROP TABLE IF EXISTS process_heartbeats", UnsentByConversationIndex.drop]
    )
}
