import SQLiteNIO
import Synchronization

/// Group commit for every write of the SQLite store: writes that arrive while a transaction is
/// being committed are combined into the next one (each in its own savepoint, so one failing
/// write rolls back alone), and every caller returns only after the commit that holds its write.
/// With `synchronous=FULL` that turns one fsync per write into one per batch.
///
/// There is no background task: the first caller to find no batch in progress leads, runs one
/// batch, and hands the lead to the first caller still waiting.
final class WriteCombiner: Sendable {
    private struct Operation: Sendable {
        let run: @Sendable (SQLiteConnection) async throws -> Void
        let deliver: @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
        let promote: @Sendable () -> Void
    }

    private struct State {
        var pending: [Operation] = []
        var leading = false
    }

    private let state = Mutex(State())
    /// The most writes one transaction takes.
    let maximumBatch: Int

    init(maximumBatch: Int = 256) { self.maximumBatch = maximumBatch }

    /// Runs `body` inside the next group transaction on `connection` (under `lock`) and returns
    /// its result once that transaction has committed.
    func perform<T: Sendable>(
        lock: AsyncSerialLock, connection: SQLiteConnection, _ body: @escaping @Sendable (SQLiteConnection) async throws -> T
    ) async throws -> T {
        let completion = Completion<T>()
        let operation = Operation(
            run: { connection in completion.stage(try await body(connection)) },
            deliver: { completion.deliver() },
            fail: { completion.fail($0) },
            promote: { completion.promote() }
        )
        var lead = state.withLock { state -> Bool in
            state.pending.append(operation)
            if state.leading { return false }
            state.leading = true
            return true
        }
        while true {
            if lead {
                await runBatch(lock: lock, connection: connection)
                lead = false
            }
            switch try await completion.wait() {
            case .value(let value): return value
            case .lead: lead = true
            }
        }
    }

    private func runBatch(lock: AsyncSerialLock, connection: SQLiteConnection) async {
        let batch = state.withLock { state -> [Operation] in
            let batch = Array(state.pending.prefix(maximumBatch))
            state.pending.removeFirst(batch.count)
            return batch
        }
        if !batch.isEmpty {
            await lock.withLock {
                var succeeded: [Operation] = []
                do {
                    _ = try await connection.query("BEGIN IMMEDIATE")
                } catch {
                    for operation in batch { operation.fail(error) }
                    return
                }
                if batch.count == 1, let operation = batch.first {
                    // Alone in its transaction: no savepoint needed, a failure rolls it all back.
                    do {
                        try await operation.run(connection)
                        _ = try await connection.query("COMMIT")
                        operation.deliver()
                    } catch {
                        _ = try? await connection.query("ROLLBACK")
                        operation.fail(error)
                    }
                    return
                }
                for operation in batch {
                    do {
                        _ = try await connection.query("SAVEPOINT combined_write")
                        do {
                            try await operation.run(connection)
                            _ = try await connection.query("RELEASE combined_write")
                            succeeded.append(operation)
                        } catch {
                            _ = try? await connection.query("ROLLBACK TO combined_write")
                            _ = try? await connection.query("RELEASE combined_write")
                            operation.fail(error)
                        }
                    } catch {
                        operation.fail(error)
                    }
                }
                do {
                    _ = try await connection.query("COMMIT")
                    for operation in succeeded { operation.deliver() }
                } catch {
                    _ = try? await connection.query("ROLLBACK")
                    for operation in succeeded { operation.fail(error) }
                }
            }
        }
        // Hand the lead to the first waiting writer, or stop leading.
        let next = state.withLock { state -> Operation? in
            guard let first = state.pending.first else {
                state.leading = false
                return nil
            }
            return first
        }
        next?.promote()
    }
}

/// The outcome of one combined write, waited for by its caller.
final class Completion<T: Sendable>: Sendable {
    enum Outcome: Sendable {
        case value(T)
        case lead
    }

    private struct State {
        var staged: T?
        var result: Result<T, any Error>?
        var leadPending = false
        var waiter: CheckedContinuation<Outcome, any Error>?
    }

    private let state = Mutex(State())

    /// Keeps the write's result until its transaction commits.
    func stage(_ value: T) { state.withLock { $0.staged = value } }

    /// Delivers a value at once.
    func succeed(_ value: T) {
        stage(value)
        deliver()
    }

    func deliver() {
        let (waiter, value) = state.withLock { state -> (CheckedContinuation<Outcome, any Error>?, T?) in
            guard let value = state.staged else { return (nil, nil) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, value)
            }
            state.result = .success(value)
            return (nil, nil)
        }
        if let waiter, let value { waiter.resume(returning: .value(value)) }
    }

    func fail(_ error: any Error) {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, any Error>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.result = .failure(error)
            return nil
        }
        waiter?.resume(throwing: error)
    }

    func promote() {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, any Error>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.leadPending = true
            return nil
        }
        waiter?.resume(returning: .lead)
    }

    func wait() async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
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
