import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    /// Where a conversation's outbound messages go (as `SQLiteStore` decides it). Runs in the
    /// caller's transaction.
    func outboundTarget(_ connection: PostgresConnection, _ conversation: ConversationKey) async throws -> OutboundTarget {
        let rows = try await connection.query(
            """
            SELECT c.phone_number,
                   COALESCE(
                       (SELECT m.provider FROM messages m
                        WHERE m.tenant_id = c.tenant_id AND m.contact_id = c.id AND m.chatbot_id = \(conversation.chatbotID.rawValue)
                          AND m.direction = 'inbound'
                        ORDER BY m.id DESC LIMIT 1),
                       (SELECT n.provider FROM chatbot_numbers n
                        WHERE n.chatbot_id = \(conversation.chatbotID.rawValue) AND n.tenant_id = c.tenant_id
                        ORDER BY n.position LIMIT 1),
                       'local'
                   )
            FROM contacts c
            WHERE c.tenant_id = \(conversation.tenantID.rawValue) AND c.id = \(conversation.contactID.rawValue)
            """,
            logger: logger
        )
        for try await (phone, provider) in rows.decode((String, String).self) {
            return OutboundTarget(phone: PhoneNumber(canonical: phone), provider: provider)
        }
        throw PostgresStoreError.unexpectedResult("contact \(conversation.contactID) not found in tenant \(conversation.tenantID)")
    }

    /// Inserts queued outbound rows of one tenant, in order, with one statement; returns their
    /// entries in the same order. Runs in the caller's transaction.
    func insertOutbound(_ connection: PostgresConnection, _ drafts: [OutboundDraft]) async throws -> [OutboxEntry] {
        guard !drafts.isEmpty else { return [] }
        let tenants = drafts.map(\.conversation.tenantID.rawValue), chatbots = drafts.map(\.conversation.chatbotID.rawValue)
        let contacts = drafts.map(\.conversation.contactID.rawValue), texts = drafts.map(\.text), providers = drafts.map(\.provider)
        let human = drafts.map { $0.purpose == .human }, purposes = drafts.map(\.purpose.rawValue), dates = drafts.map(\.date)
        let rows = try await connection.run(
            InsertOutboundSQL.self, tenants, chatbots, contacts, texts, providers, human, purposes, dates, logger: logger
        )
        var ids: [Int64] = []
        for try await row in rows { ids.append(try row.decode(Int64.self)) }
        // Identity values follow the SELECT's order; RETURNING's order is not promised, so sort.
        ids.sort()
        guard ids.count == drafts.count else {
            throw PostgresStoreError.unexpectedResult("INSERT returned \(ids.count) ids for \(drafts.count) rows")
        }
        return zip(ids, drafts).map { id, draft in
            OutboxEntry(
                id: MessageID(id), conversation: draft.conversation, contactPhone: draft.phone, text: draft.text, purpose: draft.purpose,
                attempts: 0, nextAttemptAt: draft.date, possiblyDuplicated: false, provider: ProviderKind(rawValue: draft.provider) ?? .local
            )
        }
    }

    /// Queued outbound rows, in the order of the arrays.
    enum InsertOutboundSQL: PreparedSQL {
        static let sql = """
            INSERT INTO messages (
                tenant_id, chatbot_id, contact_id, direction, kind, text, provider, status, is_from_human, purpose, attempts,
                next_attempt_at, created_at, updated_at
            )
            SELECT t, c, ct, 'outbound', 'text', tx, pr, 'queued', h, pu, 0, d, d, d
            FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bool[], $7::text[], $8::timestamptz[])
                 WITH ORDINALITY AS v(t, c, ct, tx, pr, h, pu, d, position)
            ORDER BY position
            RETURNING id
            """
    }

    /// Inbound messages of finished turns become processed (the tenant is row-level security's;
    /// only inbound messages are `received`), and the leases of holder $12 on the contacts $11 of
    /// tenant $10 end (as `ReleaseLeasesSQL`; none when $11 is empty).
    enum CompleteInboundSQL: PreparedSQL {
        static let sql = """
            WITH released AS (
                UPDATE conversation_leases SET expires_at = '-infinity'
                WHERE tenant_id = $10 AND contact_id = ANY($11::bigint[]) AND holder = $12
            )
            UPDATE messages
            SET status = 'processed', ai_processed = v.ai, processing_ms = v.ms, intent = CASE WHEN v.hi THEN v.intent END,
                config_revision = v.rev, processed_at = v.d, updated_at = v.d
            FROM unnest($1::bigint[], $2::bool[], $3::bigint[], $4::text[], $5::bool[], $6::bigint[], $7::timestamptz[], $8::text[],
                        $9::bigint[])
                 AS v(id, ai, ms, intent, hi, rev, d, chatbot, contact)
            WHERE messages.id = ANY($1::bigint[]) AND messages.id = v.id
              AND messages.chatbot_id = v.chatbot AND messages.contact_id = v.contact AND messages.status = 'received'
            RETURNING messages.id
            """
    }

    /// Marks the turn's inbound messages processed and queues its replies, in one transaction
    /// (see `TurnStore.completeTurn`). Concurrent completions share the transaction; each tenant's
    /// part runs as the application role with that tenant set.
    public func completeTurn(_ completion: TurnCompletion) async throws -> [OutboxEntry] {
        try await turnCompletions.submit(completion) { batch in try await self.completeTurns(batch) }
    }

    private func completeTurns(_ batch: [TurnCompletion]) async throws -> [[OutboxEntry]] {
        var byTenant: [TenantID: [Int]] = [:]
        for (index, completion) in batch.enumerated() { byTenant[completion.conversation.tenantID, default: []].append(index) }
        return try await hostTransaction { [byTenant] connection in
            var results: [[OutboxEntry]] = Array(repeating: [], count: batch.count)
            for (tenant, indexes) in byTenant.sorted(by: { $0.key < $1.key }) {
                try await Self.enterTenant(tenant, on: connection, logger: logger)
                let plan = TurnCommitPlan(batch, indexes: indexes)
                var ids: [Int64] = [], ai: [Bool] = [], durations: [Int64] = [], intents: [String] = [], hasIntent: [Bool] = []
                var revisions: [Int64] = [], dates: [Date] = [], chatbots: [String] = [], contacts: [Int64] = []
                for (completion, id) in plan.inboundRows {
                    ids.append(id.rawValue)
                    ai.append(completion.aiProcessed)
                    durations.append(Int64(completion.processingMilliseconds))
                    intents.append(completion.intent ?? "")
                    hasIntent.append(completion.intent != nil)
                    revisions.append(Int64(completion.configRevision))
                    dates.append(completion.completedAt)
                    chatbots.append(completion.conversation.chatbotID.rawValue)
                    contacts.append(completion.conversation.contactID.rawValue)
                }
                // Conversation leases the turns end with their commit; one holder's (the usual
                // case: this process's dispatcher) with the UPDATE below, any other on its own.
                var leases = plan.releasedLeases().mapValues { $0.map(\.contactID.rawValue) }
                var processed: Set<MessageID> = []
                if !ids.isEmpty {
                    let folded = leases.max { $0.value.count < $1.value.count }
                    if let folded { leases[folded.key] = nil }
                    let rows = try await connection.run(
                        CompleteInboundSQL.self, ids, ai, durations, intents, hasIntent, revisions, dates, chatbots, contacts, tenant.rawValue,
                        folded?.value ?? [], folded?.key ?? "", logger: logger
                    )
                    for try await row in rows { processed.insert(MessageID(try row.decode(Int64.self))) }
                }
                let committed = plan.committed(processed: processed)
                var targets: [Int: OutboundTarget] = [:]
                for index in plan.needingTargets(of: committed) { targets[index] = try await outboundTarget(connection, batch[index].conversation) }
                let drafts = try plan.replyDrafts(of: committed, targets: targets)
                for (draft, entry) in zip(drafts, try await insertOutbound(connection, drafts.map(\.draft))) {
                    results[draft.owner].append(entry)
                }
                for (holder, contacts) in leases {
                    try await connection.run(ReleaseLeasesSQL.self, tenant.rawValue, contacts, holder, logger: logger)
                }
                // The usage the committed turns counted (their tenant is the one entered).
                let meterings = plan.meterings(of: committed)
                for (period, indexes) in MeterAllocation.groups(meterings) where period.tenantID == tenant {
                    _ = try await Self.addUnlimited(connection, indexes.map { meterings[$0] }, period: period, logger: logger)
                }
            }
            return results
        }
    }

    /// Inserts one queued outbound message outside a turn, to the conversation's outbound target.
    /// Runs in the caller's transaction.
    private func insertOutbound(
        _ connection: PostgresConnection, _ conversation: ConversationKey, text: String, purpose: OutboundPurpose, at date: Date
    ) async throws -> [OutboxEntry] {
        let target = try await outboundTarget(connection, conversation)
        return try await insertOutbound(
            connection, [OutboundDraft(conversation: conversation, text: text, phone: target.phone, provider: target.provider, purpose: purpose, date: date)]
        )
    }

    public func enqueueOutbound(_ conversation: ConversationKey, text: String, purpose: OutboundPurpose, at date: Date) async throws -> OutboxEntry {
        let entries = try await tenantTransaction(conversation.tenantID) { connection in
            try await insertOutbound(connection, conversation, text: text, purpose: purpose, at: date)
        }
        guard let entry = entries.first else { throw PostgresStoreError.unexpectedResult("INSERT returned no outbox id") }
        return entry
    }

    public func enqueueHoldingMessage(_ conversation: ConversationKey, text: String, at date: Date) async throws -> OutboxEntry? {
        try await tenantTransaction(conversation.tenantID) { connection -> [OutboxEntry] in
            // Locks the unanswered messages: a turn completion marking them processed waits for
            // this commit (and then inserts its replies after the holding message); one that
            // committed first leaves none, and no holding message is queued.
            let pending = try await connection.query(
                """
                SELECT id FROM messages
                WHERE tenant_id = \(conversation.tenantID.rawValue) AND contact_id = \(conversation.contactID.rawValue)
                  AND chatbot_id = \(conversation.chatbotID.rawValue) AND direction = 'inbound' AND status = 'received'
                FOR UPDATE
                """,
                logger: logger
            )
            var oldest: Int64?
            for try await id in pending.decode(Int64.self) { oldest = min(oldest ?? id, id) }
            guard let oldest else { return [] }
            // Once per wait: a customer already told to hold on since the oldest unanswered
            // message (before a restart, by another process or another busy period) is not told again.
            let held = try await connection.query(
                """
                SELECT 1 FROM messages
                WHERE tenant_id = \(conversation.tenantID.rawValue) AND contact_id = \(conversation.contactID.rawValue)
                  AND chatbot_id = \(conversation.chatbotID.rawValue) AND direction = 'outbound' AND purpose = 'holding' AND id > \(oldest)
                LIMIT 1
                """,
                logger: logger
            )
            for try await _ in held { return [] }
            return try await insertOutbound(connection, conversation, text: text, purpose: .holding, at: date)
        }.first
    }

    public func dueOutbox(now: Date, limit: Int) async throws -> [OutboxEntry] {
        guard limit > 0 else { return [] }
        return try await hostTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT m.id, m.tenant_id, m.chatbot_id, m.contact_id, c.phone_number, COALESCE(m.text, ''), m.purpose, m.attempts,
                       m.next_attempt_at, m.possibly_duplicated, m.provider
                FROM messages m
                JOIN contacts c ON c.id = m.contact_id AND c.tenant_id = m.tenant_id
                WHERE m.direction = 'outbound' AND m.status = 'queued' AND m.next_attempt_at <= \(now)
                  AND NOT EXISTS (
                      SELECT 1 FROM messages o
                      WHERE o.tenant_id = m.tenant_id AND o.contact_id = m.contact_id AND o.chatbot_id = m.chatbot_id
                        AND o.direction = 'outbound' AND o.status IN ('queued', 'sending') AND o.id < m.id
                  )
                ORDER BY m.id
                LIMIT \(Int64(limit))
                """,
                logger: logger
            )
            var entries: [OutboxEntry] = []
            for try await row in rows.decode((Int64, String, String, Int64, String, String, String?, Int32, Date, Bool, String).self) {
                entries.append(
                    OutboxEntry(
                        id: MessageID(row.0), conversation: ConversationKey(tenantID: TenantID(row.1), chatbotID: ChatbotID(row.2), contactID: ContactID(row.3)),
                        contactPhone: PhoneNumber(canonical: row.4), text: row.5, purpose: row.6.flatMap(OutboundPurpose.init(rawValue:)) ?? .reply,
                        attempts: Int(row.7), nextAttemptAt: row.8, possiblyDuplicated: row.9, provider: ProviderKind(rawValue: row.10) ?? .local
                    )
                )
            }
            return entries
        }
    }

    /// Marks queued entries as being sent by this process until its send lease ends; returns
    /// the ids that were still queued (another process may have taken the rest).
    /// Starts and outcomes that arrive together share one transaction (`outboxWrites`).
    public func beginSendAttempts(_ ids: [MessageID], at date: Date) async throws -> [MessageID] {
        guard !ids.isEmpty else { return [] }
        return try await outboxWrites.submit(.begin(ids, at: date)) { batch in try await self.writeOutbox(batch) }
    }

    /// A write of the outbox sender: attempts that start, or an attempt's outcome.
    enum OutboxWrite: Sendable {
        case begin([MessageID], at: Date)
        case outcome(RecordedSendOutcome)
    }

    /// A batch of outbox writes in one transaction: one statement for the starts, one for the
    /// outcomes. Each start gets the ids it marked (an id two starts name goes to the first);
    /// an outcome gets nothing back. An entry's
    /// outcome and its next start never meet in one batch (the sender starts an entry again
    /// only after its outcome was recorded).
    private func writeOutbox(_ batch: [OutboxWrite]) async throws -> [[MessageID]] {
        var starting: [Int64] = []
        var startedAt: Date?
        var outcomes: [RecordedSendOutcome] = []
        for write in batch {
            switch write {
            case .begin(let ids, let date):
                starting += ids.map(\.rawValue)
                startedAt = max(startedAt ?? date, date)
            case .outcome(let outcome):
                outcomes.append(outcome)
            }
        }
        let (starts, date) = (starting, startedAt ?? Date())
        let marked = try await hostTransaction { [leases, holderID, outcomes] connection -> Set<Int64> in
            var marked: Set<Int64> = []
            if !starts.isEmpty {
                let rows = try await connection.run(BeginSendSQL.self, holderID, date.addingTimeInterval(leases.sendLease), date, starts, logger: logger)
                for try await row in rows { marked.insert(try row.decode(Int64.self)) }
            }
            if !outcomes.isEmpty { try await Self.recordSendOutcomes(outcomes, on: connection, logger: logger) }
            return marked
        }
        // An entry two starts of the batch name belongs to the first: it is sent once.
        var unclaimed = marked
        return batch.map { write in
            guard case .begin(let ids, _) = write else { return [] }
            return ids.filter { unclaimed.remove($0.rawValue) != nil }
        }
    }

    /// Queued entries become `sending`, leased to one process, when no older message of their
    /// conversation is still unsent; a queued holding message of these conversations whose
    /// customer has been answered becomes `dropped` (never sent) and no longer holds the rest back.
    enum BeginSendSQL: PreparedSQL {
        static let sql = """
            WITH conversations AS (
                SELECT DISTINCT tenant_id, contact_id, chatbot_id FROM messages WHERE id = ANY($4::bigint[])
            ),
            answered AS (
                SELECT h.id FROM conversations c
                JOIN messages h ON h.tenant_id = c.tenant_id AND h.contact_id = c.contact_id AND h.chatbot_id = c.chatbot_id
                WHERE h.direction = 'outbound' AND h.status IN ('queued', 'sending') AND h.status = 'queued' AND h.purpose = 'holding'
                  AND NOT EXISTS (
                      SELECT 1 FROM messages i
                      WHERE i.tenant_id = h.tenant_id AND i.contact_id = h.contact_id AND i.chatbot_id = h.chatbot_id
                        AND i.direction = 'inbound' AND i.status = 'received' AND i.id < h.id
                  )
            ),
            dropped AS (
                UPDATE messages SET status = 'dropped', updated_at = $3 WHERE id IN (SELECT id FROM answered)
            )
            UPDATE messages m SET status = 'sending', sending_holder = $1, sending_until = $2, updated_at = $3
            WHERE m.direction = 'outbound' AND m.status = 'queued' AND m.id = ANY($4::bigint[])
              AND m.id NOT IN (SELECT id FROM answered)
              AND NOT EXISTS (
                  SELECT 1 FROM messages o
                  WHERE o.tenant_id = m.tenant_id AND o.contact_id = m.contact_id AND o.chatbot_id = m.chatbot_id
                    AND o.direction = 'outbound' AND o.status IN ('queued', 'sending') AND o.id < m.id
                    AND o.id NOT IN (SELECT id FROM answered)
              )
            RETURNING m.id
            """
    }

    /// The outcomes of send attempts: one row in `send_attempts` per outcome (numbered from the
    /// entry's attempts before this statement), then the outcome applied to entries not yet
    /// accepted or failed. One statement: both parts see the rows as they were before it.
    enum RecordSendOutcomesSQL: PreparedSQL {
        static let sql = """
            WITH v AS (
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::bool[], $6::text[], $7::text[], $8::text[],
                                     $9::timestamptz[], $10::text[], $11::text[])
                     AS v(id, status, pid, retry_at, delivered, code, code_change, message, at, outcome, detail)
            ),
            attempts AS (
                INSERT INTO send_attempts (tenant_id, message_id, attempt, outcome, detail, at)
                SELECT m.tenant_id, v.id, m.attempts + 1, v.outcome, NULLIF(v.detail, ''), v.at
                FROM v JOIN messages m ON m.id = v.id AND m.direction = 'outbound'
                WHERE m.id = ANY($1::bigint[])
            )
            UPDATE messages
            SET status = v.status,
                attempts = messages.attempts + 1,
                provider_message_id = COALESCE(NULLIF(v.pid, ''), messages.provider_message_id),
                sent_at = CASE WHEN v.pid <> '' THEN v.at ELSE messages.sent_at END,
                next_attempt_at = CASE WHEN v.status = 'queued' THEN v.retry_at ELSE messages.next_attempt_at END,
                possibly_duplicated = messages.possibly_duplicated OR v.delivered,
                error_code = CASE v.code_change WHEN 'set' THEN v.code WHEN 'clear' THEN NULL ELSE messages.error_code END,
                error_message = NULLIF(v.message, ''),
                sending_holder = NULL, sending_until = NULL,
                updated_at = v.at
            FROM v
            WHERE messages.id = ANY($1::bigint[]) AND messages.id = v.id
              AND messages.direction = 'outbound' AND messages.status IN (\(OutboxTransition.changeableStatusesSQL))
            """
    }

    /// Records attempts and applies their outcomes (never changing an entry already accepted or
    /// failed); concurrent outcomes are recorded together.
    public func recordSendOutcome(_ id: MessageID, outcome: SendOutcome, at date: Date) async throws {
        _ = try await outboxWrites.submit(.outcome(RecordedSendOutcome(id: id, outcome: outcome, date: date))) { batch in
            try await self.writeOutbox(batch)
        }
    }

    /// Records `batch` in the caller's transaction (the host role).
    private static func recordSendOutcomes(_ batch: [RecordedSendOutcome], on connection: PostgresConnection, logger: Logger) async throws {
        let ids = batch.map(\.id.rawValue), labels = batch.map(\.label), details = batch.map { $0.detail ?? "" }, dates = batch.map(\.date)
        var statuses: [String] = [], providerIDs: [String] = [], retryAt: [Date] = [], possiblyDelivered: [Bool] = []
        var errorCodes: [String] = [], codeChanges: [String] = [], errorMessages: [String] = []
        for item in batch {
            let change = item.transition
            statuses.append(change.status.rawValue)
            providerIDs.append(change.providerMessageID ?? "")
            retryAt.append(change.nextAttemptAt ?? change.sentAt ?? change.at)
            possiblyDelivered.append(change.marksPossiblyDuplicated)
            switch change.errorCode {
            case .set(let code): errorCodes.append(code); codeChanges.append("set")
            case .clear: errorCodes.append(""); codeChanges.append("clear")
            case .keep: errorCodes.append(""); codeChanges.append("keep")
            }
            errorMessages.append(change.errorMessage ?? "")
        }
        try await connection.run(
            RecordSendOutcomesSQL.self, ids, statuses, providerIDs, retryAt, possiblyDelivered, errorCodes, codeChanges, errorMessages, dates,
            labels, details, logger: logger
        )
    }
}
