import Metrics

/// The server's metric names and labels, created through swift-metrics (exported by
/// swift-prometheus at `/metrics`).
enum ServerMetrics {
    static func webhook(provider: String, outcome: String) {
        Counter(label: "swiftreplies_webhooks_total", dimensions: [("provider", provider), ("outcome", outcome)]).increment()
    }

    static func messages(provider: String, tenant: String, outcome: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "swiftreplies_inbound_messages_total", dimensions: [("provider", provider), ("tenant", tenant), ("outcome", outcome)])
            .increment(by: count)
    }

    static func unroutable(provider: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "swiftreplies_unroutable_messages_total", dimensions: [("provider", provider)]).increment(by: count)
    }

    static func statuses(provider: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "swiftreplies_delivery_statuses_total", dimensions: [("provider", provider)]).increment(by: count)
    }
}
