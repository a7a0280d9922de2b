import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    public func syncDirectory(_ tenants: [TenantDefinition]) async throws {
        let now = Date()
        let chatbots = tenants.flatMap(\.chatbots)
        let tenantIDs = tenants.map(\.id.rawValue), tenantNames = tenants.map(\.name), plans = tenants.map(\.subscription.plan)
        let chatbotIDs = chatbots.map(\.id.rawValue), chatbotTenants = chatbots.map(\.tenantID.rawValue)
        let chatbotNames = chatbots.map(\.name), agents = chatbots.map(\.agentID.rawValue)
        let numbers = chatbots.flatMap { chatbot in chatbot.channels.enumerated().map { (chatbot, $0.offset, $0.element) } }
        let numberChatbots = numbers.map(\.0.id.rawValue), numberTenants = numbers.map(\.0.tenantID.rawValue)
        let positions = numbers.map { Int64($0.1) }, accounts = numbers.map(\.2.accountID), providers = numbers.map(\.2.provider.rawValue)
        let digits = numbers.map(\.2.number.digits), phoneNumberIDs = numbers.map { $0.2.phoneNumberID ?? "" }
        try await hostTransaction { connection in
            try await connection.query(
                """
                INSERT INTO tenants (id, name, plan, is_active, created_at, updated_at)
                SELECT id, name, plan, true, \(now), \(now)
                FROM unnest(\(tenantIDs)::text[], \(tenantNames)::text[], \(plans)::text[]) AS v(id, name, plan)
                ORDER BY id
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, plan = excluded.plan, is_active = true, updated_at = excluded.updated_at
                """,
                logger: logger
            )
            // Tenants and chatbots no longer configured are kept (with their history), inactive.
            try await connection.query(
                "UPDATE tenants SET is_active = false, updated_at = \(now) WHERE is_active AND NOT (id = ANY(\(tenantIDs)::text[]))",
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO chatbots (id, tenant_id, name, agent_id, is_active, created_at, updated_at)
                SELECT id, tenant, name, agent, true, \(now), \(now)
                FROM unnest(\(chatbotIDs)::text[], \(chatbotTenants)::text[], \(chatbotNames)::text[], \(agents)::text[]) AS v(id, tenant, name, agent)
                ORDER BY id
                ON CONFLICT (id) DO UPDATE SET
                    tenant_id = excluded.tenant_id, name = excluded.name, agent_id = excluded.agent_id, is_active = true,
                    updated_at = excluded.updated_at
                """,
                logger: logger
            )
            try await connection.query(
                "UPDATE chatbots SET is_active = false, updated_at = \(now) WHERE is_active AND NOT (id = ANY(\(chatbotIDs)::text[]))",
                logger: logger
            )
            // The numbers mirror the configuration exactly.
            try await connection.query("DELETE FROM chatbot_numbers", logger: logger)
            try await connection.query(
                """
                INSERT INTO chatbot_numbers (chatbot_id, tenant_id, position, account_id, provider, number, phone_number_id)
                SELECT c, t, p, a, pr, n, NULLIF(pn, '')
                FROM unnest(\(numberChatbots)::text[], \(numberTenants)::text[], \(positions)::bigint[], \(accounts)::text[],
                            \(providers)::text[], \(digits)::text[], \(phoneNumberIDs)::text[]) AS v(c, t, p, a, pr, n, pn)
                """,
                logger: logger
            )
        }
    }

    public func upsertContact(tenantID: TenantID, phone: PhoneNumber, name: String?) async throws -> Contact {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO contacts (tenant_id, phone_number, name, created_at) VALUES (\(tenantID.rawValue), \(phone.digits), \(name), \(Date()))
                ON CONFLICT (tenant_id, phone_number) DO UPDATE SET name = COALESCE(excluded.name, contacts.name)
                RETURNING id, tenant_id, phone_number, name
                """,
                logger: logger
            )
            for try await row in rows.decode((Int64, String, String, String?).self) {
                return Contact(id: ContactID(row.0), tenantID: TenantID(row.1), phone: PhoneNumber(canonical: row.2), name: row.3)
            }
            throw PostgresStoreError.unexpectedResult("contact upsert returned no row")
        }
    }

    public func contact(tenantID: TenantID, id: ContactID) async throws -> Contact? {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                "SELECT id, tenant_id, phone_number, name FROM contacts WHERE tenant_id = \(tenantID.rawValue) AND id = \(id.rawValue)",
                logger: logger
            )
            for try await row in rows.decode((Int64, String, String, String?).self) {
                return Contact(id: ContactID(row.0), tenantID: TenantID(row.1), phone: PhoneNumber(canonical: row.2), name: row.3)
            }
            return nil
        }
    }

    public func activeInstructions(_ conversation: ConversationKey, at date: Date) async throws -> [ConversationInstruction] {
        try await tenantTransaction(conversation.tenantID) { connection in
            let rows = try await connection.run(
                ActiveInstructionsSQL.self, conversation.tenantID.rawValue, conversation.contactID.rawValue, conversation.chatbotID.rawValue, date,
                logger: logger
            )
            return try await Self.all(rows, Self.instruction(from:))
        }
    }

    /// A conversation's instructions in force (every turn with the instructions middleware asks).
    enum ActiveInstructionsSQL: PreparedSQL {
        static let sql = """
            SELECT id, tenant_id, chatbot_id, contact_id, instruction_text, expires_at, created_at
            FROM conversation_instructions
            WHERE tenant_id = $1 AND contact_id = $2 AND chatbot_id = $3 AND is_active AND (expires_at IS NULL OR expires_at > $4)
            ORDER BY id
            """
    }

    public func addInstruction(_ conversation: ConversationKey, text: String, expiresAt: Date?, at date: Date) async throws -> ConversationInstruction {
        try await tenantTransaction(conversation.tenantID) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO conversation_instructions (tenant_id, chatbot_id, contact_id, instruction_text, is_active, expires_at, created_at)
                VALUES (\(conversation.tenantID.rawValue), \(conversation.chatbotID.rawValue), \(conversation.contactID.rawValue), \(text), true,
                        \(expiresAt), \(date))
                RETURNING id, tenant_id, chatbot_id, contact_id, instruction_text, expires_at, created_at
                """,
                logger: logger
            )
            guard let instruction = try await Self.instructions(rows).first else {
                throw PostgresStoreError.unexpectedResult("INSERT returned no instruction")
            }
            return instruction
        }
    }

    public func deleteInstruction(tenantID: TenantID, id: Int64) async throws -> Bool {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                "DELETE FROM conversation_instructions WHERE tenant_id = \(tenantID.rawValue) AND id = \(id) RETURNING id",
                logger: logger
            )
            for try await _ in rows { return true }
            return false
        }
    }

    static func instructions(_ rows: PostgresRowSequence) async throws -> [ConversationInstruction] {
        try await all(rows, instruction(from:))
    }

    /// A row of `conversation_instructions` (id, tenant, chatbot, contact, text, expiry, creation).
    static func instruction(from row: PostgresRow) throws -> ConversationInstruction {
        let row = try row.decode((Int64, String, String, Int64, String, Date?, Date).self)
        return ConversationInstruction(
            id: row.0, tenantID: TenantID(row.1), chatbotID: ChatbotID(row.2), contactID: ContactID(row.3), text: row.4, expiresAt: row.5,
            createdAt: row.6
        )
    }

    public func counts() async throws -> StoreCounts {
        try await hostTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT
                    (SELECT COUNT(*) FROM messages WHERE direction = 'inbound' AND status = 'received'),
                    (SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND status IN ('queued', 'sending')),
                    (SELECT COUNT(*) FROM unroutable_messages)
                """,
                logger: logger
            )
            for try await (pending, outbox, unroutable) in rows.decode((Int64, Int64, Int64).self) {
                return StoreCounts(pendingInbound: Int(pending), outboxPending: Int(outbox), unroutable: Int(unroutable))
            }
            throw PostgresStoreError.unexpectedResult("counts returned no row")
        }
    }

    // MARK: Conversation leases

    /// Takes a conversation's lease unless another holder's has not expired.
    enum AcquireLeaseSQL: PreparedSQL {
        static let sql = """
            INSERT INTO conversation_leases (tenant_id, contact_id, holder, expires_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (tenant_id, contact_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE conversation_leases.holder = excluded.holder OR conversation_leases.expires_at < $5
            RETURNING holder
            """
    }

    /// Gives up the leases a holder has on some contacts of the current tenant: they expire at
    /// once. The rows stay (one per conversation), so taking a lease again updates a row in
    /// place instead of inserting one and leaving a dead one behind.
    enum ReleaseLeasesSQL: PreparedSQL {
        static let sql = """
            UPDATE conversation_leases SET expires_at = '-infinity'
            WHERE tenant_id = $1 AND contact_id = ANY($2::bigint[]) AND holder = $3
            """
    }

    /// Takes the leases of several conversations of tenant `$1` (contacts `$2`, chatbots `$3`,
    /// each contact once) for holder `$4` until `$5` (a lease that expired before `$6` is taken
    /// over) and reads, for each conversation leased, its oldest `$7` pending messages. One row
    /// per pending message, and one row of NULLs after `leased` for a conversation not leased or
    /// with nothing pending; every row starts with the contact id.
    enum LeaseAndPendingSQL: PreparedSQL {
        static let sql = """
            WITH wanted AS (
                SELECT * FROM unnest($2::bigint[], $3::text[]) AS w(contact_id, chatbot_id)
            ),
            lease AS (
                INSERT INTO conversation_leases (tenant_id, contact_id, holder, expires_at)
                SELECT $1, contact_id, $4, $5 FROM wanted
                ON CONFLICT (tenant_id, contact_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE conversation_leases.holder = excluded.holder OR conversation_leases.expires_at < $6
                RETURNING contact_id
            )
            SELECT w.contact_id, l.contact_id IS NOT NULL AS leased, p.*
            FROM wanted w
            LEFT JOIN lease l ON l.contact_id = w.contact_id
            LEFT JOIN LATERAL (
                SELECT \(PostgresStore.pendingInboundColumns)
                FROM messages m
                JOIN contacts c ON c.id = m.contact_id AND c.tenant_id = m.tenant_id
                WHERE m.tenant_id = $1 AND m.contact_id = w.contact_id AND m.chatbot_id = w.chatbot_id
                  AND m.direction = 'inbound' AND m.status = 'received' AND l.contact_id IS NOT NULL
                ORDER BY m.id
                LIMIT $7
            ) AS p ON true
            """
    }

    /// What the turns' middleware read about conversations of tenant `$1` (contacts `$2`,
    /// chatbots `$3`), one row each, after the contact id and chatbot id: the active takeover's
    /// id, holder and start; the instructions in force at `$4` (ids, texts, expiries as epoch
    /// seconds or NaN, creation); the chatbot's active stored knowledge entries. Arrays are NULL
    /// when empty.
    enum ConversationFactsSQL: PreparedSQL {
        static let sql = """
            SELECT w.contact_id, w.chatbot_id, t.id, t.started_by, t.started_at,
                   i.ids, i.texts, i.expires, i.created,
                   k.ids, k.categories, k.questions, k.answers, k.created, k.updated
            FROM unnest($2::bigint[], $3::text[]) AS w(contact_id, chatbot_id)
            LEFT JOIN LATERAL (
                SELECT id, started_by, started_at FROM takeovers
                WHERE tenant_id = $1 AND contact_id = w.contact_id AND released_at IS NULL
                LIMIT 1
            ) AS t ON true
            CROSS JOIN LATERAL (
                SELECT array_agg(id ORDER BY id) AS ids, array_agg(instruction_text ORDER BY id) AS texts,
                       array_agg(COALESCE(extract(epoch FROM expires_at)::float8, 'NaN'::float8) ORDER BY id) AS expires,
                       array_agg(created_at ORDER BY id) AS created
                FROM conversation_instructions
                WHERE tenant_id = $1 AND contact_id = w.contact_id AND chatbot_id = w.chatbot_id AND is_active
                  AND (expires_at IS NULL OR expires_at > $4)
            ) AS i
            CROSS JOIN LATERAL (
                SELECT array_agg(id ORDER BY id) AS ids, array_agg(category ORDER BY id) AS categories,
                       array_agg(question ORDER BY id) AS questions, array_agg(answer ORDER BY id) AS answers,
                       array_agg(created_at ORDER BY id) AS created, array_agg(updated_at ORDER BY id) AS updated
                FROM bot_knowledge_base
                WHERE tenant_id = $1 AND chatbot_id = w.chatbot_id AND is_active
            ) AS k
            """
    }

    static func acquireLease(
        _ connection: PostgresConnection, _ conversation: ConversationKey, holder: String, until: Date, now: Date, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.run(
            AcquireLeaseSQL.self, conversation.tenantID.rawValue, conversation.contactID.rawValue, holder, until, now, logger: logger
        )
        var taken = false
        for try await _ in rows { taken = true }
        return taken
    }

    public func acquireConversationLease(_ conversation: ConversationKey, holder: String, until: Date, now: Date) async throws -> Bool {
        try await tenantTransaction(conversation.tenantID) { connection in
            try await Self.acquireLease(connection, conversation, holder: holder, until: until, now: now, logger: logger)
        }
    }

    /// The lease, the pending messages and the facts the turn's middleware need. Concurrent
    /// calls (the dispatcher's workers) share one transaction of two statements per tenant
    /// (`leaseConversations`), instead of a transaction per turn.
    public func leaseConversation(_ conversation: ConversationKey, holder: String, until: Date, now: Date, pendingLimit: Int) async throws
        -> LeasedConversation?
    {
        let request = LeaseRequest(conversation: conversation, holder: holder, until: until, now: now, pendingLimit: max(pendingLimit, 1))
        return try await leaseRequests.submit(request) { batch in try await self.leaseConversations(batch) }
    }

    /// One call of `leaseConversation`.
    struct LeaseRequest: Sendable {
        var conversation: ConversationKey
        var holder: String
        var until: Date
        var now: Date
        var pendingLimit: Int
    }

    /// Leases a batch of conversations in one transaction: per tenant and holder, one statement
    /// for the leases and pending messages and one for the facts of those leased with messages
    /// pending. A contact the batch names twice (two chatbots of a tenant talking to one
    /// customer) is leased by a later statement of the same transaction, so no statement upserts
    /// a lease row twice.
    private func leaseConversations(_ batch: [LeaseRequest]) async throws -> [LeasedConversation?] {
        var groups: [[Int]] = []
        var groupOf: [String: [Int]] = [:]
        for (index, request) in batch.enumerated() {
            let key = "\(request.conversation.tenantID.rawValue)\u{0}\(request.holder)"
            var candidates = groupOf[key] ?? []
            let contact = request.conversation.contactID
            if let open = candidates.first(where: { group in !groups[group].contains { batch[$0].conversation.contactID == contact } }) {
                groups[open].append(index)
            } else {
                groups.append([index])
                candidates.append(groups.count - 1)
                groupOf[key] = candidates
            }
        }
        let plan = groups
        return try await hostTransaction { connection in
            var results: [LeasedConversation?] = Array(repeating: nil, count: batch.count)
            for group in plan {
                guard let first = group.first.map({ batch[$0] }) else { continue }
                let tenant = first.conversation.tenantID
                try await Self.enterTenant(tenant, on: connection, logger: logger)
                let contacts = group.map { batch[$0].conversation.contactID.rawValue }
                let chatbots = group.map { batch[$0].conversation.chatbotID.rawValue }
                let until = group.map { batch[$0].until }.max() ?? first.until
                let now = group.map { batch[$0].now }.max() ?? first.now
                let limit = group.map { batch[$0].pendingLimit }.max() ?? 1
                let rows = try await connection.run(
                    LeaseAndPendingSQL.self, tenant.rawValue, contacts, chatbots, first.holder, until, now, Int64(limit), logger: logger
                )
                var leased: Set<Int64> = []
                var pending: [Int64: [StoredInbound]] = [:]
                for try await row in rows {
                    let columns = row.makeRandomAccess()
                    let contact = try columns[0].decode(Int64.self, context: .default)
                    if try columns[1].decode(Bool.self, context: .default) { leased.insert(contact) }
                    // A row of NULLs after `leased` when nothing is pending.
                    if columns[2].bytes != nil { pending[contact, default: []].append(try Self.storedInbound(columns, from: 2)) }
                }
                let withWork = group.filter { pending[batch[$0].conversation.contactID.rawValue]?.isEmpty == false }
                var facts: [Int64: ConversationFacts] = [:]
                if !withWork.isEmpty {
                    let factRows = try await connection.run(
                        ConversationFactsSQL.self, tenant.rawValue, withWork.map { batch[$0].conversation.contactID.rawValue },
                        withWork.map { batch[$0].conversation.chatbotID.rawValue }, now, logger: logger
                    )
                    for try await row in factRows {
                        let columns = row.makeRandomAccess()
                        let contact = try columns[0].decode(Int64.self, context: .default)
                        let chatbot = try columns[1].decode(String.self, context: .default)
                        let conversation = ConversationKey(tenantID: tenant, chatbotID: ChatbotID(chatbot), contactID: ContactID(contact))
                        facts[contact] = try Self.facts(from: columns, conversation, readAt: now)
                    }
                }
                for index in group {
                    let request = batch[index]
                    let contact = request.conversation.contactID.rawValue
                    guard leased.contains(contact) else { continue }
                    let messages = Array((pending[contact] ?? []).prefix(request.pendingLimit))
                    results[index] = messages.isEmpty ? LeasedConversation(pending: []) : LeasedConversation(pending: messages, facts: facts[contact])
                }
            }
            return results
        }
    }

    /// A row of `ConversationFactsSQL` (its facts start at column 2).
    static func facts(from row: PostgresRandomAccessRow, _ conversation: ConversationKey, readAt: Date) throws -> ConversationFacts {
        func column<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T? {
            let cell = row[index + 2]
            return cell.bytes == nil ? nil : try cell.decode(T.self, context: .default)
        }
        let (takeoverID, startedBy, startedAt) = (try column(0, Int64.self), try column(1, String.self), try column(2, Date.self))
        let (instructionIDs, texts, expiries, instructionDates) = (
            try column(3, [Int64].self), try column(4, [String].self), try column(5, [Double].self), try column(6, [Date].self)
        )
        let (knowledgeIDs, categories, questions, answers, created, updated) = (
            try column(7, [Int64].self), try column(8, [String].self), try column(9, [String].self), try column(10, [String].self),
            try column(11, [Date].self), try column(12, [Date].self)
        )
        let (tenant, chatbot, contact) = (conversation.tenantID, conversation.chatbotID, conversation.contactID)
        let takeover = takeoverID.map {
            TakeoverRecord(id: $0, tenantID: tenant, chatbotID: chatbot, contactID: contact, startedBy: startedBy, startedAt: startedAt ?? readAt, releasedAt: nil)
        }
        var instructions: [ConversationInstruction] = []
        if let instructionIDs, let texts, let expiries, let instructionDates {
            for index in instructionIDs.indices where index < texts.count && index < expiries.count && index < instructionDates.count {
                let expiry = expiries[index]
                instructions.append(
                    ConversationInstruction(
                        id: instructionIDs[index], tenantID: tenant, chatbotID: chatbot, contactID: contact, text: texts[index],
                        expiresAt: expiry.isNaN ? nil : Date(timeIntervalSince1970: expiry), createdAt: instructionDates[index]
                    )
                )
            }
        }
        var knowledge: [KnowledgeRecord] = []
        if let knowledgeIDs, let categories, let questions, let answers, let created, let updated {
            for index in knowledgeIDs.indices
            where index < categories.count && index < questions.count && index < answers.count && index < created.count && index < updated.count {
                knowledge.append(
                    KnowledgeRecord(
                        id: knowledgeIDs[index], tenantID: tenant, chatbotID: chatbot, category: categories[index], question: questions[index],
                        answer: answers[index], createdAt: created[index], updatedAt: updated[index]
                    )
                )
            }
        }
        return ConversationFacts(activeTakeover: takeover, instructions: instructions, knowledge: knowledge, readAt: readAt)
    }

    public func releaseConversationLease(_ conversation: ConversationKey, holder: String) async throws {
        try await tenantTransaction(conversation.tenantID) { connection in
            try await connection.run(ReleaseLeasesSQL.self, conversation.tenantID.rawValue, [conversation.contactID.rawValue], holder, logger: logger)
        }
    }
}
