import SwiftRepliesCore

/// The handles of one metric whose labels differ in one value, usually the tenant
/// (`swiftreplies_turns_total{tenant, outcome="answered"}`): each made through swift-metrics once
/// and kept.
///
/// Making a metric through the factory on every message costs a registry look-up that hashes the
/// name and every label, a name check and an allocation, and the hot path counts four or five
/// things per message. This keeps the handles by the varying value instead: one short look-up.
///
/// Create it after the metrics system is bootstrapped (a handle made before stays a no-op), as
/// part of the object that counts. It keeps one handle per value it has seen; past 4,096
/// values (tenants come and go with configurations) it starts over.
public final class LabelledMetric<Handle: Sendable>: Sendable {
    private let make: @Sendable (String) -> Handle
    private let handles = BoundedMemo<String, Handle>(capacity: 4096)

    /// `make` builds the handle for a value (a tenant id, say), with all of the metric's labels.
    public init(_ make: @escaping @Sendable (String) -> Handle) {
        self.make = make
    }

    /// The handle for `value`, made on first use.
    public subscript(_ value: String) -> Handle {
        handles.value(for: value, make: make)
    }
}
