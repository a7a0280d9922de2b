import Foundation

/// The database as a whole: its backend, its schema's migrations, whether several processes share
/// it, upkeep, counts and shutdown.
///
/// Every store of a `StoreSet` lives in one database; this is the part of it that belongs to no
/// aggregate.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol StoreLifecycle: Sendable {
    /// `sqlite` or `postgres`, for `/health`.
    var backendName: String { get }

    /// Applies pending migrations; returns the versions applied.
    @discardableResult
    func migrateUp() async throws -> [Int]

    /// Rolls back migrations down to `target` (exclusive); returns the versions rolled back.
    @discardableResult
    func migrateDown(to target: Int) async throws -> [Int]

    func migrationStatus() async throws -> MigrationStatus

    /// Whether several processes may share this database (PostgreSQL). The host then takes a
    /// conversation lease before each turn and sweeps for work a stopped process left behind;
    /// a store only one process uses (SQLite) recovers everything at start instead.
    var isShared: Bool { get }

    /// Fails when the database cannot be reached.
    func ping() async throws

    /// Upkeep the database needs while the host runs, called about once a second on a shared
    /// store (PostgreSQL refreshes the planner's statistics of tables that grew fast). Nothing
    /// by default.
    func performHousekeeping() async throws

    func counts() async throws -> StoreCounts

    /// Closes connections.
    func shutdown() async throws
}

extension StoreLifecycle {
    public func performHousekeeping() async throws {}
}
