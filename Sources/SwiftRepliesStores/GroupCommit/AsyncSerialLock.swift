import Synchronization

/// A first-in, first-out lock for async code: one holder at a time, waiters suspend (no thread
/// blocks). The store's single writer connection runs multi-statement transactions across
/// suspension points, so writers must not interleave on it.
final class AsyncSerialLock: Sendable {
    private struct State {
        var isLocked = false
        var waiters: [UnsafeContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    init() {}

    /// Runs `body` while holding the lock.
    func withLock<T>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        // Uncontended: take it without suspending.
        let taken = state.withLock { state -> Bool in
            if state.isLocked { return false }
            state.isLocked = true
            return true
        }
        if taken { return }
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let acquired = state.withLock { state -> Bool in
                if state.isLocked {
                    state.waiters.append(continuation)
                    return false
                }
                state.isLocked = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        // The lock passes straight to the next waiter, so it stays locked when one exists.
        let next = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.isLocked = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
