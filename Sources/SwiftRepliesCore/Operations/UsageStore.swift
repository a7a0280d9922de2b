import Foundation

/// Usage counters per tenant, per UTC day and month, and message metering against the plan's
/// limits.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol UsageStore: Sendable {
    /// The tenant's counters for the UTC day and month of `date`.
    func usage(tenantID: TenantID, at date: Date) async throws -> UsageReport

    /// Counts a turn's messages against the tenant's limits in one transaction: every received
    /// message, and as many of `wantedSends` as the daily and monthly limits still allow. What
    /// the limits refuse is counted as overage; the first refusal of a period records one
    /// `usage.limit_exceeded` event for it.
    func meterMessages(_ metering: MessageMetering) async throws -> MeterOutcome

    /// Adds plain increments to the tenant's counters for the day of `date` (and month, for
    /// messages).
    func incrementUsage(tenantID: TenantID, _ increments: UsageIncrements, at date: Date) async throws
}
