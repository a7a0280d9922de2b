import Foundation

/// Analytics events: what happened (an action created, a takeover started, a limit exceeded), per
/// tenant.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol EventStore: Sendable {
    /// Records an analytics event; returns its id.
    @discardableResult
    func recordEvent(_ event: AnalyticsEventDraft) async throws -> Int64

    /// The tenant's events, newest first, optionally of one type.
    func events(tenantID: TenantID, type: String?, limit: Int) async throws -> [AnalyticsEventRecord]
}
