import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    static let actionColumns = """
        id, tenant_id, chatbot_id, contact_id, request_type, request_details, context_data, requested_amount, priority, status, \
        user_response, auto_approve_similar, auto_approved, created_at, expires_at, resolved_at, resolved_by, outcome_delivered_at
        """

    public func createAction(_ draft: ActionDraft, dailyLimit: Int?, dayStart: Date) async throws -> ActionCreation {
        let context = try draft.context.encoded()
        return try await withWriteTransaction { db in
            let tenant = draft.tenantID.rawValue
            if let dailyLimit {
                let counted = try db.query(
                    "SELECT COUNT(*) AS n FROM actions WHERE tenant_id = ? AND created_at >= ?", [.text(tenant), .timestamp(dayStart)]
                )
                if ActionRules.isOverDailyLimit(created: try counted.first?.int("n") ?? 0, limit: dailyLimit) { return .dailyLimitReached(limit: dailyLimit) }
            }
            // An approval with auto_approve_similar of the same type covers this request when its
            // amount is at least as large (requests without an amount match only such approvals).
            let rules: [SQLiteResultRow]
            if let amount = draft.requestedAmount {
                rules = try db.query(
                    """
                    SELECT id, user_response FROM actions
                    WHERE tenant_id = ? AND request_type = ? AND status = 'approved' AND auto_approve_similar = 1 AND requested_amount >= ?
                    ORDER BY id DESC LIMIT 1
                    """,
                    [.text(tenant), .text(draft.requestType), .float(amount)]
                )
            } else {
                rules = try db.query(
                    """
                    SELECT id, user_response FROM actions
                    WHERE tenant_id = ? AND request_type = ? AND status = 'approved' AND auto_approve_similar = 1 AND requested_amount IS NULL
                    ORDER BY id DESC LIMIT 1
                    """,
                    [.text(tenant), .text(draft.requestType)]
                )
            }
            let rule = try rules.first.map { ActionRules.CoveringApproval(id: try $0.int64("id"), response: try $0.optionalText("user_response")) }
            let admission = ActionRules.admission(of: draft, coveredBy: rule)
            let rows = try db.query(
                """
                INSERT INTO actions (
                    tenant_id, chatbot_id, contact_id, request_type, request_details, context_data, requested_amount, priority, status,
                    user_response, auto_approve_similar, auto_approved, created_at, expires_at, resolved_at, resolved_by, outcome_delivered_at
                )
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
                RETURNING \(Self.actionColumns)
                """,
                [
                    .text(tenant), .text(draft.chatbotID.rawValue), .int64(draft.contactID.rawValue), .text(draft.requestType), .text(draft.details),
                    .text(context), .optionalDouble(draft.requestedAmount), .text(draft.priority.rawValue), .text(admission.status.rawValue),
                    .optionalText(admission.response), .flag(admission.autoApproved), .timestamp(draft.createdAt), .timestamp(draft.expiresAt),
                    .timestamp(admission.resolvedAt), .optionalText(admission.resolvedBy), .timestamp(admission.deliveredAt),
                ]
            )
            guard let row = rows.first else { throw SQLiteStoreError.unexpectedResult("action INSERT returned no row") }
            let record = try Self.actionRecord(from: row)
            try self.bumpUsage(db, tenantID: draft.tenantID, UsageIncrements(actionsCreated: 1), at: draft.createdAt)
            try self.insertEvent(db, ActionRules.createdEvent(record, coveredBy: rule))
            return ActionRules.creation(record, coveredBy: rule)
        }
    }

    public func actions(tenantID: TenantID, status: ActionStatus?, limit: Int, offset: Int) async throws -> [ActionRecord] {
        let rows: [SQLiteResultRow]
        if let status {
            rows = try await read(
                "SELECT \(Self.actionColumns) FROM actions WHERE tenant_id = ? AND status = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                [.text(tenantID.rawValue), .text(status.rawValue), .int(max(0, limit)), .int(max(0, offset))]
            )
        } else {
            rows = try await read(
                "SELECT \(Self.actionColumns) FROM actions WHERE tenant_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                [.text(tenantID.rawValue), .int(max(0, limit)), .int(max(0, offset))]
            )
        }
        return try rows.map(Self.actionRecord(from:))
    }

    public func action(tenantID: TenantID, id: Int64) async throws -> ActionRecord? {
        let rows = try await read("SELECT \(Self.actionColumns) FROM actions WHERE tenant_id = ? AND id = ?", [.text(tenantID.rawValue), .int64(id)])
        return try rows.first.map(Self.actionRecord(from:))
    }

    public func resolveAction(tenantID: TenantID, id: Int64, decision: ActionDecision) async throws -> ActionResolveResult {
        try ActionRules.validate(decision)
        return try await withWriteTransaction { db in
            let rows = try db.query(
                """
                UPDATE actions SET status = ?, user_response = ?, auto_approve_similar = ?, resolved_at = ?, resolved_by = ?
                WHERE tenant_id = ? AND id = ? AND status = 'pending'
                RETURNING \(Self.actionColumns)
                """,
                [
                    .text(decision.status.rawValue), .optionalText(decision.response), .flag(ActionRules.coversSimilar(decision)),
                    .timestamp(decision.at), .text(decision.resolvedBy), .text(tenantID.rawValue), .int64(id),
                ]
            )
            if let row = rows.first {
                let record = try Self.actionRecord(from: row)
                try self.insertEvent(db, ActionRules.resolvedEvent(record, at: decision.at))
                return .resolved(record)
            }
            let existing = try db.query(
                "SELECT \(Self.actionColumns) FROM actions WHERE tenant_id = ? AND id = ?", [.text(tenantID.rawValue), .int64(id)]
            )
            guard let row = existing.first else { return .notFound }
            return .alreadyResolved(try Self.actionRecord(from: row))
        }
    }

    public func expireActions(tenantID: TenantID, now: Date) async throws -> [ActionRecord] {
        try await withWriteTransaction { db in
            let rows = try db.query(
                """
                UPDATE actions SET status = 'expired', resolved_at = ?, resolved_by = ?
                WHERE tenant_id = ? AND status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ?
                RETURNING \(Self.actionColumns)
                """,
                [.timestamp(now), .text(ActionRules.expiryResolver), .text(tenantID.rawValue), .timestamp(now)]
            )
            let records = try rows.map(Self.actionRecord(from:)).sorted { $0.id < $1.id }
            for record in records { try self.insertEvent(db, ActionRules.resolvedEvent(record, at: now)) }
            return records
        }
    }

    public func actionsCreated(tenantID: TenantID, since date: Date) async throws -> Int {
        let rows = try await read("SELECT COUNT(*) AS n FROM actions WHERE tenant_id = ? AND created_at >= ?", [.text(tenantID.rawValue), .timestamp(date)])
        return try rows.first?.int("n") ?? 0
    }

    public func undeliveredResolutions(tenantID: TenantID, resolvedBefore: Date, limit: Int) async throws -> [ActionRecord] {
        let rows = try await read(
            """
            SELECT \(Self.actionColumns) FROM actions
            WHERE tenant_id = ? AND status <> 'pending' AND outcome_delivered_at IS NULL AND resolved_at <= ?
            ORDER BY resolved_at, id
            LIMIT ?
            """,
            [.text(tenantID.rawValue), .timestamp(resolvedBefore), .int(max(0, limit))]
        )
        return try rows.map(Self.actionRecord(from:))
    }

    public func markResolutionDelivered(tenantID: TenantID, actionID: Int64, at date: Date) async throws {
        try await withWriteTransaction { db in
            _ = try db.query(
                "UPDATE actions SET outcome_delivered_at = ? WHERE tenant_id = ? AND id = ? AND outcome_delivered_at IS NULL",
                [.timestamp(date), .text(tenantID.rawValue), .int64(actionID)]
            )
        }
    }

    static func actionRecord(from row: SQLiteResultRow) throws -> ActionRecord {
        ActionRecord(
            id: try row.int64("id"), tenantID: try row.tenantID(), chatbotID: try row.chatbotID(), contactID: try row.contactID(),
            requestType: try row.text("request_type"), details: try row.text("request_details"),
            context: ActionContext.decoded(try row.text("context_data")), requestedAmount: try row.optionalDouble("requested_amount"),
            priority: ActionPriority(rawValue: try row.text("priority")) ?? .medium, status: try row.raw("status", as: ActionStatus.self),
            response: try row.optionalText("user_response"), autoApproveSimilar: try row.flag("auto_approve_similar"),
            autoApproved: try row.flag("auto_approved"), createdAt: try row.timestamp("created_at"), expiresAt: try row.optionalTimestamp("expires_at"),
            resolvedAt: try row.optionalTimestamp("resolved_at"), resolvedBy: try row.optionalText("resolved_by"),
            deliveredAt: try row.optionalTimestamp("outcome_delivered_at")
        )
    }
}
