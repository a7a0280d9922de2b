import Foundation
import SwiftRepliesCore

/// A subscription's cap on how many rows of one kind a tenant may have at once (`max_api_keys`
/// usable keys, `max_webhooks` active subscriptions), decided once: a backend counts the rows
/// only when there is a cap (`needsCount`), inside the transaction that adds the new row, and
/// asks `refusal(existing:)` before inserting.
struct SubscriptionLimit: Sendable, Equatable {
    /// The limit's name in `tenants.yaml` (`max_api_keys`), for the error.
    var name: String
    /// The cap; `nil` when the plan has none.
    var maximum: Int?

    /// `max_api_keys`: active, unexpired keys.
    static func apiKeys(_ maximum: Int?) -> SubscriptionLimit { SubscriptionLimit(name: "max_api_keys", maximum: maximum) }
    /// `max_webhooks`: active subscriptions.
    static func webhooks(_ maximum: Int?) -> SubscriptionLimit { SubscriptionLimit(name: "max_webhooks", maximum: maximum) }

    /// Whether the rows must be counted (there is a cap).
    var needsCount: Bool { maximum != nil }

    /// Why one more row is refused when the tenant already has `existing`; `nil` when it fits.
    func refusal(existing: Int) -> OperatorStoreError? {
        guard let maximum, existing >= maximum else { return nil }
        return .limitReached(limit: name, value: maximum)
    }
}
