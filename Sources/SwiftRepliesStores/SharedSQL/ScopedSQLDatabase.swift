import Logging
import NIOCore
import SQLKit

/// An `SQLDatabase` (postgres-kit's, over a connection in a transaction) that runs statements
/// only while its `SharedSQLScope` is open, and forwards everything else to `base`.
struct ScopedSQLDatabase: SQLDatabase {
    let base: any SQLDatabase
    let scope: SharedSQLScope

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            try scope.check()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return base.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try scope.check()
        try await base.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try scope.check()
        return try await closure(self)
    }
}
