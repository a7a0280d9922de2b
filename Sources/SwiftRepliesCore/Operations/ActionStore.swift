import Foundation

/// The Actions Center: requests a bot may not decide alone, their resolution by a person, expiry,
/// and telling the customer the outcome.
///
/// The decisions themselves (the daily limit, auto-approval, which decisions apply, the events
/// recorded) are `ActionRules`; a backend runs the statements they ask for.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol ActionStore: Sendable {
    /// Records a request in one transaction: refused when the tenant already created
    /// `dailyLimit` actions since `dayStart`; approved at once (recorded as auto-approved) when an
    /// approval of the same type with `auto_approve_similar` covers its amount; pending
    /// otherwise. Counts it in the tenant's usage and records an `action.created` event.
    func createAction(_ draft: ActionDraft, dailyLimit: Int?, dayStart: Date) async throws -> ActionCreation

    /// The tenant's actions, newest first, optionally of one status.
    func actions(tenantID: TenantID, status: ActionStatus?, limit: Int, offset: Int) async throws -> [ActionRecord]

    /// The tenant's action `id`; `nil` when the tenant has none by that id.
    func action(tenantID: TenantID, id: Int64) async throws -> ActionRecord?

    /// Approves or denies a pending action of the tenant (only one decision wins) and records an
    /// `action.resolved` event.
    func resolveAction(tenantID: TenantID, id: Int64, decision: ActionDecision) async throws -> ActionResolveResult

    /// Marks the tenant's pending actions whose `expires_at` is at or before `now` expired;
    /// returns them.
    func expireActions(tenantID: TenantID, now: Date) async throws -> [ActionRecord]

    /// How many actions the tenant created since `date`.
    func actionsCreated(tenantID: TenantID, since date: Date) async throws -> Int

    /// Resolved (or expired) actions resolved at or before `resolvedBefore` whose outcome has
    /// not been told to the customer yet, oldest first (retried after a crash or a failed turn).
    func undeliveredResolutions(tenantID: TenantID, resolvedBefore: Date, limit: Int) async throws -> [ActionRecord]

    /// Notes that the customer was told the action's outcome (the resolution turn committed).
    func markResolutionDelivered(tenantID: TenantID, actionID: Int64, at date: Date) async throws
}
