import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    /// One process uses a SQLite file: everything unfinished is recovered at start.
    public var isShared: Bool { false }

    public func pendingInbound(of conversation: ConversationKey, limit: Int) async throws -> [StoredInbound] {
        guard limit > 0 else { return [] }
        let rows = try await read(
            """
            SELECT m.id AS id, m.tenant_id AS tenant_id, m.chatbot_id AS chatbot_id, m.contact_id AS contact_id,
                   c.phone_number AS phone_number, m.provider_message_id AS provider_message_id, m.kind AS kind,
                   m.text AS text, m.answerable AS answerable, m.created_at AS created_at, m.provider AS provider, c.name AS contact_name
            FROM messages m
            JOIN contacts c ON c.id = m.contact_id AND c.tenant_id = m.tenant_id
            WHERE m.tenant_id = ? AND m.contact_id = ? AND m.chatbot_id = ? AND m.direction = 'inbound' AND m.status = 'received'
            ORDER BY m.id
            LIMIT ?
            """,
            [.text(conversation.tenantID.rawValue), .int64(conversation.contactID.rawValue), .text(conversation.chatbotID.rawValue), .int(limit)]
        )
        return try rows.map(Self.storedInbound(from:))
    }

    public func acquireConversationLease(_ conversation: ConversationKey, holder: String, until: Date, now: Date) async throws -> Bool {
        let rows = try await withWriteTransaction { db in
            try db.query(
                """
                INSERT INTO conversation_leases (tenant_id, contact_id, holder, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (tenant_id, contact_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE conversation_leases.holder = excluded.holder OR conversation_leases.expires_at < ?
                RETURNING holder
                """,
                [.text(conversation.tenantID.rawValue), .int64(conversation.contactID.rawValue), .text(holder), .timestamp(until), .timestamp(now)]
            )
        }
        return !rows.isEmpty
    }

    public func releaseConversationLease(_ conversation: ConversationKey, holder: String) async throws {
        try await withWriteTransaction { db in try Self.releaseLease(db, conversation, holder: holder) }
    }

    /// Deletes `holder`'s lease on a conversation, in the caller's write.
    static func releaseLease(_ db: SQLiteSession, _ conversation: ConversationKey, holder: String) throws {
        _ = try db.query(
            "DELETE FROM conversation_leases WHERE tenant_id = ? AND contact_id = ? AND holder = ?",
            [.text(conversation.tenantID.rawValue), .int64(conversation.contactID.rawValue), .text(holder)]
        )
    }
}
