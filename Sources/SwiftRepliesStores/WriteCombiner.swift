import SQLiteNIO
import Synchronization

/// Group commit for every write of the SQLite store: writes that arrive while a transaction is
/// being committed are combined into the next one, and every caller returns only after the
/// commit that holds its write. When one write of a batch fails, the batch is rolled back and
/// each write runs again in a transaction of its own, so one failure never takes others with it.
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
                // The common case: every write succeeds and the batch commits once, with no
                // per-write savepoints (they cost two statements each).
                if batch.count > 1, await Self.runTogether(batch, on: connection) { return }
                // A write failed (or there is one write): each runs alone, so one failure rolls
                // back only itself. Writes are plain database statements, safe to run again
                // after the rollback.
                for operation in batch { await Self.runAlone(operation, on: connection) }
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

    /// Runs every write in one transaction; `false` (rolled back, nothing delivered) when any fails.
    private static func runTogether(_ batch: [Operation], on connection: SQLiteConnection) async -> Bool {
        do {
            _ = try await connection.query("BEGIN IMMEDIATE")
        } catch {
            return false
        }
        do {
            for operation in batch { try await operation.run(connection) }
            _ = try await connection.query("COMMIT")
        } catch {
            _ = try? await connection.query("ROLLBACK")
            return false
        }
        for operation in batch { operation.deliver() }
        return true
    }

    private static func runAlone(_ operation: Operation, on connection: SQLiteConnection) async {
        do {
            _ = try await connection.query("BEGIN IMMEDIATE")
        } catch {
            operation.fail(error)
            return
        }
        do {
            try await operation.run(connection)
            _ = try await connection.query("COMMIT")
            operation.deliver()
        } catch {
            _ = try? await connection.query("ROLLBACK")
            operation.fail(error)
        }
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
