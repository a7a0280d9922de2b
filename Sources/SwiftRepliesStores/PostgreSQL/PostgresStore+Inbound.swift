import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    /// The hot path, in one transaction as the host role: one contact upsert and one message
    /// insert for the whole batch, each over `unnest` of bound arrays (`ON CONFLICT DO NOTHING`:
    /// rows not returned are duplicates). Contacts are upserted in key order, so concurrent
    /// batches from several processes never deadlock on them. What is written is `IngestPlan`'s
    /// decision.
    public func ingest(_ batch: [InboundEnvelope]) async throws -> [IngestOutcome] {
        guard !batch.isEmpty else { return [] }
        let plan = IngestPlan(batch)
        let attributes = plan.inserts.map { CompactJSON.text(batch[$0].message.content.attributes) }
        let now = Date()
        let contactTenants = plan.contacts.map(\.key.tenantID.rawValue)
        let contactPhones = plan.contacts.map(\.key.phone.digits)
        let contactNames = plan.contacts.map { $0.name ?? "" }
        let contactHasName = plan.contacts.map { $0.name != nil }
        let contactChatbots = plan.contacts.map(\.chatbotID.rawValue)
        let contactLastSeen = plan.contacts.map(\.lastInteraction)
        let contactFirstSeen = plan.contacts.map(\.firstSeen)

        let (contactIDs, inserted) = try await hostTransaction { connection -> ([IngestPlan.ContactKey: ContactID], [IngestPlan.MessageKey: MessageID]) in
            var contactIDs: [IngestPlan.ContactKey: ContactID] = [:]
            let contactRows = try await connection.query(
                """
                INSERT INTO contacts (tenant_id, phone_number, name, chatbot_id, last_interaction, created_at)
                SELECT t, p, CASE WHEN hn THEN n END, c, l, f
                FROM unnest(\(contactTenants)::text[], \(contactPhones)::text[], \(contactNames)::text[], \(contactHasName)::bool[],
                            \(contactChatbots)::text[], \(contactLastSeen)::timestamptz[], \(contactFirstSeen)::timestamptz[]) AS v(t, p, n, hn, c, l, f)
                ORDER BY t, p
                ON CONFLICT (tenant_id, phone_number) DO UPDATE SET
                    last_interaction = GREATEST(contacts.last_interaction, excluded.last_interaction),
                    name = COALESCE(excluded.name, contacts.name)
                RETURNING id, tenant_id, phone_number
                """,
                logger: logger
            )
            for try await (id, tenant, phone) in contactRows.decode((Int64, String, String).self) {
                contactIDs[IngestPlan.ContactKey(tenantID: TenantID(tenant), phone: PhoneNumber(canonical: phone))] = ContactID(id)
            }
            var tenants: [String] = [], chatbotIDs: [String] = [], contacts: [Int64] = [], kinds: [String] = []
            var texts: [String] = [], hasText: [Bool] = [], answerable: [Bool] = [], providers: [String] = []
            var providerIDs: [String] = [], sentAt: [Date] = [], hasSentAt: [Bool] = [], receivedAt: [Date] = []
            for index in plan.inserts {
                let envelope = batch[index]
                let message = envelope.message
                let contactID = try plan.contactID(ofEnvelopeAt: index, in: contactIDs)
                tenants.append(envelope.tenantID.rawValue)
                chatbotIDs.append(envelope.chatbotID.rawValue)
                contacts.append(contactID.rawValue)
                kinds.append(message.content.kind.rawValue)
                texts.append(message.content.text ?? "")
                hasText.append(message.content.text != nil)
                answerable.append(message.content.isAnswerable)
                providers.append(message.provider.rawValue)
                providerIDs.append(message.providerMessageID)
                sentAt.append(message.sentAt ?? envelope.receivedAt)
                hasSentAt.append(message.sentAt != nil)
                receivedAt.append(envelope.receivedAt)
            }
            var inserted: [IngestPlan.MessageKey: MessageID] = [:]
            let rows = try await connection.query(
                """
                INSERT INTO messages (
                    tenant_id, chatbot_id, contact_id, direction, kind, text, attributes, answerable, provider,
                    provider_message_id, status, sent_at, created_at, updated_at
                )
                SELECT t, c, ct, 'inbound', k, CASE WHEN ht THEN tx END, a::jsonb, ans, pr, pid, 'received', CASE WHEN hs THEN s END, r, \(now)
                FROM unnest(\(tenants)::text[], \(chatbotIDs)::text[], \(contacts)::bigint[], \(kinds)::text[], \(texts)::text[],
                            \(hasText)::bool[], \(attributes)::text[], \(answerable)::bool[], \(providers)::text[], \(providerIDs)::text[],
                            \(sentAt)::timestamptz[], \(hasSentAt)::bool[], \(receivedAt)::timestamptz[])
                     WITH ORDINALITY AS v(t, c, ct, k, tx, ht, a, ans, pr, pid, s, hs, r, position)
                ORDER BY position
                ON CONFLICT (chatbot_id, provider_message_id) WHERE direction = 'inbound' DO NOTHING
                RETURNING id, chatbot_id, provider_message_id
                """,
                logger: logger
            )
            for try await (id, chatbot, providerID) in rows.decode((Int64, String, String).self) {
                inserted[IngestPlan.MessageKey(chatbotID: ChatbotID(chatbot), providerMessageID: providerID)] = MessageID(id)
            }
            return (contactIDs, inserted)
        }

        return try plan.outcomes(contactIDs: contactIDs, inserted: inserted)
    }

    @discardableResult
    public func recordUnroutable(_ batch: [UnroutableMessage]) async throws -> Int {
        guard !batch.isEmpty else { return 0 }
        let providers = batch.map(\.provider.rawValue), ids = batch.map(\.providerMessageID), destinations = batch.map(\.destination)
        let senders = batch.map(\.from), texts = batch.map { $0.text ?? "" }, hasText = batch.map { $0.text != nil }
        let received = batch.map(\.receivedAt)
        return try await hostTransaction { connection in
            let rows = try await connection.query(
                """
                INSERT INTO unroutable_messages (provider, provider_message_id, destination, from_number, text, received_at)
                SELECT p, i, d, f, CASE WHEN ht THEN t END, r
                FROM unnest(\(providers)::text[], \(ids)::text[], \(destinations)::text[], \(senders)::text[], \(texts)::text[],
                            \(hasText)::bool[], \(received)::timestamptz[]) AS v(p, i, d, f, t, ht, r)
                ON CONFLICT (provider, provider_message_id) DO NOTHING
                RETURNING id
                """,
                logger: logger
            )
            var kept = 0
            for try await _ in rows { kept += 1 }
            return kept
        }
    }

    static let pendingInboundColumns = """
        m.id, m.tenant_id, m.chatbot_id, m.contact_id, c.phone_number, COALESCE(m.provider_message_id, ''), m.kind, m.text,
        m.answerable, m.created_at, m.provider, c.name
        """

    static func pendingInbound(_ rows: PostgresRowSequence) async throws -> [StoredInbound] {
        var messages: [StoredInbound] = []
        for try await row in rows { messages.append(try storedInbound(row)) }
        return messages
    }

    /// A row of `pendingInboundColumns`.
    static func storedInbound(_ row: PostgresRow) throws -> StoredInbound {
        try storedInbound(row.makeRandomAccess(), from: 0)
    }

    /// The `pendingInboundColumns` of `row` that start at column `first`.
    static func storedInbound(_ row: PostgresRandomAccessRow, from first: Int) throws -> StoredInbound {
        func column<Value: PostgresDecodable>(_ index: Int, _ type: Value.Type) throws -> Value {
            try row[first + index].decode(Value.self, context: .default)
        }
        return StoredInbound(
            id: MessageID(try column(0, Int64.self)), tenantID: TenantID(try column(1, String.self)), chatbotID: ChatbotID(try column(2, String.self)),
            contactID: ContactID(try column(3, Int64.self)), contactPhone: PhoneNumber(canonical: try column(4, String.self)),
            providerMessageID: try column(5, String.self), kind: MessageKind(rawValue: try column(6, String.self)) ?? .unsupported,
            text: try column(7, String?.self), answerable: try column(8, Bool.self), receivedAt: try column(9, Date.self),
            provider: ProviderKind(rawValue: try column(10, String.self)) ?? .local, contactName: try column(11, String?.self)
        )
    }

    public func pendingInbound(after: MessageID?, limit: Int) async throws -> [StoredInbound] {
        guard limit > 0 else { return [] }
        return try await hostTransaction { connection in
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT \(Self.pendingInboundColumns)
                        FROM messages m
                        JOIN contacts c ON c.id = m.contact_id AND c.tenant_id = m.tenant_id
                        WHERE m.direction = 'inbound' AND m.status = 'received' AND m.id > $1
                        ORDER BY m.id
                        LIMIT $2
                        """,
                    binds: try Self.bindings(after?.rawValue ?? 0, Int64(limit))
                ),
                logger: logger
            )
            return try await Self.pendingInbound(rows)
        }
    }

    public func pendingInbound(of conversation: ConversationKey, limit: Int) async throws -> [StoredInbound] {
        guard limit > 0 else { return [] }
        return try await tenantTransaction(conversation.tenantID) { connection in
            try await Self.pendingInbound(of: conversation, limit: limit, on: connection, logger: logger)
        }
    }

    /// A conversation's unanswered messages (the partial index `messages_conversation_pending`).
    enum ConversationPendingSQL: PreparedSQL {
        static let sql = """
            SELECT \(PostgresStore.pendingInboundColumns)
            FROM messages m
            JOIN contacts c ON c.id = m.contact_id AND c.tenant_id = m.tenant_id
            WHERE m.tenant_id = $1 AND m.contact_id = $2 AND m.chatbot_id = $3
              AND m.direction = 'inbound' AND m.status = 'received'
            ORDER BY m.id
            LIMIT $4
            """
    }

    static func pendingInbound(of conversation: ConversationKey, limit: Int, on connection: PostgresConnection, logger: Logger) async throws
        -> [StoredInbound]
    {
        guard limit > 0 else { return [] }
        let rows = try await connection.run(
            ConversationPendingSQL.self, conversation.tenantID.rawValue, conversation.contactID.rawValue, conversation.chatbotID.rawValue,
            Int64(limit), logger: logger
        )
        var messages: [StoredInbound] = []
        for try await row in rows { messages.append(try storedInbound(row)) }
        return messages
    }

    public func history(_ conversation: ConversationKey, before beforeID: MessageID?, limit: Int) async throws -> [ConversationMessage] {
        guard limit > 0 else { return [] }
        return try await tenantTransaction(conversation.tenantID) { connection in
            let rows = try await connection.query(
                """
                SELECT id, direction, kind, text, is_from_human, created_at
                FROM messages
                WHERE tenant_id = \(conversation.tenantID.rawValue) AND contact_id = \(conversation.contactID.rawValue)
                  AND chatbot_id = \(conversation.chatbotID.rawValue) AND id < \(beforeID?.rawValue ?? Int64.max)
                ORDER BY id DESC
                LIMIT \(Int64(limit))
                """,
                logger: logger
            )
            var messages: [ConversationMessage] = []
            for try await row in rows.decode((Int64, String, String, String?, Bool, Date).self) {
                messages.append(
                    ConversationMessage(
                        id: MessageID(row.0), direction: MessageDirection(rawValue: row.1) ?? .inbound, kind: MessageKind(rawValue: row.2) ?? .text,
                        text: row.3, isFromHuman: row.4, createdAt: row.5
                    )
                )
            }
            return messages.reversed()
        }
    }

    public func messages(tenantID: TenantID, contactID: ContactID, limit: Int) async throws -> [StoredMessage] {
        guard limit > 0 else { return [] }
        return try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                SELECT id, tenant_id, chatbot_id, contact_id, direction, kind, text, provider, provider_message_id, status,
                       ai_processed, processing_ms, is_from_human, purpose, attempts, possibly_duplicated, error_code, created_at
                FROM messages
                WHERE tenant_id = \(tenantID.rawValue) AND contact_id = \(contactID.rawValue)
                ORDER BY id DESC
                LIMIT \(Int64(limit))
                """,
                logger: logger
            )
            var messages: [StoredMessage] = []
            typealias Row = (Int64, String, String, Int64, String, String, String?, String, String?, String, Bool, Int32?, Bool, String?, Int32, Bool, String?, Date)
            for try await row in rows.decode(Row.self) {
                messages.append(
                    StoredMessage(
                        id: MessageID(row.0), tenantID: TenantID(row.1), chatbotID: ChatbotID(row.2), contactID: ContactID(row.3),
                        direction: MessageDirection(rawValue: row.4) ?? .inbound, kind: MessageKind(rawValue: row.5) ?? .text, text: row.6,
                        provider: ProviderKind(rawValue: row.7) ?? .local, providerMessageID: row.8, status: row.9, aiProcessed: row.10,
                        processingMilliseconds: row.11.map(Int.init), isFromHuman: row.12, purpose: row.13.flatMap(OutboundPurpose.init(rawValue:)),
                        attempts: Int(row.14), possiblyDuplicated: row.15, errorCode: row.16, createdAt: row.17
                    )
                )
            }
            return messages.reversed()
        }
    }

    /// Bindings for a statement assembled from fixed text.
    static func bindings(_ values: any PostgresThrowingDynamicTypeEncodable...) throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { try bindings.append(value) }
        return bindings
    }
}
