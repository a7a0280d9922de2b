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
}
