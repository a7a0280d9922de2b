import Foundation

/// The tenant REST API's keys, stored as SHA-256 hashes only.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol APIKeyStore: Sendable {
    /// Stores a new key (its SHA-256 hash only). Throws `OperatorStoreError.duplicate` when an
    /// active key of the tenant has that name, `.limitReached` when the tenant already has
    /// `maximumActive` usable (active, unexpired) keys. A revoked key with the same name is
    /// renamed out of the way (kept for the record).
    func createAPIKey(_ key: NewAPIKey, maximumActive: Int?) async throws -> APIKeyRecord

    /// Every key of the tenant (active, revoked and expired), oldest first.
    func apiKeys(tenantID: TenantID) async throws -> [APIKeyRecord]

    /// Revokes the tenant's active key called `name`; `nil` when there is none.
    func revokeAPIKey(tenantID: TenantID, name: String, at date: Date) async throws -> APIKeyRecord?

    /// Notes an authenticated API call: the key's last use and the tenant's daily API call count.
    func recordAPICall(tenantID: TenantID, keyID: Int64, at date: Date) async throws
}
