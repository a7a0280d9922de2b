import Synchronization

/// Values made once per key and kept, for work the hot path would otherwise repeat on every
/// message (an HMAC key per app secret, a request per provider URL, a metric handle per tenant).
///
/// The keys come from the configuration, so there are few of them; past `capacity` keys (reloads
/// come and go) the memo starts over rather than grow. Two callers that miss at the same time may
/// both make the value; the later one is kept, so `make` must not have side effects that matter.
public final class BoundedMemo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let values = Mutex<[Key: Value]>([:])
    /// How many keys are kept before the memo starts over.
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// The value kept for `key`, made by `make` (outside the lock) on first use; what `make`
    /// throws is thrown and nothing is kept.
    public func value(for key: Key, make: (Key) throws -> Value) rethrows -> Value {
        if let known = values.withLock({ $0[key] }) { return known }
        let made = try make(key)
        values.withLock { values in
            if values.count >= capacity { values.removeAll(keepingCapacity: true) }
            values[key] = made
        }
        return made
    }

    /// How many keys are kept.
    public var count: Int { values.withLock { $0.count } }
}
