import Foundation

/// What `MigrationRunner` needs from a database: the `schema_migrations` bookkeeping table and a
/// way to run one migration atomically. SQLite implements it with `BEGIN IMMEDIATE`; a PostgreSQL
/// store implements it with its own transaction and placeholders.
///
/// Callers serialise the runner's calls (one migration run at a time per database).
public protocol MigrationDriver: Sendable {
    /// Creates `schema_migrations(version, name, applied_at)` when it does not exist.
    func prepareMigrationTable() async throws
    /// The versions recorded in `schema_migrations`, ascending.
    func appliedVersions() async throws -> [Int]
    /// Runs `migration.up` and records the version, in one transaction (rolled back on error).
    func apply(_ migration: Migration, at date: Date) async throws
    /// Runs `migration.down` and deletes the version's record, in one transaction (rolled back on error).
    func revert(_ migration: Migration) async throws
}
