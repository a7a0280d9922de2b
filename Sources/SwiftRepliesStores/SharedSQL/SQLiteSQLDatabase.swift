import Logging
import NIOCore
import NIOPosix
import SQLKit
import Synchronization

/// sql-kit's `SQLDatabase` over one of the SQLite store's own connections
/// (`SQLiteDatabaseConnection`, the system's SQLite): the writer inside a transaction of
/// `SQLiteSharedDatabase`, or a reader.
///
/// Each statement is serialized with `SQLiteSQLDialect` (`?` placeholders), its binds turned
/// into `SQLiteValue`s (`SQLiteValueEncoder`), and run as one job on the connection's own thread
/// (`SQLiteDatabaseConnection.query`, which keeps the prepared statement for the next time); the
/// caller suspends meanwhile and no event loop thread blocks. The rows are handed to `onRow`
/// once the statement has finished.
///
/// A database lent to a transaction's body refuses statements once the transaction has ended
/// (`SharedSQLError.transactionEnded`): a statement kept past the commit would otherwise run on
/// the writer without its lock.
struct SQLiteSQLDatabase: SQLDatabase {
    let connection: SQLiteDatabaseConnection
    /// Whether statements may still run (the transaction's or the read's lifetime).
    let scope: SharedSQLScope
    let logger: Logger

    /// Statements are not logged: their binds may hold tenants' data.
    var queryLogLevel: Logger.Level? { nil }

    /// An event loop for sql-kit's future-returning API; statements never run on it.
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }

    var dialect: any SQLDialect { SQLiteSQLDialect() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try scope.check()
        let (sql, binds) = serialize(query)
        let values = try binds.map { try SQLiteValueEncoder.encode($0) }
        let rows = try await connection.query(sql, values)
        for row in rows { onRow(SQLiteSQLRow(row: row)) }
    }

    /// The future-returning form: the same statement, run as a job on the connection's thread
    /// that completes the promise there.
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let promise = OnePromise(eventLoop.makePromise(of: Void.self))
        do {
            try scope.check()
            let (sql, binds) = serialize(query)
            let values = try binds.map { try SQLiteValueEncoder.encode($0) }
            connection.submit { session in
                do {
                    let rows = try session.query(sql, values)
                    for row in rows { onRow(SQLiteSQLRow(row: row)) }
                    promise.complete(.success(()))
                } catch {
                    promise.complete(.failure(error))
                }
            }
        } catch {
            promise.complete(.failure(error))
        }
        return promise.futureResult
    }

    /// A promise completed exactly once: by the job, or, when the connection was closed before
    /// the job could run (which then never runs), when the job is released.
    private final class OnePromise: Sendable {
        private let promise: EventLoopPromise<Void>
        private let isDone = Atomic<Bool>(false)

        init(_ promise: EventLoopPromise<Void>) { self.promise = promise }

        var futureResult: EventLoopFuture<Void> { promise.futureResult }

        func complete(_ result: Result<Void, any Error>) {
            guard !isDone.exchange(true, ordering: .acquiringAndReleasing) else { return }
            promise.completeWith(result)
        }

        deinit {
            if !isDone.load(ordering: .acquiring) { promise.fail(SQLiteStoreError.closed) }
        }
    }
}
