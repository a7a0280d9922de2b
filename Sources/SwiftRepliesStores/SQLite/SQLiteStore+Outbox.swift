import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    private static let outboundInsertColumns = 14

    /// Where a conversation's outbound messages go: the contact's phone, and the provider of the
    /// contact's latest inbound message to the chatbot (else the chatbot's first configured
    /// channel, else `local`). Runs inside the caller's write transaction.
    private func outboundTarget(_ db: SQLiteSession, _ conversation: ConversationKey) throws -> OutboundTarget {
        let rows = try db.query(
            """
            SELECT c.phone_number AS phone_number,
                   COALESCE(
                       (SELECT m.provider FROM messages m
                        WHERE m.tenant_id = c.tenant_id AND m.contact_id = c.id AND m.chatbot_id = ? AND m.direction = 'inbound'
                        ORDER BY m.id DESC LIMIT 1),
                       (SELECT n.provider FROM chatbot_numbers n JOIN chatbots b ON b.id = n.chatbot_id
                        WHERE n.chatbot_id = ? AND b.tenant_id = c.tenant_id
                        ORDER BY n.position LIMIT 1),
                       'local'
                   ) AS provider
            FROM contacts c
            WHERE c.tenant_id = ? AND c.id = ?
            """,
            [
                .text(conversation.chatbotID.rawValue), .text(conversation.chatbotID.rawValue), .text(conversation.tenantID.rawValue),
                .int64(conversation.contactID.rawValue),
            ]
        )
        guard let row = rows.first else {
            throw SQLiteStoreError.contactNotFound(tenantID: conversation.tenantID.rawValue, contactID: conversation.contactID.rawValue)
        }
        return OutboundTarget(phone: try row.phone(), provider: try row.text("provider"))
    }

    /// Inserts queued outbound rows for `texts`, in order; returns their entries. Runs inside the
    /// caller's write transaction.
    private func insertOutbound(
        _ db: SQLiteSession, _ conversation: ConversationKey, texts: [String], purpose: OutboundPurpose, at date: Date
    ) throws -> [OutboxEntry] {
        guard !texts.isEmpty else { return [] }
        let target = try outboundTarget(db, conversation)
        return try insertOutbound(
            db, texts.map { OutboundDraft(conversation: conversation, text: $0, phone: target.phone, provider: target.provider, purpose: purpose, date: date) }
        )
    }

    /// Inserts queued outbound rows, in order, with multi-row INSERTs; returns their entries in
    /// the same order. Runs inside the caller's write transaction.
    func insertOutbound(_ db: SQLiteSession, _ drafts: [OutboundDraft]) throws -> [OutboxEntry] {
        var entries: [OutboxEntry] = []
        entries.reserveCapacity(drafts.count)
        let columns = Self.outboundInsertColumns
        for chunk in drafts.chunked(into: SQLPlaceholders.maxRows(columns: columns)) {
            var binds: [SQLiteValue] = []
            binds.reserveCapacity(chunk.count * columns)
            for draft in chunk {
                let conversation = draft.conversation
                binds += [
                    .text(conversation.tenantID.rawValue), .text(conversation.chatbotID.rawValue), .int64(conversation.contactID.rawValue),
                    .text(MessageDirection.outbound.rawValue), .text(MessageKind.text.rawValue), .text(draft.text), .text(draft.provider),
                    .text(DeliveryState.queued.rawValue), .flag(draft.purpose == .human), .text(draft.purpose.rawValue), .int(0),
                    .timestamp(draft.date), .timestamp(draft.date), .timestamp(draft.date),
                ]
            }
            let rows = try db.query(
                """
                INSERT INTO messages (
                    tenant_id, chatbot_id, contact_id, direction, kind, text, provider, status, is_from_human, purpose, attempts,
                    next_attempt_at, created_at, updated_at
                )
                VALUES \(SQLPlaceholders.rows(chunk.count, columns: columns))
                RETURNING id
                """,
                binds
            )
            // Rows of one INSERT get increasing AUTOINCREMENT ids in VALUES order; RETURNING's own
            // order is unspecified, so sort.
            let ids = try rows.map { try $0.messageID() }.sorted()
            guard ids.count == chunk.count else {
                throw SQLiteStoreError.unexpectedResult("INSERT returned \(ids.count) ids for \(chunk.count) rows")
            }
            for (id, draft) in zip(ids, chunk) {
                entries.append(
                    OutboxEntry(
                        id: id, conversation: draft.conversation, contactPhone: draft.phone, text: draft.text, purpose: draft.purpose, attempts: 0,
                        nextAttemptAt: draft.date, possiblyDuplicated: false, provider: ProviderKind(rawValue: draft.provider) ?? .local
                    )
                )
            }
        }
        return entries
    }

    /// Marks the turn's inbound messages processed and queues its replies, in one transaction.
    /// When none of `inboundIDs` was still `received` (the turn was already committed), nothing
    /// is queued and the result is empty. A completion without inbound ids (a turn started by an
    /// Actions Center resolution) always queues its replies. Concurrent completions are handled
    /// together: one UPDATE and one INSERT for the batch.
    public func completeTurn(_ completion: TurnCompletion) async throws -> [OutboxEntry] {
        try await turnCompletions.submit(completion) { batch in try await self.completeTurns(batch) }
    }

    private func completeTurns(_ batch: [TurnCompletion]) async throws -> [[OutboxEntry]] {
        let plan = TurnCommitPlan(batch)
        return try await withWriteTransaction { db in
            // 1. Inbound messages: received -> processed, in one statement for the whole batch.
            var processed: Set<MessageID> = []
            for chunk in plan.inboundRows.chunked(into: SQLPlaceholders.maxRows(columns: 9)) {
                var binds: [SQLiteValue] = []
                binds.reserveCapacity(chunk.count * 9)
                for (completion, id) in chunk {
                    let conversation = completion.conversation
                    binds += [
                        .int64(id.rawValue), .flag(completion.aiProcessed), .int(completion.processingMilliseconds), .optionalText(completion.intent),
                        .int(completion.configRevision), .timestamp(completion.completedAt), .text(conversation.tenantID.rawValue),
                        .text(conversation.chatbotID.rawValue), .int64(conversation.contactID.rawValue),
                    ]
                }
                let returned = try db.query(
                    """
                    UPDATE messages
                    SET status = 'processed', ai_processed = v.column2, processing_ms = v.column3, intent = v.column4,
                        config_revision = v.column5, processed_at = v.column6, updated_at = v.column6
                    FROM (VALUES \(SQLPlaceholders.rows(chunk.count, columns: 9))) AS v
                    WHERE messages.id = v.column1 AND messages.tenant_id = v.column7 AND messages.chatbot_id = v.column8
                      AND messages.contact_id = v.column9 AND messages.direction = 'inbound' AND messages.status = 'received'
                    RETURNING messages.id AS id
                    """,
                    binds
                )
                for row in returned { processed.insert(try row.messageID()) }
            }
            // 2. Replies of the turns that commit, in one INSERT.
            let committed = plan.committed(processed: processed)
            var targets: [Int: OutboundTarget] = [:]
            for index in plan.needingTargets(of: committed) { targets[index] = try self.outboundTarget(db, batch[index].conversation) }
            let drafts = try plan.replyDrafts(of: committed, targets: targets)
            let results = plan.results(drafts: drafts, entries: try self.insertOutbound(db, drafts.map(\.draft)))
            // 3. Conversation leases the turns end with their commit.
            for (holder, conversations) in plan.releasedLeases() {
                for conversation in conversations { try Self.releaseLease(db, conversation, holder: holder) }
            }
            // 4. The usage the committed turns counted.
            let meterings = plan.meterings(of: committed)
            for (period, indexes) in MeterAllocation.groups(meterings) {
                _ = try Self.addUnlimited(db, indexes.map { meterings[$0] }, period: period)
            }
            return results
        }
    }

    public func enqueueOutbound(_ conversation: ConversationKey, text: String, purpose: OutboundPurpose, at date: Date) async throws -> OutboxEntry {
        let entries = try await withWriteTransaction { db in
            try self.insertOutbound(db, conversation, texts: [text], purpose: purpose, at: date)
        }
        guard let entry = entries.first else { throw SQLiteStoreError.unexpectedResult("INSERT returned no outbox id") }
        return entry
    }

    public func enqueueHoldingMessage(_ conversation: ConversationKey, text: String, at date: Date) async throws -> OutboxEntry? {
        // One writer: the checks and the insert are one transaction no turn completion can enter.
        try await withWriteTransaction { db -> [OutboxEntry] in
            let conversationBinds: [SQLiteValue] = [
                .text(conversation.tenantID.rawValue), .int64(conversation.contactID.rawValue), .text(conversation.chatbotID.rawValue),
            ]
            let oldest = try db.query(
                """
                SELECT min(id) AS id FROM messages
                WHERE tenant_id = ? AND contact_id = ? AND chatbot_id = ? AND direction = 'inbound' AND status = 'received'
                """,
                conversationBinds
            ).first.flatMap { row in try? row.messageID() }
            guard let oldest else { return [] }
            // Once per wait: a customer already told to hold on since the oldest unanswered
            // message (before a restart, or by another busy period) is not told again.
            let held = try db.query(
                """
                SELECT 1 FROM messages
                WHERE tenant_id = ? AND contact_id = ? AND chatbot_id = ? AND direction = 'outbound' AND purpose = 'holding' AND id > ?
                LIMIT 1
                """,
                conversationBinds + [.int64(oldest.rawValue)]
            )
            guard held.isEmpty else { return [] }
            return try self.insertOutbound(db, conversation, texts: [text], purpose: .holding, at: date)
        }.first
    }

    public func dueOutbox(now: Date, limit: Int) async throws -> [OutboxEntry] {
        guard limit > 0 else { return [] }
        // The literal conditions match the partial index messages_outbox.
        let rows = try await read(
            """
            SELECT m.id AS id, m.tenant_id AS tenant_id, m.chatbot_id AS chatbot_id, m.contact_id AS contact_id,
                   c.phone_number AS phone_number, m.text AS text, m.purpose AS purpose, m.attempts AS attempts,
                   m.next_attempt_at AS next_attempt_at, m.possibly_duplicated AS possibly_duplicated, m.provider AS provider
            FROM messages m
            JOIN contacts c ON c.id = m.contact_id AND c.tenant_id = m.tenant_id
            WHERE m.direction = 'outbound' AND m.status = 'queued' AND m.next_attempt_at <= ?
              AND NOT EXISTS (\(Self.olderUnsent(of: "m")))
            ORDER BY m.id
            LIMIT ?
            """,
            [.timestamp(now), .int(limit)]
        )
        return try rows.map { row in
            OutboxEntry(
                id: try row.messageID(),
                conversation: ConversationKey(tenantID: try row.tenantID(), chatbotID: try row.chatbotID(), contactID: try row.contactID()),
                contactPhone: try row.phone(), text: try row.optionalText("text") ?? "",
                purpose: try row.optionalRaw("purpose", as: OutboundPurpose.self) ?? .reply, attempts: try row.int("attempts"),
                nextAttemptAt: try row.timestamp("next_attempt_at"), possiblyDuplicated: try row.flag("possibly_duplicated"),
                provider: ProviderKind(rawValue: try row.optionalText("provider") ?? "") ?? .local
            )
        }
    }

    /// `SELECT 1` of an outbound message of `alias`'s conversation created before it and not
    /// yet sent (queued or being sent). The literal conditions match the partial index
    /// `messages_unsent_by_conversation`.
    static func olderUnsent(of alias: String) -> String {
        """
        SELECT 1 FROM messages o
        WHERE o.tenant_id = \(alias).tenant_id AND o.contact_id = \(alias).contact_id AND o.direction = 'outbound'
          AND o.status IN ('queued', 'sending') AND o.id < \(alias).id AND o.chatbot_id = \(alias).chatbot_id
        """
    }

    /// Marks queued entries as being sent (written before the provider is called, so a crash
    /// mid-attempt is known afterwards); returns the ids that may be sent now. In the same
    /// transaction, a holding message of these conversations whose customer has been answered
    /// meanwhile becomes `dropped` (never sent), and an entry with an older message of its
    /// conversation still unsent stays queued: a conversation's messages leave in the order
    /// they were created.
    public func beginSendAttempts(_ ids: [MessageID], at date: Date) async throws -> [MessageID] {
        guard !ids.isEmpty else { return [] }
        return try await withWriteTransaction { db in
            var marked: [MessageID] = []
            for chunk in ids.chunked(into: SQLPlaceholders.maxVariables - 4) {
                let binds: [SQLiteValue] = [.timestamp(date)] + chunk.map { .int64($0.rawValue) }
                _ = try db.query(
                    """
                    UPDATE messages SET status = 'dropped', updated_at = ?
                    WHERE id IN (
                        SELECT h.id FROM messages b
                        JOIN messages h ON h.tenant_id = b.tenant_id AND h.contact_id = b.contact_id AND h.chatbot_id = b.chatbot_id
                        WHERE b.id IN (\(SQLPlaceholders.list(chunk.count))) AND h.direction = 'outbound'
                          AND h.status IN ('queued', 'sending') AND h.status = 'queued' AND h.purpose = 'holding'
                          AND NOT EXISTS (
                              SELECT 1 FROM messages i
                              WHERE i.tenant_id = h.tenant_id AND i.contact_id = h.contact_id AND i.chatbot_id = h.chatbot_id
                                AND i.direction = 'inbound' AND i.status = 'received' AND i.id < h.id
                          )
                    )
                    """,
                    binds
                )
                let rows = try db.query(
                    """
                    UPDATE messages SET status = 'sending', updated_at = ?
                    WHERE direction = 'outbound' AND status = 'queued' AND id IN (\(SQLPlaceholders.list(chunk.count)))
                      AND NOT EXISTS (\(Self.olderUnsent(of: "messages")))
                    RETURNING id
                    """,
                    binds
                )
                marked += try rows.map { try $0.messageID() }
            }
            return marked
        }
    }

    /// Entries left `sending` by a process that stopped mid-attempt: their outcome is unknown,
    /// so they are queued again and marked possibly duplicated. Returns how many.
    @discardableResult
    public func recoverInterruptedSends(at date: Date) async throws -> Int {
        try await withWriteTransaction { db in
            try db.query(
                """
                UPDATE messages SET status = 'queued', possibly_duplicated = 1, next_attempt_at = ?, updated_at = ?
                WHERE direction = 'outbound' AND status = 'sending'
                RETURNING id
                """,
                [.timestamp(date), .timestamp(date)]
            ).count
        }
    }

    /// Records the attempt in `send_attempts` and applies it to an entry still queued or being
    /// sent: an entry already accepted or failed is never changed (in particular never re-queued).
    /// Concurrent outcomes are recorded together (one statement per kind for the batch).
    public func recordSendOutcome(_ id: MessageID, outcome: SendOutcome, at date: Date) async throws {
        try await sendOutcomes.submit(RecordedSendOutcome(id: id, outcome: outcome, date: date)) { batch in
            try await self.recordSendOutcomes(batch)
            return Array(repeating: (), count: batch.count)
        }
    }

    private func recordSendOutcomes(_ batch: [RecordedSendOutcome]) async throws {
        try await withWriteTransaction { db in
            // Every attempt, numbered after the attempts already made.
            for chunk in batch.chunked(into: SQLPlaceholders.maxRows(columns: 4)) {
                var binds: [SQLiteValue] = []
                for item in chunk { binds += [.int64(item.id.rawValue), .text(item.label), .optionalText(item.detail), .timestamp(item.date)] }
                _ = try db.query(
                    """
                    INSERT INTO send_attempts (message_id, attempt, outcome, detail, at)
                    SELECT v.column1, m.attempts + 1, v.column2, v.column3, v.column4
                    FROM (VALUES \(SQLPlaceholders.rows(chunk.count, columns: 4))) AS v
                    JOIN messages m ON m.id = v.column1 AND m.direction = 'outbound'
                    """,
                    binds
                )
            }
            // One UPDATE per kind of outcome, each joined to its rows' values; an entry already
            // accepted or failed is never changed.
            var accepted: [[SQLiteValue]] = []
            var retries: [[SQLiteValue]] = []
            var failures: [[SQLiteValue]] = []
            for item in batch {
                let id = SQLiteValue.int64(item.id.rawValue)
                let change = item.transition
                switch change.status {
                case .accepted:
                    accepted.append([id, .optionalText(change.providerMessageID), .timestamp(change.sentAt ?? change.at)])
                case .queued:
                    retries.append([id, .timestamp(change.nextAttemptAt ?? change.at), .flag(change.marksPossiblyDuplicated), .optionalText(change.errorMessage), .timestamp(change.at)])
                case .failed:
                    let code: SQLiteValue
                    if case .set(let value) = change.errorCode { code = .text(value) } else { code = .null }
                    failures.append([id, code, .optionalText(change.errorMessage), .timestamp(change.at)])
                case .sending, .dropped:
                    continue
                }
            }
            try Self.updateOutboxEntries(
                db, accepted,
                set: """
                    status = 'accepted', provider_message_id = v.column2, sent_at = v.column3, attempts = attempts + 1,
                    error_code = NULL, error_message = NULL, updated_at = v.column3
                    """
            )
            try Self.updateOutboxEntries(
                db, retries,
                set: """
                    status = 'queued', attempts = attempts + 1, next_attempt_at = v.column2,
                    possibly_duplicated = (possibly_duplicated OR v.column3), error_message = v.column4, updated_at = v.column5
                    """
            )
            try Self.updateOutboxEntries(
                db, failures,
                set: """
                    status = 'failed', error_code = COALESCE(v.column2, error_code), error_message = v.column3, attempts = attempts + 1,
                    updated_at = v.column4
                    """
            )
        }
    }

    /// `UPDATE messages SET <set> FROM (VALUES rows) AS v` for outbox entries still queued or
    /// being sent; each row starts with the message id (`v.column1`).
    private static func updateOutboxEntries(_ db: SQLiteSession, _ rows: [[SQLiteValue]], set: String) throws {
        guard let columns = rows.first?.count else { return }
        for chunk in rows.chunked(into: SQLPlaceholders.maxRows(columns: columns)) {
            _ = try db.query(
                """
                UPDATE messages
                SET \(set)
                FROM (VALUES \(SQLPlaceholders.rows(chunk.count, columns: columns))) AS v
                WHERE messages.id = v.column1 AND messages.direction = 'outbound' AND messages.status IN (\(OutboxTransition.changeableStatusesSQL))
                """,
                chunk.flatMap { $0 }
            )
        }
    }
}
