import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import SwiftRepliesCore

/// `SharedSQLDatabase` on the PostgreSQL store: postgres-kit's `SQLDatabase` over one connection
/// of the store's `PostgresClient` pool, inside the store's own transaction steps.
///
/// A tenant transaction is `BEGIN`, `PostgresStore.enterTenant` (the application role
/// `swiftreplies_app` and `swiftreplies.tenant_id` for this transaction only, as every tenant
/// transaction of the store sets them: row-level security applies), the body, `COMMIT`; a host
/// transaction enters `swiftreplies_host` instead. When the body throws, `ROLLBACK`
/// (`PostgresStore.transaction`). Errors of the server come out as `PostgresStoreError.query` with
/// the server's message, as the store's own do; errors of the body pass through unchanged.
///
/// Statements are sent unnamed (postgres-kit does not prepare them): the hot path keeps its
/// prepared statements in the store's own code. Queries are not logged, since binds may hold
/// tenants' data.
struct PostgresSharedDatabase: SharedSQLDatabase {
    let client: PostgresClient
    let logger: Logger

    var dialect: SharedSQLDialect { SharedSQLDialect(engine: .postgresql) }

    func withTenantTransaction<T: Sendable>(_ tenant: TenantID, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let logger = self.logger
        return try await transaction { connection in
            try await PostgresStore.enterTenant(tenant, on: connection, logger: logger)
        } body: { database in
            try await body(database)
        }
    }

    func withHostTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let logger = self.logger
        return try await transaction { connection in
            try await connection.run(PostgresStore.EnterHostSQL.self, PostgresMigrations.hostRole, logger: logger)
        } body: { database in
            try await body(database)
        }
    }

    func read<T: Sendable>(tenant: TenantID, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTenantTransaction(tenant, body)
    }

    private func transaction<T: Sendable>(
        enter: @Sendable (PostgresConnection) async throws -> Void, body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        do {
            return try await client.withConnection { connection in
                try await PostgresStore.transaction(on: connection, logger: logger) { connection in
                    try await enter(connection)
                    let scope = SharedSQLScope()
                    defer { scope.end() }
                    return try await body(ScopedSQLDatabase(base: connection.sql(queryLogLevel: nil, logger: logger), scope: scope))
                }
            }
        } catch let error as PSQLError {
            throw PostgresStoreError.query(PostgresStoreError.describe(error))
        }
    }
}
