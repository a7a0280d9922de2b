import Foundation
import SQLKit
import SwiftRepliesCore

/// The REST API's keys (`api_keys`, SHA-256 hashes only), one SQL implementation for SQLite and
/// PostgreSQL; the cap is `SubscriptionLimit.apiKeys`.
struct APIKeySQL: APIKeyStore {
    let database: any SharedSQLDatabase

    /// An `api_keys` row as both schemas hold it (`permissions` read as JSON text).
    private struct Row: Decodable, Sendable {
        var id: Int64
        var tenant_id: String
        var key_name: String
        var api_key_hash: String
        var permissions: String
        var last_used: Date?
        var expires_at: Date?
        var is_active: Bool
        var revoked_at: Date?
        var created_at: Date
        var rate_limit_per_hour: Int?

        var record: APIKeyRecord {
            APIKeyRecord(
                id: id, tenantID: TenantID(tenant_id), name: key_name, hash: api_key_hash, scopes: OperationsJSON.strings(permissions),
                createdAt: created_at, expiresAt: expires_at, lastUsed: last_used, isActive: is_active, revokedAt: revoked_at,
                rateLimitPerHour: rate_limit_per_hour
            )
        }
    }

    private func columns(_ dialect: SharedSQLDialect) -> [any SQLExpression] {
        ["id", "tenant_id", "key_name", "api_key_hash"].map { SQLIdentifier($0) } + [dialect.jsonText("permissions")]
            + ["last_used", "expires_at", "is_active", "revoked_at", "created_at", "rate_limit_per_hour"].map { SQLIdentifier($0) }
    }

    func createAPIKey(_ key: NewAPIKey, maximumActive: Int?) async throws -> APIKeyRecord {
        let dialect = database.dialect
        let columns = columns(dialect)
        return try await database.withTenantTransaction(key.tenantID) { db in
            let tenant = key.tenantID.rawValue
            if let lock = dialect.countLock("api_keys", tenant: tenant) { try await db.execute(sql: lock) { _ in } }
            struct Existing: Decodable { var id: Int64; var is_active: Bool }
            let existing = try await db.select().columns("id", "is_active").from("api_keys")
                .where("tenant_id", .equal, tenant).where("key_name", .equal, key.name)
                .first(decoding: Existing.self)
            if let existing, existing.is_active { throw OperatorStoreError.duplicate("an API key named '\(key.name)'") }
            let limit = SubscriptionLimit.apiKeys(maximumActive)
            if limit.needsCount {
                let active = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("api_keys")
                    .where("tenant_id", .equal, tenant)
                    .where("is_active", .equal, SQLLiteral.boolean(true))
                    .where(SQLGroupExpression([SQLQueryString("expires_at IS NULL OR expires_at > \(dialect.timestamp(key.createdAt))")]))
                    .first(decodingColumn: "n", as: Int.self) ?? 0
                if let refusal = limit.refusal(existing: active) { throw refusal }
            }
            if let existing {
                // A revoked key keeps its row (and hash), renamed out of the way.
                try await db.update("api_keys").set("key_name", to: "\(key.name)@revoked-\(existing.id)")
                    .where("tenant_id", .equal, tenant).where("id", .equal, existing.id)
                    .run()
            }
            let row = try await db.insert(into: "api_keys")
                .columns("tenant_id", "key_name", "api_key_hash", "permissions", "expires_at", "is_active", "created_at", "rate_limit_per_hour")
                .values(
                    SQLBind(tenant), SQLBind(key.name), SQLBind(key.hash), dialect.json(key.scopes), SQLBind(key.expiresAt), SQLLiteral.boolean(true),
                    dialect.timestamp(key.createdAt), SQLBind(key.rateLimitPerHour)
                )
                .returning(columns)
                .first(decoding: Row.self)
            guard let row else { throw SharedSQLError.unexpectedResult("API key INSERT returned no row") }
            return row.record
        }
    }

    func apiKeys(tenantID: TenantID) async throws -> [APIKeyRecord] {
        let columns = columns(database.dialect)
        return try await database.read(tenant: tenantID) { db in
            try await db.select().columns(columns).from("api_keys")
                .where("tenant_id", .equal, tenantID.rawValue)
                .orderBy("id")
                .all(decoding: Row.self)
                .map(\.record)
        }
    }

    func revokeAPIKey(tenantID: TenantID, name: String, at date: Date) async throws -> APIKeyRecord? {
        let dialect = database.dialect
        let columns = columns(dialect)
        return try await database.withTenantTransaction(tenantID) { db in
            try await db.update("api_keys")
                .set("is_active", to: SQLLiteral.boolean(false))
                .set("revoked_at", to: dialect.timestamp(date))
                .where("tenant_id", .equal, tenantID.rawValue)
                .where("key_name", .equal, name)
                .where("is_active", .equal, SQLLiteral.boolean(true))
                .returning(columns)
                .first(decoding: Row.self)?
                .record
        }
    }

    func recordAPICall(tenantID: TenantID, keyID: Int64, at date: Date) async throws {
        let dialect = database.dialect
        try await database.withTenantTransaction(tenantID) { db in
            try await db.update("api_keys").set("last_used", to: dialect.timestamp(date))
                .where("tenant_id", .equal, tenantID.rawValue).where("id", .equal, keyID)
                .run()
            try await UsageTrackingSQL(dialect: dialect).add(UsageIncrements(apiCalls: 1), tenant: tenantID, at: date, on: db)
        }
    }
}
