import Foundation

/// Outgoing webhook subscriptions, at most `max_webhooks` active per tenant.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol WebhookSubscriptionStore: Sendable {
    /// The tenant's active subscriptions, oldest first.
    func webhooks(tenantID: TenantID) async throws -> [WebhookRecord]

    /// Stores a subscription; throws `OperatorStoreError.limitReached` past `maximum` active ones.
    func createWebhook(_ draft: WebhookDraft, maximum: Int?) async throws -> WebhookRecord

    /// Deletes a subscription; `false` when the tenant has none by that id.
    func deleteWebhook(tenantID: TenantID, id: Int64) async throws -> Bool
}
