import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    /// The contacts that may have active instructions (loaded once, then kept current).
    private func instructionContacts() async throws -> Set<ContactID> {
        if let known = contactsWithInstructions.withLock({ $0 }) { return known }
        let rows = try await read("SELECT DISTINCT contact_id FROM conversation_instructions WHERE is_active = 1")
        let loaded = Set(try rows.map { try $0.contactID("contact_id") })
        return contactsWithInstructions.withLock { cached in
            if cached == nil { cached = loaded }
            return cached ?? loaded
        }
    }

    public func activeInstructions(_ conversation: ConversationKey, at date: Date) async throws -> [ConversationInstruction] {
        if !(try await instructionContacts().contains(conversation.contactID)) { return [] }
        let rows = try await read(
            """
            SELECT id, tenant_id, chatbot_id, contact_id, instruction_text, expires_at, created_at
            FROM conversation_instructions
            WHERE tenant_id = ? AND contact_id = ? AND chatbot_id = ? AND is_active = 1 AND (expires_at IS NULL OR expires_at > ?)
            ORDER BY id
            """,
            [
                .text(conversation.tenantID.rawValue), .int64(conversation.contactID.rawValue), .text(conversation.chatbotID.rawValue),
                .timestamp(date),
            ]
        )
        return try rows.map(Self.instruction(from:))
    }

    public func addInstruction(_ conversation: ConversationKey, text: String, expiresAt: Date?, at date: Date) async throws -> ConversationInstruction {
        _ = try await instructionContacts()
        defer { contactsWithInstructions.withLock { _ = $0?.insert(conversation.contactID) } }
        let rows = try await withWriteTransaction { db in
            try db.query(
                """
                INSERT INTO conversation_instructions (tenant_id, chatbot_id, contact_id, instruction_text, is_active, expires_at, created_at)
                VALUES (?, ?, ?, ?, 1, ?, ?)
                RETURNING id, tenant_id, chatbot_id, contact_id, instruction_text, expires_at, created_at
                """,
                [
                    .text(conversation.tenantID.rawValue), .text(conversation.chatbotID.rawValue), .int64(conversation.contactID.rawValue),
                    .text(text), .timestamp(expiresAt), .timestamp(date),
                ]
            )
        }
        guard let row = rows.first else { throw SQLiteStoreError.unexpectedResult("INSERT returned no instruction") }
        return try Self.instruction(from: row)
    }

    public func deleteInstruction(tenantID: TenantID, id: Int64) async throws -> Bool {
        let rows = try await withWriteTransaction { db in
            try db.query(
                "DELETE FROM conversation_instructions WHERE tenant_id = ? AND id = ? RETURNING id",
                [.text(tenantID.rawValue), .int64(id)]
            )
        }
        return !rows.isEmpty
    }

    public func counts() async throws -> StoreCounts {
        let rows = try await read(
            """
            SELECT
                (SELECT COUNT(*) FROM messages WHERE direction = 'inbound' AND status = 'received') AS pending_inbound,
                (SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND status IN ('queued', 'sending')) AS outbox_pending,
                (SELECT COUNT(*) FROM unroutable_messages) AS unroutable
            """
        )
        guard let row = rows.first else { throw SQLiteStoreError.unexpectedResult("counts returned no row") }
        return StoreCounts(pendingInbound: try row.int("pending_inbound"), outboxPending: try row.int("outbox_pending"), unroutable: try row.int("unroutable"))
    }

    static func instruction(from row: SQLiteResultRow) throws -> ConversationInstruction {
        ConversationInstruction(
            id: try row.int64("id"), tenantID: try row.tenantID(), chatbotID: try row.chatbotID(), contactID: try row.contactID(),
            text: try row.text("instruction_text"), expiresAt: try row.optionalTimestamp("expires_at"), createdAt: try row.timestamp("created_at")
        )
    }
}
