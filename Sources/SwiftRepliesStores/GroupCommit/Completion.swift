import Synchronization

/// The outcome of one item handed to a `GroupCommit`, waited for by its caller: a result, or the
/// request to lead the next batch.
///
/// The continuation is unchecked (no canary allocated per wait, on every turn and send): the
/// state under the mutex hands it out once, so it is resumed exactly once.
final class Completion<T: Sendable>: Sendable {
    /// What `wait` returns.
    enum Outcome: Sendable {
        case value(T)
        case lead
    }

    private struct State {
        var result: Result<T, any Error>?
        var leadPending = false
        var waiter: UnsafeContinuation<Outcome, any Error>?
    }

    private let state = Mutex(State())

    /// Hands the caller its result.
    func succeed(_ value: T) { finish(.success(value)) }

    /// Hands the caller its error.
    func fail(_ error: any Error) { finish(.failure(error)) }

    private func finish(_ result: Result<T, any Error>) {
        let waiter = state.withLock { state -> UnsafeContinuation<Outcome, any Error>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.result = result
            return nil
        }
        waiter?.resume(with: result.map { .value($0) })
    }

    /// Asks the caller to lead the next batch.
    func promote() {
        let waiter = state.withLock { state -> UnsafeContinuation<Outcome, any Error>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.leadPending = true
            return nil
        }
        waiter?.resume(returning: .lead)
    }

    /// Waits for the result, or for the request to lead the next batch, whichever comes first.
    func wait() async throws -> Outcome {
        try await withUnsafeThrowingContinuation { continuation in
            let immediate = state.withLock { state -> Result<Outcome, any Error>? in
                if let result = state.result {
                    state.result = nil
                    return result.map { .value($0) }
                }
                if state.leadPending {
                    state.leadPending = false
                    return .success(.lead)
                }
                state.waiter = continuation
                return nil
            }
            if let immediate { continuation.resume(with: immediate) }
        }
    }
}
