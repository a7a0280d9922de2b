import Foundation
import Logging
import PostgresNIO

/// Runs migrations on PostgreSQL: each migration and its `schema_migrations` row in one
/// transaction (PostgreSQL DDL is transactional), rolled back on error. A transaction-scoped
/// advisory lock keeps two processes from migrating the same database at once.
struct PostgresMigrationDriver: MigrationDriver {
    let client: PostgresClient
    let logger: Logger

    /// The advisory lock key migrations hold (any fixed number; one per database).
    static let lockKey: Int64 = 0x5357_5250_4C59

    func prepareMigrationTable() async throws {
        try await run { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at TIMESTAMPTZ NOT NULL
                )
                """,
                logger: logger
            )
        }
    }

    func appliedVersions() async throws -> [Int] {
        let rows = try await client.query("SELECT version FROM schema_migrations ORDER BY version", logger: logger)
        var versions: [Int] = []
        for try await version in rows.decode(Int.self) { versions.append(version) }
        return versions
    }

    func apply(_ migration: Migration, at date: Date) async throws {
        try await run { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            // Applied meanwhile by another process: nothing to do.
            let existing = try await connection.query("SELECT 1 FROM schema_migrations WHERE version = \(migration.version)", logger: logger)
            for try await _ in existing { return }
            for statement in migration.up {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(migration.version), \(migration.name), \(date))",
                logger: logger
            )
        }
    }

    func revert(_ migration: Migration) async throws {
        try await run { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            for statement in migration.down {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query("DELETE FROM schema_migrations WHERE version = \(migration.version)", logger: logger)
        }
    }

    private func run(_ body: @Sendable (PostgresConnection) async throws -> Void) async throws {
        do {
            try await client.withConnection { connection in
                try await PostgresStore.transaction(on: connection, logger: logger, body)
            }
        } catch {
            throw PostgresStoreError.query(PostgresStoreError.describe(error))
        }
    }
}
