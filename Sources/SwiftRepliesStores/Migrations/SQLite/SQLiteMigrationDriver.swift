import Foundation

/// Runs migrations on one SQLite connection: each migration inside `BEGIN IMMEDIATE ... COMMIT`
/// (SQLite DDL is transactional), rolled back on error. The caller holds the store's write lock.
struct SQLiteMigrationDriver: MigrationDriver {
    let connection: SQLiteDatabaseConnection

    func prepareMigrationTable() async throws {
        _ = try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """
        )
    }

    func appliedVersions() async throws -> [Int] {
        let rows = try await connection.query("SELECT version FROM schema_migrations ORDER BY version")
        return try rows.map { try $0.int("version") }
    }

    func apply(_ migration: Migration, at date: Date) async throws {
        let appliedAt = date.ISO8601Format()
        try await inTransaction { session in
            for statement in migration.up {
                try session.query(statement)
            }
            try session.query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [.integer(Int64(migration.version)), .text(migration.name), .text(appliedAt)]
            )
        }
    }

    func revert(_ migration: Migration) async throws {
        try await inTransaction { session in
            for statement in migration.down {
                try session.query(statement)
            }
            try session.query("DELETE FROM schema_migrations WHERE version = ?", [.integer(Int64(migration.version))])
        }
    }

    private func inTransaction(_ body: @escaping @Sendable (SQLiteSession) throws -> Void) async throws {
        try await connection.perform { session in
            try session.query("BEGIN IMMEDIATE")
            do {
                try body(session)
                try session.query("COMMIT")
            } catch {
                _ = try? session.query("ROLLBACK")
                throw error
            }
        }
    }
}
