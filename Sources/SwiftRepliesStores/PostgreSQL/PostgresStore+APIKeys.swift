import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    /// The columns `apiKey(from:)` reads, in its order (fixed SQL).
    static let apiKeyColumns = "id, tenant_id, key_name, api_key_hash, permissions::text, last_used, expires_at, is_active, revoked_at, created_at, rate_limit_per_hour"

    public func createAPIKey(_ key: NewAPIKey, maximumActive: Int?) async throws -> APIKeyRecord {
        let scopes = try OperationsJSON.encode(key.scopes)
        let tenant = key.tenantID.rawValue
        return try await tenantWork(key.tenantID) { connection in
            try await self.lockTenantCount(connection, scope: "api_keys", tenant: key.tenantID)
            let existing = try await Self.first(
                try await connection.query(
                    "SELECT id, is_active FROM api_keys WHERE tenant_id = \(tenant) AND key_name = \(key.name)", logger: self.logger
                )
            ) { try $0.decode((Int64, Bool).self) }
            if let existing, existing.1 { return .failure(.duplicate("an API key named '\(key.name)'")) }
            let limit = SubscriptionLimit.apiKeys(maximumActive)
            if limit.needsCount {
                let active = try await Self.integer(
                    try await connection.query(
                        """
                        SELECT COUNT(*) FROM api_keys
                        WHERE tenant_id = \(tenant) AND is_active AND (expires_at IS NULL OR expires_at > \(key.createdAt))
                        """,
                        logger: self.logger
                    )
                )
                if let refusal = limit.refusal(existing: active) { return .failure(refusal) }
            }
            if let (id, _) = existing {
                // A revoked key keeps its row (and hash), renamed out of the way.
                try await connection.query(
                    "UPDATE api_keys SET key_name = \("\(key.name)@revoked-\(id)") WHERE tenant_id = \(tenant) AND id = \(id)", logger: self.logger
                )
            }
            let rows = try await connection.query(
                """
                INSERT INTO api_keys (tenant_id, key_name, api_key_hash, permissions, expires_at, is_active, created_at, rate_limit_per_hour)
                VALUES (\(tenant), \(key.name), \(key.hash), \(scopes)::jsonb, \(key.expiresAt), true, \(key.createdAt), \(key.rateLimitPerHour))
                RETURNING \(unescaped: Self.apiKeyColumns)
                """,
                logger: self.logger
            )
            guard let record = try await Self.first(rows, Self.apiKey(from:)) else {
                throw PostgresStoreError.unexpectedResult("API key INSERT returned no row")
            }
            return .success(record)
        }
    }

    public func apiKeys(tenantID: TenantID) async throws -> [APIKeyRecord] {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.apiKeyColumns) FROM api_keys WHERE tenant_id = \(tenantID.rawValue) ORDER BY id", logger: self.logger
            )
            return try await Self.all(rows, Self.apiKey(from:))
        }
    }

    public func revokeAPIKey(tenantID: TenantID, name: String, at date: Date) async throws -> APIKeyRecord? {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                UPDATE api_keys SET is_active = false, revoked_at = \(date)
                WHERE tenant_id = \(tenantID.rawValue) AND key_name = \(name) AND is_active
                RETURNING \(unescaped: Self.apiKeyColumns)
                """,
                logger: self.logger
            )
            return try await Self.first(rows, Self.apiKey(from:))
        }
    }

    public func recordAPICall(tenantID: TenantID, keyID: Int64, at date: Date) async throws {
        try await tenantTransaction(tenantID) { connection in
            try await connection.query(
                "UPDATE api_keys SET last_used = \(date) WHERE tenant_id = \(tenantID.rawValue) AND id = \(keyID)", logger: self.logger
            )
            try await self.bumpUsage(connection, tenantID: tenantID, UsageIncrements(apiCalls: 1), at: date)
        }
    }

    /// A key from `SELECT` (or `RETURNING`) of the columns `apiKeyColumns` lists, in that order.
    static func apiKey(from row: PostgresRow) throws -> APIKeyRecord {
        let (id, tenant, name, hash, permissions, lastUsed, expiresAt, isActive, revokedAt, createdAt, rateLimit) = try row.decode(
            (Int64, String, String, String, String, Date?, Date?, Bool, Date?, Date, Int?).self
        )
        return APIKeyRecord(
            id: id, tenantID: TenantID(tenant), name: name, hash: hash, scopes: OperationsJSON.strings(permissions), createdAt: createdAt,
            expiresAt: expiresAt, lastUsed: lastUsed, isActive: isActive, revokedAt: revokedAt, rateLimitPerHour: rateLimit
        )
    }
}
