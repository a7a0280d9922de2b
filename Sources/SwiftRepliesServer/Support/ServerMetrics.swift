import Metrics
import SwiftRepliesCore
import SwiftRepliesRuntime

/// The server's metric names and labels, created through swift-metrics (exported by
/// swift-prometheus at `/metrics`).
enum ServerMetrics {
    static func webhook(provider: String, outcome: String) {
        Counter(label: "swiftreplies_webhooks_total", dimensions: [("provider", provider), ("outcome", outcome)]).increment()
    }

    static func unroutable(provider: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "swiftreplies_unroutable_messages_total", dimensions: [("provider", provider)]).increment(by: count)
    }

    /// Webhook entries (messages and statuses) for a number the signing account does not serve.
    static func otherAccountEntries(provider: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "swiftreplies_webhook_entries_dropped_total", dimensions: [("provider", provider), ("reason", "other_account")]).increment(by: count)
    }

    static func statuses(provider: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "swiftreplies_delivery_statuses_total", dimensions: [("provider", provider)]).increment(by: count)
    }
}

/// The handles a provider's webhook route counts with on every accepted webhook:
/// `swiftreplies_webhooks_total{provider, outcome="accepted"}` and
/// `swiftreplies_inbound_messages_total{provider, tenant, outcome}` for stored and duplicate
/// messages. The rarer outcomes go through `ServerMetrics`.
struct WebhookRouteMetrics: Sendable {
    let accepted: Counter
    let storedMessages: LabelledMetric<Counter>
    let duplicateMessages: LabelledMetric<Counter>

    init(provider: ProviderKind) {
        let provider = provider.rawValue
        accepted = Counter(label: "swiftreplies_webhooks_total", dimensions: [("provider", provider), ("outcome", "accepted")])
        storedMessages = LabelledMetric {
            Counter(label: "swiftreplies_inbound_messages_total", dimensions: [("provider", provider), ("tenant", $0), ("outcome", "stored")])
        }
        duplicateMessages = LabelledMetric {
            Counter(label: "swiftreplies_inbound_messages_total", dimensions: [("provider", provider), ("tenant", $0), ("outcome", "duplicate")])
        }
    }
}
