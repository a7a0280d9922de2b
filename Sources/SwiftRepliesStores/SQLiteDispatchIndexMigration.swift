extension SQLiteMigrations {
    /// Version 4, as `PostgresMigrations.dispatchIndex`: an index of each conversation's
    /// unanswered messages, for turns that read their conversation's pending messages.
    public static let dispatchIndex = Migration(
        version: 4,
        name: "dispatch_index",
        up: [
            """
            CREATE INDEX messages_conversation_pending ON messages (tenant_id, contact_id, id)
            WHERE direction = 'inbound' AND status = 'received'
            """
        ],
        down: ["DROP INDEX IF EXISTS messages_conversation_pending"]
    )
}
