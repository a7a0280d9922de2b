import Foundation
import SQLiteNIO

/// Runs migrations on one SQLite connection: each migration inside `BEGIN IMMEDIATE ... COMMIT`
/// (SQLite DDL is transactional), rolled back on error. The caller holds the store's write lock.
struct SQLiteMigrationDriver: MigrationDriver {
    let connection: SQLiteConnection

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
        try await inTransaction {
            for statement in migration.up {
                _ = try await connection.query(statement)
            }
            _ = try await connection.query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [.integer(SQLiteInt64(migration.version)), .text(migration.name), .text(date.ISO8601Format())]
            )
        }
    }

    func revert(_ migration: Migration) async throws {
        try await inTransaction {
            for statement in migration.down {
                _ = try await connection.query(statement)
            }
            _ = try await connection.query(
                "DELETE FROM schema_migrations WHERE version = ?",
                [.integer(SQLiteInt64(migration.version))]
            )
        }
    }

    private func inTransaction(_ body: () async throws -> Void) async throws {
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            try await body()
            _ = try await connection.query("COMMIT")
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }
}
