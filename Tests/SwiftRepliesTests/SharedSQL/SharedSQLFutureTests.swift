import Foundation
import NIOCore
import SQLKit
@testable import SwiftRepliesStores
import Synchronization
import Testing

/// sql-kit's future-returning `execute` on the SQLite connection: it runs on the connection's
/// thread, and fails (instead of never completing) once the connection is closed.
@Suite("SharedSQL: the future-returning execute on SQLite")
struct SharedSQLFutureTests {
    final class Collected: Sendable {
        let values = Mutex<[Int]>([])
    }

    /// The future form (a synchronous caller picks it over the async one).
    func execute(_ db: SQLiteSQLDatabase, _ query: SQLQueryString, into collected: Collected) -> EventLoopFuture<Void> {
        db.execute(sql: query) { row in
            let value = (try? row.decode(column: "v", as: Int.self)) ?? -1
            collected.values.withLock { $0.append(value) }
        }
    }

    @Test("rows arrive, binds are bound, and a closed connection fails the future")
    func futureExecute() async throws {
        let connection = try await SQLiteDatabaseConnection.open(path: ":memory:")
        let db = SQLiteSQLDatabase(connection: connection, scope: SharedSQLScope(), logger: quietTestLogger)
        let collected = Collected()
        try await execute(db, "SELECT \(bind: 41) + 1 AS v UNION ALL SELECT \(bind: 7) AS v", into: collected).get()
        #expect(collected.values.withLock { $0 } == [42, 7])
        try await connection.close()
        await #expect(throws: SQLiteStoreError.closed) {
            try await execute(db, "SELECT 1 AS v", into: collected).get()
        }
        let ended = SharedSQLScope()
        ended.end()
        await #expect(throws: SharedSQLError.transactionEnded) {
            try await execute(SQLiteSQLDatabase(connection: connection, scope: ended, logger: quietTestLogger), "SELECT 1 AS v", into: collected).get()
        }
    }
}
