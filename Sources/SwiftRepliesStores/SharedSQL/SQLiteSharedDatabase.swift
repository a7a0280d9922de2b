import Logging
import SQLKit
import SwiftRepliesCore

/// `SharedSQLDatabase` on the SQLite store: sql-kit statements on the store's own connections.
///
/// A transaction (tenant or host: SQLite has no roles) takes the store's write lock, the same
/// `AsyncSerialLock` that the store's group commits take, so it never interleaves with them, and
/// runs `BEGIN IMMEDIATE`, the body's statements (each one job on the writer's thread), and
/// `COMMIT`, followed on the same job by the checkpointer's look at the WAL as after every commit
/// of the store; or `ROLLBACK` when the body or the commit throws. Unlike the store's group
/// commit, a shared-SQL transaction is never batched with others: it runs alone, one thread hop
/// per statement. Reads run on one of the store's reader connections.
struct SQLiteSharedDatabase: SharedSQLDatabase {
    let store: SQLiteStore

    var dialect: SharedSQLDialect { SharedSQLDialect(engine: .sqlite) }

    func withTenantTransaction<T: Sendable>(_ tenant: TenantID, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transaction(body)
    }

    func withHostTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transaction(body)
    }

    func read<T: Sendable>(tenant: TenantID, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try store.ensureOpen()
        let readers = store.readers
        guard let reader = readers.randomElement() else { throw SQLiteStoreError.closed }
        let scope = SharedSQLScope()
        defer { scope.end() }
        return try await body(SQLiteSQLDatabase(connection: reader, scope: scope, logger: store.logger))
    }

    private func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let store = self.store
        return try await store.writeLock.withLock {
            try store.ensureOpen()
            let writer = store.writer
            let checkpointer = store.checkpointer
            try await writer.query("BEGIN IMMEDIATE")
            let scope = SharedSQLScope()
            do {
                let value = try await body(SQLiteSQLDatabase(connection: writer, scope: scope, logger: store.logger))
                scope.end()
                try await writer.perform { session in
                    try session.query("COMMIT")
                    checkpointer.afterCommit(session)
                }
                return value
            } catch {
                scope.end()
                // After a failed COMMIT the transaction may be gone already; nothing to undo then.
                _ = try? await writer.query("ROLLBACK")
                throw error
            }
        }
    }
}
