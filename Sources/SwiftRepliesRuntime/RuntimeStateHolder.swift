import Synchronization

/// Holds the current `RuntimeState`. Readers take the whole state at once (one reference copy
/// under a tiny critical section) and keep it for the rest of their turn; a reload swaps it.
public final class RuntimeStateHolder: Sendable {
    private let state: Mutex<RuntimeState>

    public init(_ initial: RuntimeState) { self.state = Mutex(initial) }

    /// The state in force now.
    public var current: RuntimeState { state.withLock { $0 } }

    /// Replaces the state; returns the previous one.
    @discardableResult
    public func replace(with new: RuntimeState) -> RuntimeState {
        state.withLock { current in
            let previous = current
            current = new
            return previous
        }
    }
}
