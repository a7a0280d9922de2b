import Foundation
import SwiftRepliesCore

/// Applies and rolls back versioned migrations through a `MigrationDriver`, independent of the
/// SQL dialect: pending migrations apply in ascending order, rollbacks run in descending order,
/// each one in its own transaction.
public struct MigrationRunner<Driver: MigrationDriver>: Sendable {
    /// The known migrations, ascending by version.
    public let migrations: [Migration]
    public let driver: Driver

    /// Validates `migrations` (positive, unique versions) and sorts them.
    public init(migrations: [Migration], driver: Driver) throws {
        self.migrations = try Self.validated(migrations)
        self.driver = driver
    }

    /// `migrations` sorted by version, or an error when a version is invalid or repeated.
    public static func validated(_ migrations: [Migration]) throws -> [Migration] {
        var seen = Set<Int>()
        for migration in migrations {
            guard migration.version > 0 else { throw MigrationError.invalidVersion(migration.version) }
            guard seen.insert(migration.version).inserted else { throw MigrationError.duplicateVersion(migration.version) }
        }
        return migrations.sorted { $0.version < $1.version }
    }

    /// The applied and available versions.
    public func status() async throws -> MigrationStatus {
        try await driver.prepareMigrationTable()
        let applied = try await driver.appliedVersions().sorted()
        return MigrationStatus(applied: applied, available: migrations.map(\.version))
    }

    /// Applies every pending migration in ascending order; returns the versions applied. Stops at
    /// the first failure (earlier migrations of the run stay applied).
    @discardableResult
    public func up(at date: Date = Date()) async throws -> [Int] {
        try await driver.prepareMigrationTable()
        let applied = Set(try await driver.appliedVersions())
        var done: [Int] = []
        for migration in migrations where !applied.contains(migration.version) {
            do {
                try await driver.apply(migration, at: date)
            } catch {
                throw MigrationError.failed(version: migration.version, name: migration.name, direction: .up, underlying: error)
            }
            done.append(migration.version)
        }
        return done
    }

    /// Rolls back every applied migration with a version above `target`, in descending order;
    /// returns the versions rolled back.
    @discardableResult
    public func down(to target: Int) async throws -> [Int] {
        try await driver.prepareMigrationTable()
        let applied = try await driver.appliedVersions().filter { $0 > target }.sorted(by: >)
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        // Refuse before touching anything when a version cannot be undone.
        for version in applied where known[version] == nil {
            throw MigrationError.unknownAppliedVersion(version)
        }
        var done: [Int] = []
        for version in applied {
            guard let migration = known[version] else { throw MigrationError.unknownAppliedVersion(version) }
            do {
                try await driver.revert(migration)
            } catch {
                throw MigrationError.failed(version: migration.version, name: migration.name, direction: .down, underlying: error)
            }
            done.append(version)
        }
        return done
    }
}
