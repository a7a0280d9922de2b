import Synchronization

/// The handles of one metric whose labels differ in one value, usually the tenant
/// (`swiftreplies_turns_total{tenant, outcome="answered"}`): each made through swift-metrics once
/// and kept.
///
/// Making a metric through the factory on every message costs a registry look-up that hashes the
/// name and every label, a name check and an allocation, and the hot path counts four or five
/// things per message. This keeps the handles by the varying value instead: one short look-up.
///
/// Create it after the metrics system is bootstrapped (a handle made before stays a no-op), as
/// part of the object that counts. It keeps one handle per value it has seen; past `capacity`
/// values (tenants come and go with configurations) it starts over.
public final class LabelledMetric<Handle: Sendable>: Sendable {
    private let make: @Sendable (String) -> Handle
    private let handles = Mutex<[String: Handle]>([:])
    static var capacity: Int { 4096 }

    /// `make` builds the handle for a value (a tenant id, say), with all of the metric's labels.
    public init(_ make: @escaping @Sendable (String) -> Handle) {
        self.make = make
    }

    /// The handle for `value`, made on first use.
    public subscript(_ value: String) -> Handle {
        if let known = handles.withLock({ $0[value] }) { return known }
        let made = make(value)
        handles.withLock { handles in
            if handles.count >= Self.capacity { handles.removeAll(keepingCapacity: true) }
            handles[value] = made
        }
        return made
    }
}
