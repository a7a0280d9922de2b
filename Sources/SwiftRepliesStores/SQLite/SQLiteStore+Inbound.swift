import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    private static let messageInsertColumns = 14

    /// The hot path: `BEGIN IMMEDIATE`, one multi-row contact upsert, one multi-row message insert
    /// (`ON CONFLICT DO NOTHING`: rows not returned are duplicates), `COMMIT` (more statements only
    /// for batches beyond SQLite's variable limit). What is written is `IngestPlan`'s decision.
    public func ingest(_ batch: [InboundEnvelope]) async throws -> [IngestOutcome] {
        guard !batch.isEmpty else { return [] }
        let plan = IngestPlan(batch)
        let attributes: [Int: String] = Dictionary(uniqueKeysWithValues: plan.inserts.map { ($0, CompactJSON.text(batch[$0].message.content.attributes)) })
        let now = Date()

        let (contactIDs, inserted) = try await withWriteTransaction { db -> ([IngestPlan.ContactKey: ContactID], [IngestPlan.MessageKey: MessageID]) in
            var contactIDs: [IngestPlan.ContactKey: ContactID] = [:]
            for chunk in plan.contacts.chunked(into: SQLPlaceholders.maxRows(columns: 6)) {
                var binds: [SQLiteValue] = []
                binds.reserveCapacity(chunk.count * 6)
                for contact in chunk {
                    binds += [
                        .text(contact.key.tenantID.rawValue), .text(contact.key.phone.digits), .optionalText(contact.name), .text(contact.chatbotID.rawValue),
                        .timestamp(contact.lastInteraction), .timestamp(contact.firstSeen),
                    ]
                }
                let rows = try db.query(
                    """
                    INSERT INTO contacts (tenant_id, phone_number, name, chatbot_id, last_interaction, created_at)
                    VALUES \(SQLPlaceholders.rows(chunk.count, columns: 6))
                    ON CONFLICT(tenant_id, phone_number) DO UPDATE SET
                        last_interaction = MAX(COALESCE(contacts.last_interaction, excluded.last_interaction), excluded.last_interaction),
                        name = COALESCE(excluded.name, contacts.name)
                    RETURNING id, tenant_id, phone_number
                    """,
                    binds
                )
                for row in rows {
                    contactIDs[IngestPlan.ContactKey(tenantID: try row.tenantID(), phone: try row.phone())] = try row.contactID("id")
                }
            }

            var inserted: [IngestPlan.MessageKey: MessageID] = [:]
            let columns = Self.messageInsertColumns
            for chunk in plan.inserts.chunked(into: SQLPlaceholders.maxRows(columns: columns)) {
                var binds: [SQLiteValue] = []
                binds.reserveCapacity(chunk.count * columns)
                for index in chunk {
                    let envelope = batch[index]
                    let message = envelope.message
                    let contactID = try plan.contactID(ofEnvelopeAt: index, in: contactIDs)
                    binds += [
                        .text(envelope.tenantID.rawValue), .text(envelope.chatbotID.rawValue), .int64(contactID.rawValue),
                        .text(MessageDirection.inbound.rawValue), .text(message.content.kind.rawValue), .optionalText(message.content.text),
                        .text(attributes[index] ?? "{}"), .flag(message.content.isAnswerable), .text(message.provider.rawValue),
                        .text(message.providerMessageID), .text("received"), .timestamp(message.sentAt),
                        .timestamp(envelope.receivedAt), .timestamp(now),
                    ]
                }
                let rows = try db.query(
                    """
                    INSERT INTO messages (
                        tenant_id, chatbot_id, contact_id, direction, kind, text, attributes, answerable, provider,
                        provider_message_id, status, sent_at, created_at, updated_at
                    )
                    VALUES \(SQLPlaceholders.rows(chunk.count, columns: columns))
                    ON CONFLICT(chatbot_id, provider_message_id) WHERE direction = 'inbound' DO NOTHING
                    RETURNING id, chatbot_id, provider_message_id
                    """,
                    binds
                )
                for row in rows {
                    let key = IngestPlan.MessageKey(chatbotID: try row.chatbotID(), providerMessageID: try row.text("provider_message_id"))
                    inserted[key] = try row.messageID()
                }
            }
            return (contactIDs, inserted)
        }

        return try plan.outcomes(contactIDs: contactIDs, inserted: inserted)
    }

    @discardableResult
    public func recordUnroutable(_ batch: [UnroutableMessage]) async throws -> Int {
        guard !batch.isEmpty else { return 0 }
        return try await withWriteTransaction { db in
            var kept = 0
            for chunk in batch.chunked(into: SQLPlaceholders.maxRows(columns: 6)) {
                var binds: [SQLiteValue] = []
                binds.reserveCapacity(chunk.count * 6)
                for message in chunk {
                    binds += [
                        .text(message.provider.rawValue), .text(message.providerMessageID), .text(message.destination), .text(message.from),
                        .optionalText(message.text), .timestamp(message.receivedAt),
                    ]
                }
                kept += try db.query(
                    """
                    INSERT INTO unroutable_messages (provider, provider_message_id, destination, from_number, text, received_at)
                    VALUES \(SQLPlaceholders.rows(chunk.count, columns: 6))
                    ON CONFLICT(provider, provider_message_id) DO NOTHING
                    RETURNING id
                    """,
                    binds
                ).count
            }
            return kept
        }
    }

    public func pendingInbound(after: MessageID?, limit: Int) async throws -> [StoredInbound] {
        guard limit > 0 else { return [] }
        // The literal conditions match the partial index messages_pending_inbound.
        let rows = try await read(
            """
            SELECT m.id AS id, m.tenant_id AS tenant_id, m.chatbot_id AS chatbot_id, m.contact_id AS contact_id,
                   c.phone_number AS phone_number, m.provider_message_id AS provider_message_id, m.kind AS kind,
                   m.text AS text, m.answerable AS answerable, m.created_at AS created_at, m.provider AS provider, c.name AS contact_name
            FROM messages m
            JOIN contacts c ON c.id = m.contact_id AND c.tenant_id = m.tenant_id
            WHERE m.direction = 'inbound' AND m.status = 'received' AND m.id > ?
            ORDER BY m.id
            LIMIT ?
            """,
            [.int64(after?.rawValue ?? 0), .int(limit)]
        )
        return try rows.map(Self.storedInbound(from:))
    }

    static func storedInbound(from row: SQLiteResultRow) throws -> StoredInbound {
        StoredInbound(
            id: try row.messageID(), tenantID: try row.tenantID(), chatbotID: try row.chatbotID(), contactID: try row.contactID(),
            contactPhone: try row.phone(), providerMessageID: try row.optionalText("provider_message_id") ?? "",
            kind: try row.raw("kind", as: MessageKind.self), text: try row.optionalText("text"), answerable: try row.flag("answerable"),
            receivedAt: try row.timestamp("created_at"), provider: ProviderKind(rawValue: try row.optionalText("provider") ?? "") ?? .local,
            contactName: try row.optionalText("contact_name")
        )
    }

    public func history(_ conversation: ConversationKey, before beforeID: MessageID?, limit: Int) async throws -> [ConversationMessage] {
        guard limit > 0 else { return [] }
        let rows = try await read(
            """
            SELECT id, direction, kind, text, is_from_human, created_at
            FROM messages
            WHERE tenant_id = ? AND contact_id = ? AND chatbot_id = ? AND id < ?
            ORDER BY id DESC
            LIMIT ?
            """,
            [
                .text(conversation.tenantID.rawValue), .int64(conversation.contactID.rawValue), .text(conversation.chatbotID.rawValue),
                .int64(beforeID?.rawValue ?? Int64.max), .int(limit),
            ]
        )
        return try rows.reversed().map { row in
            ConversationMessage(
                id: try row.messageID(), direction: try row.raw("direction", as: MessageDirection.self),
                kind: try row.raw("kind", as: MessageKind.self), text: try row.optionalText("text"),
                isFromHuman: try row.flag("is_from_human"), createdAt: try row.timestamp("created_at")
            )
        }
    }

    /// The contact's last `limit` messages in the tenant (all chatbots), oldest first.
    public func messages(tenantID: TenantID, contactID: ContactID, limit: Int) async throws -> [StoredMessage] {
        guard limit > 0 else { return [] }
        let rows = try await read(
            """
            SELECT id, tenant_id, chatbot_id, contact_id, direction, kind, text, provider, provider_message_id, status,
                   ai_processed, processing_ms, is_from_human, purpose, attempts, possibly_duplicated, error_code, created_at
            FROM messages
            WHERE tenant_id = ? AND contact_id = ?
            ORDER BY id DESC
            LIMIT ?
            """,
            [.text(tenantID.rawValue), .int64(contactID.rawValue), .int(limit)]
        )
        return try rows.reversed().map { row in
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
}
