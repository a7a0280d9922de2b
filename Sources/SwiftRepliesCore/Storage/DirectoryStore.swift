import Foundation

/// The configured tenants, chatbots and subscriptions, mirrored into the database on every
/// (re)load.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol DirectoryStore: Sendable {
    /// Mirrors the configured tenants and chatbots into the database (upsert; chatbots no longer
    /// configured are marked inactive, never deleted, so their history stays).
    func syncDirectory(_ tenants: [TenantDefinition]) async throws

    /// Mirrors each tenant's subscription (plan, limits, features) into the database.
    func syncSubscriptions(_ tenants: [TenantDefinition], at date: Date) async throws
}
