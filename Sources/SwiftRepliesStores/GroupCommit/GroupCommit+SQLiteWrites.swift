import Synchronization

/// One write of the SQLite store: statements, safe to run again after a rollback.
struct SQLiteWrite: Sendable {
    let run: @Sendable (SQLiteSession) throws -> Void
}

/// Group commit for every write of the SQLite store: writes that arrive while a transaction is
/// being committed are combined into the next one, and every caller returns only after the
/// commit that holds its write. When one write of a batch fails, the batch is rolled back and
/// each write runs again in a transaction of its own, so one failure never takes others with
/// it. With `synchronous=FULL` that turns one fsync per write into one per batch.
extension GroupCommit where Item == SQLiteWrite, Output == Void {
    /// Runs `body` inside the next group transaction on `connection` (under `lock`) and returns
    /// its result once that transaction has committed; `checkpointer` looks at the WAL after each
    /// commit, on the writer's thread.
    func perform<T: Sendable>(
        lock: AsyncSerialLock, connection: SQLiteDatabaseConnection, checkpointer: SQLiteCheckpointer,
        _ body: @escaping @Sendable (SQLiteSession) throws -> T
    ) async throws -> T {
        let result = StagedResult<T>()
        try await submit(SQLiteWrite { session in result.set(try body(session)) }) { batch in
            try await Self.commit(batch, lock: lock, connection: connection, checkpointer: checkpointer)
            return Array(repeating: (), count: batch.count)
        }
        guard let value = result.value else { throw SQLiteStoreError.unexpectedResult("a committed write left no result") }
        return value
    }

    /// Runs the writes in one transaction, as one job on the connection's thread; rolls it back
    /// and rethrows when any fails.
    private static func commit(
        _ batch: [SQLiteWrite], lock: AsyncSerialLock, connection: SQLiteDatabaseConnection, checkpointer: SQLiteCheckpointer
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
                checkpointer.afterCommit(session)
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
