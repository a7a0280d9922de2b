import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    static let apiKeyColumns = "id, tenant_id, key_name, api_key_hash, permissions, last_used, expires_at, is_active, revoked_at, created_at, rate_limit_per_hour"

    public func createAPIKey(_ key: NewAPIKey, maximumActive: Int?) async throws -> APIKeyRecord {
        let scopes = try OperationsJSON.encode(key.scopes)
        return try await withWriteTransaction { db in
            let tenant = key.tenantID.rawValue
            let existing = try db.query(
                "SELECT id, is_active FROM api_keys WHERE tenant_id = ? AND key_name = ?", [.text(tenant), .text(key.name)]
            )
            if let row = existing.first {
                if try row.flag("is_active") { throw OperatorStoreError.duplicate("an API key named '\(key.name)'") }
                // A revoked key keeps its row (and hash), renamed out of the way.
                let id = try row.int64("id")
                _ = try db.query(
                    "UPDATE api_keys SET key_name = ? WHERE tenant_id = ? AND id = ?", [.text("\(key.name)@revoked-\(id)"), .text(tenant), .int64(id)]
                )
            }
            let limit = SubscriptionLimit.apiKeys(maximumActive)
            if limit.needsCount {
                let counted = try db.query(
                    "SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ? AND is_active = 1 AND (expires_at IS NULL OR expires_at > ?)",
                    [.text(tenant), .timestamp(key.createdAt)]
                )
                let active = try counted.first?.int("n") ?? 0
                if let refusal = limit.refusal(existing: active) { throw refusal }
            }
            let rows = try db.query(
                """
                INSERT INTO api_keys (tenant_id, key_name, api_key_hash, permissions, expires_at, is_active, created_at, rate_limit_per_hour)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?)
                RETURNING \(Self.apiKeyColumns)
                """,
                [.text(tenant), .text(key.name), .text(key.hash), .text(scopes), .timestamp(key.expiresAt), .timestamp(key.createdAt), .int(key.rateLimitPerHour)]
            )
            guard let row = rows.first else { throw SQLiteStoreError.unexpectedResult("API key INSERT returned no row") }
            return try Self.apiKey(from: row)
        }
    }

    public func apiKeys(tenantID: TenantID) async throws -> [APIKeyRecord] {
        let rows = try await read("SELECT \(Self.apiKeyColumns) FROM api_keys WHERE tenant_id = ? ORDER BY id", [.text(tenantID.rawValue)])
        return try rows.map(Self.apiKey(from:))
    }

    public func revokeAPIKey(tenantID: TenantID, name: String, at date: Date) async throws -> APIKeyRecord? {
        let rows = try await withWriteTransaction { db in
            try db.query(
                """
                UPDATE api_keys SET is_active = 0, revoked_at = ?
                WHERE tenant_id = ? AND key_name = ? AND is_active = 1
                RETURNING \(Self.apiKeyColumns)
                """,
                [.timestamp(date), .text(tenantID.rawValue), .text(name)]
            )
        }
        return try rows.first.map(Self.apiKey(from:))
    }

    public func recordAPICall(tenantID: TenantID, keyID: Int64, at date: Date) async throws {
        try await withWriteTransaction { db in
            _ = try db.query(
                "UPDATE api_keys SET last_used = ? WHERE tenant_id = ? AND id = ?", [.timestamp(date), .text(tenantID.rawValue), .int64(keyID)]
            )
            try self.bumpUsage(db, tenantID: tenantID, UsageIncrements(apiCalls: 1), at: date)
        }
    }

    static func apiKey(from row: SQLiteResultRow) throws -> APIKeyRecord {
        APIKeyRecord(
            id: try row.int64("id"), tenantID: try row.tenantID(), name: try row.text("key_name"), hash: try row.text("api_key_hash"),
            scopes: OperationsJSON.strings(try row.text("permissions")), createdAt: try row.timestamp("created_at"),
            expiresAt: try row.optionalTimestamp("expires_at"), lastUsed: try row.optionalTimestamp("last_used"), isActive: try row.flag("is_active"),
            revokedAt: try row.optionalTimestamp("revoked_at"), rateLimitPerHour: try row.optionalInt("rate_limit_per_hour")
        )
    }
}
