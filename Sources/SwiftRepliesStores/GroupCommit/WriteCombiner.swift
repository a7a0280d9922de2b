import Synchronization

/// Group commit for every write of the SQLite store: writes that arrive while a transaction is
/// being committed are combined into the next one, and every caller returns only after the
/// commit that holds its write. When one write of a batch fails, the batch is rolled back and
/// each write runs again in a transaction of its own (the `Coalescer`'s isolation), so one
/// failure never takes others with it. With `synchronous=FULL` that turns one fsync per write
/// into one per batch.
final class WriteCombiner: Sendable {
    /// One write: database statements, safe to run again after a rollback.
    private struct Write: Sendable {
        let run: @Sendable (SQLiteSession) throws -> Void
    }

    private let writes: Coalescer<Write, Void>
    /// Runs on the writer's thread after each commit (the checkpointer's look at the WAL).
    private let afterCommit: @Sendable (SQLiteSession) -> Void

    init(maximumBatch: Int = 256, afterCommit: @escaping @Sendable (SQLiteSession) -> Void = { _ in }) {
        self.writes = Coalescer(maximumBatch: maximumBatch)
        self.afterCommit = afterCommit
    }

    /// Runs `body` inside the next group transaction on `connection` (under `lock`) and returns
    /// its result once that transaction has committed.
    func perform<T: Sendable>(
        lock: AsyncSerialLock, connection: SQLiteDatabaseConnection, _ body: @escaping @Sendable (SQLiteSession) throws -> T
    ) async throws -> T {
        let result = StagedResult<T>()
        try await writes.submit(Write { session in result.set(try body(session)) }) { batch in
            try await Self.commit(batch, lock: lock, connection: connection, afterCommit: self.afterCommit)
            return Array(repeating: (), count: batch.count)
        }
        guard let value = result.value else { throw SQLiteStoreError.unexpectedResult("a committed write left no result") }
        return value
    }

    /// Runs the writes in one transaction, as one job on the connection's thread; rolls it back
    /// and rethrows when any fails.
    private static func commit(
        _ batch: [Write], lock: AsyncSerialLock, connection: SQLiteDatabaseConnection, afterCommit: @escaping @Sendable (SQLiteSession) -> Void
    ) async throws {
        try await lock.withLock {
            try await connection.perform { session in
                try session.query("BEGIN IMMEDIATE")
                do {
                    for write in batch { try write.run(session) }
                    try session.query("COMMIT")
                } catch {
                    _ = try? session.query("ROLLBACK")
                    throw error
                }
                afterCommit(session)
            }
        }
    }
}

/// A write's result, kept until its transaction has committed (a rerun replaces it).
private final class StagedResult<T: Sendable>: Sendable {
    private let state = Mutex<T?>(nil)

    func set(_ value: T) { state.withLock { $0 = value } }

    var value: T? { state.withLock { $0 } }
}
