import Foundation
import SQLKit
import SwiftRepliesCore

/// Outgoing webhook subscriptions (`webhooks`), one SQL implementation for SQLite and
/// PostgreSQL (`SharedSQLDatabase`); the cap is `SubscriptionLimit.webhooks`.
struct WebhookSubscriptionSQL: WebhookSubscriptionStore {
    let database: any SharedSQLDatabase

    /// A `webhooks` row as both schemas hold it.
    private struct Row: Decodable, Sendable {
        var id: Int64
        var tenant_id: String
        var chatbot_id: String?
        var url: String
        var events: SQLJSON<[String]>
        var secret_token: String?
        var is_active: Bool
        var created_at: Date

        var record: WebhookRecord {
            WebhookRecord(
                id: id, tenantID: TenantID(tenant_id), chatbotID: chatbot_id.map { ChatbotID($0) }, url: url, events: events.value,
                secret: secret_token, isActive: is_active, createdAt: created_at
            )
        }
    }

    private static let columns = ["id", "tenant_id", "chatbot_id", "url", "events", "secret_token", "is_active", "created_at"]

    func webhooks(tenantID: TenantID) async throws -> [WebhookRecord] {
        try await database.read(tenant: tenantID) { db in
            try await db.select().columns(Self.columns.map { SQLIdentifier($0) })
                .from("webhooks")
                .where("tenant_id", .equal, tenantID.rawValue)
                .where("is_active", .equal, SQLLiteral.boolean(true))
                .orderBy("id")
                .all(decoding: Row.self)
                .map(\.record)
        }
    }

    func createWebhook(_ draft: WebhookDraft, maximum: Int?) async throws -> WebhookRecord {
        let dialect = database.dialect
        return try await database.withTenantTransaction(draft.tenantID) { db in
            let limit = SubscriptionLimit.webhooks(maximum)
            if limit.needsCount {
                if let lock = dialect.countLock("webhooks", tenant: draft.tenantID.rawValue) { try await db.execute(sql: lock) { _ in } }
                let active = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                    .from("webhooks")
                    .where("tenant_id", .equal, draft.tenantID.rawValue)
                    .where("is_active", .equal, SQLLiteral.boolean(true))
                    .first(decodingColumn: "n", as: Int.self) ?? 0
                if let refusal = limit.refusal(existing: active) { throw refusal }
            }
            let row = try await db.insert(into: "webhooks")
                .columns("tenant_id", "chatbot_id", "url", "events", "secret_token", "is_active", "created_at")
                .values(
                    SQLBind(draft.tenantID.rawValue), SQLBind(draft.chatbotID?.rawValue), SQLBind(draft.url), dialect.json(draft.events),
                    SQLBind(draft.secret), SQLLiteral.boolean(true), dialect.timestamp(draft.createdAt)
                )
                .returning(Self.columns.map { SQLIdentifier($0) })
                .first(decoding: Row.self)
            guard let row else { throw SharedSQLError.unexpectedResult("webhook INSERT returned no row") }
            return row.record
        }
    }

    func deleteWebhook(tenantID: TenantID, id: Int64) async throws -> Bool {
        try await database.withTenantTransaction(tenantID) { db in
            try await db.delete(from: "webhooks")
                .where("tenant_id", .equal, tenantID.rawValue)
                .where("id", .equal, id)
                .returning("id")
                .all()
                .count > 0
        }
    }
}
