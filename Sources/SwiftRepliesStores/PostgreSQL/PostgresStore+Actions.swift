import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    /// The columns `actionRecord(from:)` reads, in its order (fixed SQL).
    static let actionColumns = """
        id, tenant_id, chatbot_id, contact_id, request_type, request_details, context_data::text, requested_amount, priority, status, \
        user_response, auto_approve_similar, auto_approved, created_at, expires_at, resolved_at, resolved_by, outcome_delivered_at
        """

    public func createAction(_ draft: ActionDraft, dailyLimit: Int?, dayStart: Date) async throws -> ActionCreation {
        let context = try draft.context.encoded()
        let tenant = draft.tenantID.rawValue
        return try await tenantTransaction(draft.tenantID) { connection in
            // One creation of the tenant at a time, so the daily count holds under concurrency.
            try await self.lockTenantCount(connection, scope: "actions", tenant: draft.tenantID)
            if let dailyLimit {
                let created = try await Self.integer(
                    try await connection.query(
                        "SELECT COUNT(*) FROM actions WHERE tenant_id = \(tenant) AND created_at >= \(dayStart)", logger: self.logger
                    )
                )
                if ActionRules.isOverDailyLimit(created: created, limit: dailyLimit) { return .dailyLimitReached(limit: dailyLimit) }
            }
            // An approval with auto_approve_similar of the same type covers this request when its
            // amount is at least as large (requests without an amount match only such approvals).
            let rules = try await connection.query(
                """
                SELECT id, user_response FROM actions
                WHERE tenant_id = \(tenant) AND request_type = \(draft.requestType) AND status = 'approved' AND auto_approve_similar
                  AND CASE WHEN \(draft.requestedAmount)::double precision IS NULL THEN requested_amount IS NULL
                           ELSE requested_amount >= \(draft.requestedAmount)::double precision END
                ORDER BY id DESC LIMIT 1
                """,
                logger: self.logger
            )
            let rule = try await Self.first(rules) { try $0.decode((Int64, String?).self) }.map { ActionRules.CoveringApproval(id: $0.0, response: $0.1) }
            let admission = ActionRules.admission(of: draft, coveredBy: rule)
            let rows = try await connection.query(
                """
                INSERT INTO actions (
                    tenant_id, chatbot_id, contact_id, request_type, request_details, context_data, requested_amount, priority, status,
                    user_response, auto_approve_similar, auto_approved, created_at, expires_at, resolved_at, resolved_by, outcome_delivered_at
                )
                VALUES (
                    \(tenant), \(draft.chatbotID.rawValue), \(draft.contactID.rawValue), \(draft.requestType), \(draft.details), \(context)::jsonb,
                    \(draft.requestedAmount), \(draft.priority.rawValue), \(admission.status.rawValue), \(admission.response), false,
                    \(admission.autoApproved), \(draft.createdAt), \(draft.expiresAt), \(admission.resolvedAt), \(admission.resolvedBy),
                    \(admission.deliveredAt)
                )
                RETURNING \(unescaped: Self.actionColumns)
                """,
                logger: self.logger
            )
            guard let record = try await Self.first(rows, Self.actionRecord(from:)) else {
                throw PostgresStoreError.unexpectedResult("action INSERT returned no row")
            }
            try await self.bumpUsage(connection, tenantID: draft.tenantID, UsageIncrements(actionsCreated: 1), at: draft.createdAt)
            try await self.insertEvent(connection, ActionRules.createdEvent(record, coveredBy: rule))
            return ActionRules.creation(record, coveredBy: rule)
        }
    }

    public func actions(tenantID: TenantID, status: ActionStatus?, limit: Int, offset: Int) async throws -> [ActionRecord] {
        let limit = max(0, limit), offset = max(0, offset)
        return try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.actionColumns) FROM actions
                WHERE tenant_id = \(tenantID.rawValue) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)::text)
                ORDER BY id DESC
                LIMIT \(limit) OFFSET \(offset)
                """,
                logger: self.logger
            )
            return try await Self.all(rows, Self.actionRecord(from:))
        }
    }

    public func action(tenantID: TenantID, id: Int64) async throws -> ActionRecord? {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.actionColumns) FROM actions WHERE tenant_id = \(tenantID.rawValue) AND id = \(id)", logger: self.logger
            )
            return try await Self.first(rows, Self.actionRecord(from:))
        }
    }

    public func resolveAction(tenantID: TenantID, id: Int64, decision: ActionDecision) async throws -> ActionResolveResult {
        try ActionRules.validate(decision)
        let autoApproveSimilar = ActionRules.coversSimilar(decision)
        return try await tenantTransaction(tenantID) { connection in
            // Under concurrent decisions the second UPDATE waits for the first, then finds the
            // action no longer pending: one decision wins.
            let rows = try await connection.query(
                """
                UPDATE actions
                SET status = \(decision.status.rawValue), user_response = \(decision.response), auto_approve_similar = \(autoApproveSimilar),
                    resolved_at = \(decision.at), resolved_by = \(decision.resolvedBy)
                WHERE tenant_id = \(tenantID.rawValue) AND id = \(id) AND status = 'pending'
                RETURNING \(unescaped: Self.actionColumns)
                """,
                logger: self.logger
            )
            if let record = try await Self.first(rows, Self.actionRecord(from:)) {
                try await self.insertEvent(connection, ActionRules.resolvedEvent(record, at: decision.at))
                return .resolved(record)
            }
            let existing = try await connection.query(
                "SELECT \(unescaped: Self.actionColumns) FROM actions WHERE tenant_id = \(tenantID.rawValue) AND id = \(id)", logger: self.logger
            )
            guard let record = try await Self.first(existing, Self.actionRecord(from:)) else { return .notFound }
            return .alreadyResolved(record)
        }
    }

    public func expireActions(tenantID: TenantID, now: Date) async throws -> [ActionRecord] {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                UPDATE actions SET status = 'expired', resolved_at = \(now), resolved_by = \(ActionRules.expiryResolver)
                WHERE tenant_id = \(tenantID.rawValue) AND status = 'pending' AND expires_at IS NOT NULL AND expires_at <= \(now)
                RETURNING \(unescaped: Self.actionColumns)
                """,
                logger: self.logger
            )
            let records = try await Self.all(rows, Self.actionRecord(from:)).sorted { $0.id < $1.id }
            for record in records { try await self.insertEvent(connection, ActionRules.resolvedEvent(record, at: now)) }
            return records
        }
    }

    public func actionsCreated(tenantID: TenantID, since date: Date) async throws -> Int {
        try await tenantTransaction(tenantID) { connection in
            try await Self.integer(
                try await connection.query(
                    "SELECT COUNT(*) FROM actions WHERE tenant_id = \(tenantID.rawValue) AND created_at >= \(date)", logger: self.logger
                )
            )
        }
    }

    public func undeliveredResolutions(tenantID: TenantID, resolvedBefore: Date, limit: Int) async throws -> [ActionRecord] {
        let limit = max(0, limit)
        return try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.actionColumns) FROM actions
                WHERE tenant_id = \(tenantID.rawValue) AND status <> 'pending' AND outcome_delivered_at IS NULL AND resolved_at <= \(resolvedBefore)
                ORDER BY resolved_at, id
                LIMIT \(limit)
                """,
                logger: self.logger
            )
            return try await Self.all(rows, Self.actionRecord(from:))
        }
    }

    public func markResolutionDelivered(tenantID: TenantID, actionID: Int64, at date: Date) async throws {
        try await tenantTransaction(tenantID) { connection in
            _ = try await connection.query(
                """
                UPDATE actions SET outcome_delivered_at = \(date)
                WHERE tenant_id = \(tenantID.rawValue) AND id = \(actionID) AND outcome_delivered_at IS NULL
                """,
                logger: self.logger
            )
        }
    }

    /// An action from the columns `actionColumns` lists, in that order.
    static func actionRecord(from row: PostgresRow) throws -> ActionRecord {
        typealias Columns = (
            Int64, String, String, Int64, String, String, String, Double?, String, String, String?, Bool, Bool, Date, Date?, Date?, String?, Date?
        )
        let (id, tenant, chatbot, contact, requestType, details, context, amount, priority, status, response, autoApproveSimilar, autoApproved,
             createdAt, expiresAt, resolvedAt, resolvedBy, deliveredAt) = try row.decode(Columns.self)
        guard let status = ActionStatus(rawValue: status) else { throw PostgresStoreError.unexpectedResult("action \(id) has status '\(status)'") }
        return ActionRecord(
            id: id, tenantID: TenantID(tenant), chatbotID: ChatbotID(chatbot), contactID: ContactID(contact), requestType: requestType, details: details,
            context: ActionContext.decoded(context), requestedAmount: amount, priority: ActionPriority(rawValue: priority) ?? .medium, status: status,
            response: response, autoApproveSimilar: autoApproveSimilar, autoApproved: autoApproved, createdAt: createdAt, expiresAt: expiresAt,
            resolvedAt: resolvedAt, resolvedBy: resolvedBy, deliveredAt: deliveredAt
        )
    }
}
