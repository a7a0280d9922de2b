import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    /// The columns `takeoverRecord(from:)` reads, in its order (fixed SQL).
    static let takeoverColumns = "id, tenant_id, chatbot_id, contact_id, started_by, started_at, released_at"
    /// The columns `webhookRecord(from:)` reads, in its order (fixed SQL).
    static let webhookColumns = "id, tenant_id, chatbot_id, url, events::text, secret_token, is_active, created_at"

    public func activeTakeover(tenantID: TenantID, contactID: ContactID) async throws -> TakeoverRecord? {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.run(ActiveTakeoverSQL.self, tenantID.rawValue, contactID.rawValue, logger: self.logger)
            return try await Self.first(rows, Self.takeoverRecord(from:))
        }
    }

    /// A contact's active takeover (every turn asks).
    enum ActiveTakeoverSQL: PreparedSQL {
        static let sql = "SELECT \(PostgresStore.takeoverColumns) FROM takeovers WHERE tenant_id = $1 AND contact_id = $2 AND released_at IS NULL"
    }

    public func startTakeover(tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID, startedBy: String, at date: Date) async throws -> TakeoverStart {
        try await tenantTransaction(tenantID) { connection in
            // A concurrent start waits on the unique index of active takeovers, then inserts nothing.
            let rows = try await connection.query(
                """
                INSERT INTO takeovers (tenant_id, chatbot_id, contact_id, started_by, started_at)
                VALUES (\(tenantID.rawValue), \(chatbotID.rawValue), \(contactID.rawValue), \(startedBy), \(date))
                ON CONFLICT (tenant_id, contact_id) WHERE released_at IS NULL DO NOTHING
                RETURNING \(unescaped: Self.takeoverColumns)
                """,
                logger: self.logger
            )
            if let record = try await Self.first(rows, Self.takeoverRecord(from:)) {
                try await self.bumpUsage(connection, tenantID: tenantID, TakeoverRules.startUsage, at: date)
                try await self.insertEvent(connection, TakeoverRules.startedEvent(record, at: date))
                return .started(record)
            }
            let active = try await connection.query(
                """
                SELECT \(unescaped: Self.takeoverColumns) FROM takeovers
                WHERE tenant_id = \(tenantID.rawValue) AND contact_id = \(contactID.rawValue) AND released_at IS NULL
                """,
                logger: self.logger
            )
            guard let record = try await Self.first(active, Self.takeoverRecord(from:)) else {
                throw PostgresStoreError.unexpectedResult("takeover conflict without an active takeover")
            }
            return .alreadyActive(record)
        }
    }

    public func releaseTakeover(tenantID: TenantID, contactID: ContactID, at date: Date) async throws -> TakeoverRecord? {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                UPDATE takeovers SET released_at = \(date)
                WHERE tenant_id = \(tenantID.rawValue) AND contact_id = \(contactID.rawValue) AND released_at IS NULL
                RETURNING \(unescaped: Self.takeoverColumns)
                """,
                logger: self.logger
            )
            guard let record = try await Self.first(rows, Self.takeoverRecord(from:)) else { return nil }
            try await self.insertEvent(connection, TakeoverRules.releasedEvent(record, at: date))
            return record
        }
    }

    public func webhooks(tenantID: TenantID) async throws -> [WebhookRecord] {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.webhookColumns) FROM webhooks WHERE tenant_id = \(tenantID.rawValue) AND is_active ORDER BY id",
                logger: self.logger
            )
            return try await Self.all(rows, Self.webhookRecord(from:))
        }
    }

    public func createWebhook(_ draft: WebhookDraft, maximum: Int?) async throws -> WebhookRecord {
        let events = try OperationsJSON.encode(draft.events)
        let tenant = draft.tenantID.rawValue
        return try await tenantWork(draft.tenantID) { connection in
            let limit = SubscriptionLimit.webhooks(maximum)
            if limit.needsCount {
                try await self.lockTenantCount(connection, scope: "webhooks", tenant: draft.tenantID)
                let active = try await Self.integer(
                    try await connection.query("SELECT COUNT(*) FROM webhooks WHERE tenant_id = \(tenant) AND is_active", logger: self.logger)
                )
                if let refusal = limit.refusal(existing: active) { return .failure(refusal) }
            }
            let rows = try await connection.query(
                """
                INSERT INTO webhooks (tenant_id, chatbot_id, url, events, secret_token, is_active, created_at)
                VALUES (\(tenant), \(draft.chatbotID?.rawValue), \(draft.url), \(events)::jsonb, \(draft.secret), true, \(draft.createdAt))
                RETURNING \(unescaped: Self.webhookColumns)
                """,
                logger: self.logger
            )
            guard let record = try await Self.first(rows, Self.webhookRecord(from:)) else {
                throw PostgresStoreError.unexpectedResult("webhook INSERT returned no row")
            }
            return .success(record)
        }
    }

    public func deleteWebhook(tenantID: TenantID, id: Int64) async throws -> Bool {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                "DELETE FROM webhooks WHERE tenant_id = \(tenantID.rawValue) AND id = \(id) RETURNING id", logger: self.logger
            )
            return try await Self.count(rows) > 0
        }
    }

    /// A takeover from the columns `takeoverColumns` lists, in that order.
    static func takeoverRecord(from row: PostgresRow) throws -> TakeoverRecord {
        let (id, tenant, chatbot, contact, startedBy, startedAt, releasedAt) = try row.decode((Int64, String, String, Int64, String?, Date, Date?).self)
        return TakeoverRecord(
            id: id, tenantID: TenantID(tenant), chatbotID: ChatbotID(chatbot), contactID: ContactID(contact), startedBy: startedBy,
            startedAt: startedAt, releasedAt: releasedAt
        )
    }

    /// A subscription from the columns `webhookColumns` lists, in that order.
    static func webhookRecord(from row: PostgresRow) throws -> WebhookRecord {
        let (id, tenant, chatbot, url, events, secret, isActive, createdAt) = try row.decode((Int64, String, String?, String, String, String?, Bool, Date).self)
        return WebhookRecord(
            id: id, tenantID: TenantID(tenant), chatbotID: chatbot.map { ChatbotID($0) }, url: url, events: OperationsJSON.strings(events),
            secret: secret, isActive: isActive, createdAt: createdAt
        )
    }
}
