import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    static let contactColumns = "id, tenant_id, phone_number, name, tags, custom_fields, chatbot_id, last_interaction, created_at"

    public func contactRecords(tenantID: TenantID, filter: ContactFilter) async throws -> [ContactRecord] {
        var conditions = ["tenant_id = ?"]
        var binds: [SQLiteValue] = [.text(tenantID.rawValue)]
        if let digits = filter.phoneDigits, !digits.isEmpty {
            conditions.append("instr(phone_number, ?) > 0")
            binds.append(.text(digits))
        }
        if let tag = filter.tag, !tag.isEmpty {
            conditions.append("EXISTS (SELECT 1 FROM json_each(contacts.tags) WHERE json_each.value = ?)")
            binds.append(.text(tag))
        }
        if let search = filter.search?.lowercased(), !search.isEmpty {
            conditions.append("(instr(lower(COALESCE(name, '')), ?) > 0 OR instr(phone_number, ?) > 0)")
            binds += [.text(search), .text(search)]
        }
        binds += [.int(max(0, filter.limit)), .int(max(0, filter.offset))]
        let rows = try await read(
            """
            SELECT \(Self.contactColumns) FROM contacts
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY COALESCE(last_interaction, created_at) DESC, id DESC
            LIMIT ? OFFSET ?
            """,
            binds
        )
        return try rows.map(Self.contactRecord(from:))
    }

    public func contactRecord(tenantID: TenantID, id: ContactID) async throws -> ContactRecord? {
        let rows = try await read(
            "SELECT \(Self.contactColumns) FROM contacts WHERE tenant_id = ? AND id = ?", [.text(tenantID.rawValue), .int64(id.rawValue)]
        )
        return try rows.first.map(Self.contactRecord(from:))
    }

    public func updateContact(tenantID: TenantID, id: ContactID, changes: ContactChanges) async throws -> ContactRecord? {
        try await withWriteTransaction { db in
            let rows = try db.query(
                "SELECT \(Self.contactColumns) FROM contacts WHERE tenant_id = ? AND id = ?", [.text(tenantID.rawValue), .int64(id.rawValue)]
            )
            guard let row = rows.first else { return nil }
            var record = try Self.contactRecord(from: row)
            if let name = changes.name { record.name = name }
            if let tags = changes.tags { record.tags = tags }
            if let fields = changes.customFields {
                for (key, value) in fields { record.customFields[key] = value }
            }
            let updated = try db.query(
                """
                UPDATE contacts SET name = ?, tags = ?, custom_fields = ?
                WHERE tenant_id = ? AND id = ?
                RETURNING \(Self.contactColumns)
                """,
                [
                    .optionalText(record.name), .text(try OperationsJSON.encode(record.tags)), .text(try OperationsJSON.encode(record.customFields)),
                    .text(tenantID.rawValue), .int64(id.rawValue),
                ]
            )
            return try updated.first.map(Self.contactRecord(from:))
        }
    }

    public func contactCount(tenantID: TenantID) async throws -> Int {
        let rows = try await read("SELECT COUNT(*) AS n FROM contacts WHERE tenant_id = ?", [.text(tenantID.rawValue)])
        return try rows.first?.int("n") ?? 0
    }

    public func contactPosition(tenantID: TenantID, id: ContactID) async throws -> Int {
        let rows = try await read("SELECT COUNT(*) AS n FROM contacts WHERE tenant_id = ? AND id <= ?", [.text(tenantID.rawValue), .int64(id.rawValue)])
        return try rows.first?.int("n") ?? 0
    }

    public func conversationPage(tenantID: TenantID, contactID: ContactID, before beforeID: MessageID?, limit: Int) async throws -> [StoredMessage] {
        guard limit > 0 else { return [] }
        let rows = try await read(
            """
            SELECT id, tenant_id, chatbot_id, contact_id, direction, kind, text, provider, provider_message_id, status,
                   ai_processed, processing_ms, is_from_human, purpose, attempts, possibly_duplicated, error_code, created_at
            FROM messages
            WHERE tenant_id = ? AND contact_id = ? AND id < ?
            ORDER BY id DESC
            LIMIT ?
            """,
            [.text(tenantID.rawValue), .int64(contactID.rawValue), .int64(beforeID?.rawValue ?? Int64.max), .int(limit)]
        )
        return try rows.reversed().map(Self.storedMessage(from:))
    }

    public func contactInstructions(tenantID: TenantID, contactID: ContactID, at date: Date) async throws -> [ConversationInstruction] {
        let rows = try await read(
            """
            SELECT id, tenant_id, chatbot_id, contact_id, instruction_text, expires_at, created_at
            FROM conversation_instructions
            WHERE tenant_id = ? AND contact_id = ? AND is_active = 1 AND (expires_at IS NULL OR expires_at > ?)
            ORDER BY id
            """,
            [.text(tenantID.rawValue), .int64(contactID.rawValue), .timestamp(date)]
        )
        return try rows.map(Self.instruction(from:))
    }

    public func pruneMessages(tenantID: TenantID, before date: Date) async throws -> Int {
        try await withWriteTransaction { db in
            let rows = try db.query(
                """
                DELETE FROM messages
                WHERE tenant_id = ? AND created_at < ?
                  AND ((direction = 'inbound' AND status = 'processed') OR (direction = 'outbound' AND status NOT IN ('queued', 'sending')))
                RETURNING id
                """,
                [.text(tenantID.rawValue), .timestamp(date)]
            )
            return rows.count
        }
    }

    static func contactRecord(from row: SQLiteResultRow) throws -> ContactRecord {
        ContactRecord(
            id: try row.contactID("id"), tenantID: try row.tenantID(), phone: try row.phone(), name: try row.optionalText("name"),
            tags: OperationsJSON.strings(try row.text("tags")), customFields: OperationsJSON.map(try row.text("custom_fields")),
            chatbotID: try row.optionalText("chatbot_id").map { ChatbotID($0) }, lastInteraction: try row.optionalTimestamp("last_interaction"),
            createdAt: try row.timestamp("created_at")
        )
    }

    static func storedMessage(from row: SQLiteResultRow) throws -> StoredMessage {
        StoredMessage(
            id: try row.messageID(), tenantID: try row.tenantID(), chatbotID: try row.chatbotID(), contactID: try row.contactID(),
            direction: try row.raw("direction", as: MessageDirection.self), kind: try row.raw("kind", as: MessageKind.self),
            text: try row.optionalText("text"), provider: try row.raw("provider", as: ProviderKind.self),
            providerMessageID: try row.optionalText("provider_message_id"), status: try row.text("status"),
            aiProcessed: try row.flag("ai_processed"), processingMilliseconds: try row.optionalInt("processing_ms"),
            isFromHuman: try row.flag("is_from_human"), purpose: try row.optionalRaw("purpose", as: OutboundPurpose.self),
            attempts: try row.int("attempts"), possiblyDuplicated: try row.flag("possibly_duplicated"),
            errorCode: try row.optionalText("error_code"), createdAt: try row.timestamp("created_at")
        )
    }
}
