import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    /// The columns `contactRecord(from:)` reads, in its order (fixed SQL).
    static let contactColumns = "id, tenant_id, phone_number, name, tags::text, custom_fields::text, chatbot_id, last_interaction, created_at"
    /// The columns `storedMessage(from:)` reads, in its order (fixed SQL).
    static let storedMessageColumns = """
        id, tenant_id, chatbot_id, contact_id, direction, kind, text, provider, provider_message_id, status, \
        ai_processed, processing_ms, is_from_human, purpose, attempts, possibly_duplicated, error_code, created_at
        """

    public func contactRecords(tenantID: TenantID, filter: ContactFilter) async throws -> [ContactRecord] {
        // A filter left out binds NULL and matches every contact; the statement stays fixed.
        let digits = filter.phoneDigits.flatMap { $0.isEmpty ? nil : $0 }
        let tag = filter.tag.flatMap { $0.isEmpty ? nil : $0 }
        let search = filter.search.map { $0.lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        let limit = max(0, filter.limit), offset = max(0, filter.offset)
        return try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.contactColumns) FROM contacts
                WHERE tenant_id = \(tenantID.rawValue)
                  AND (\(digits)::text IS NULL OR strpos(phone_number, \(digits)::text) > 0)
                  AND (\(tag)::text IS NULL OR tags @> jsonb_build_array(\(tag)::text))
                  AND (\(search)::text IS NULL OR strpos(lower(COALESCE(name, '')), \(search)::text) > 0 OR strpos(phone_number, \(search)::text) > 0)
                ORDER BY COALESCE(last_interaction, created_at) DESC, id DESC
                LIMIT \(limit) OFFSET \(offset)
                """,
                logger: self.logger
            )
            return try await Self.all(rows, Self.contactRecord(from:))
        }
    }

    public func contactRecord(tenantID: TenantID, id: ContactID) async throws -> ContactRecord? {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.contactColumns) FROM contacts WHERE tenant_id = \(tenantID.rawValue) AND id = \(id.rawValue)",
                logger: self.logger
            )
            return try await Self.first(rows, Self.contactRecord(from:))
        }
    }

    public func updateContact(tenantID: TenantID, id: ContactID, changes: ContactChanges) async throws -> ContactRecord? {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.contactColumns) FROM contacts WHERE tenant_id = \(tenantID.rawValue) AND id = \(id.rawValue) FOR UPDATE",
                logger: self.logger
            )
            guard var record = try await Self.first(rows, Self.contactRecord(from:)) else { return nil }
            if let name = changes.name { record.name = name }
            if let tags = changes.tags { record.tags = tags }
            if let fields = changes.customFields {
                for (key, value) in fields { record.customFields[key] = value }
            }
            let tags = try OperationsJSON.encode(record.tags), fields = try OperationsJSON.encode(record.customFields)
            let updated = try await connection.query(
                """
                UPDATE contacts SET name = \(record.name), tags = \(tags)::jsonb, custom_fields = \(fields)::jsonb
                WHERE tenant_id = \(tenantID.rawValue) AND id = \(id.rawValue)
                RETURNING \(unescaped: Self.contactColumns)
                """,
                logger: self.logger
            )
            return try await Self.first(updated, Self.contactRecord(from:))
        }
    }

    public func contactCount(tenantID: TenantID) async throws -> Int {
        try await tenantTransaction(tenantID) { connection in
            try await Self.integer(
                try await connection.query("SELECT COUNT(*) FROM contacts WHERE tenant_id = \(tenantID.rawValue)", logger: self.logger)
            )
        }
    }

    public func contactPosition(tenantID: TenantID, id: ContactID) async throws -> Int {
        try await tenantTransaction(tenantID) { connection in
            try await Self.integer(
                try await connection.query(
                    "SELECT COUNT(*) FROM contacts WHERE tenant_id = \(tenantID.rawValue) AND id <= \(id.rawValue)", logger: self.logger
                )
            )
        }
    }

    public func conversationPage(tenantID: TenantID, contactID: ContactID, before beforeID: MessageID?, limit: Int) async throws -> [StoredMessage] {
        guard limit > 0 else { return [] }
        return try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.storedMessageColumns)
                FROM messages
                WHERE tenant_id = \(tenantID.rawValue) AND contact_id = \(contactID.rawValue) AND id < \(beforeID?.rawValue ?? Int64.max)
                ORDER BY id DESC
                LIMIT \(limit)
                """,
                logger: self.logger
            )
            return try await Self.all(rows, Self.storedMessage(from:)).reversed()
        }
    }

    public func contactInstructions(tenantID: TenantID, contactID: ContactID, at date: Date) async throws -> [ConversationInstruction] {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                SELECT id, tenant_id, chatbot_id, contact_id, instruction_text, expires_at, created_at
                FROM conversation_instructions
                WHERE tenant_id = \(tenantID.rawValue) AND contact_id = \(contactID.rawValue) AND is_active
                  AND (expires_at IS NULL OR expires_at > \(date))
                ORDER BY id
                """,
                logger: self.logger
            )
            return try await Self.instructions(rows)
        }
    }

    public func pruneMessages(tenantID: TenantID, before date: Date) async throws -> Int {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                DELETE FROM messages
                WHERE tenant_id = \(tenantID.rawValue) AND created_at < \(date)
                  AND ((direction = 'inbound' AND status = 'processed') OR (direction = 'outbound' AND status NOT IN ('queued', 'sending')))
                RETURNING id
                """,
                logger: self.logger
            )
            return try await Self.count(rows)
        }
    }

    /// A contact from the columns `contactColumns` lists, in that order.
    static func contactRecord(from row: PostgresRow) throws -> ContactRecord {
        let (id, tenant, phone, name, tags, fields, chatbot, lastInteraction, createdAt) = try row.decode(
            (Int64, String, String, String?, String, String, String?, Date?, Date).self
        )
        return ContactRecord(
            id: ContactID(id), tenantID: TenantID(tenant), phone: PhoneNumber(canonical: phone), name: name, tags: OperationsJSON.strings(tags),
            customFields: OperationsJSON.map(fields), chatbotID: chatbot.map { ChatbotID($0) }, lastInteraction: lastInteraction, createdAt: createdAt
        )
    }

    /// A message from the columns `storedMessageColumns` lists, in that order.
    static func storedMessage(from row: PostgresRow) throws -> StoredMessage {
        typealias Columns = (
            Int64, String, String, Int64, String, String, String?, String, String?, String, Bool, Int?, Bool, String?, Int, Bool, String?, Date
        )
        let (id, tenant, chatbot, contact, direction, kind, text, provider, providerID, status, aiProcessed, processingMS, isFromHuman, purpose,
             attempts, possiblyDuplicated, errorCode, createdAt) = try row.decode(Columns.self)
        return StoredMessage(
            id: MessageID(id), tenantID: TenantID(tenant), chatbotID: ChatbotID(chatbot), contactID: ContactID(contact),
            direction: MessageDirection(rawValue: direction) ?? .inbound, kind: MessageKind(rawValue: kind) ?? .text, text: text,
            provider: ProviderKind(rawValue: provider) ?? .local, providerMessageID: providerID, status: status, aiProcessed: aiProcessed,
            processingMilliseconds: processingMS, isFromHuman: isFromHuman, purpose: purpose.flatMap(OutboundPurpose.init(rawValue:)),
            attempts: attempts, possiblyDuplicated: possiblyDuplicated, errorCode: errorCode, createdAt: createdAt
        )
    }
}
