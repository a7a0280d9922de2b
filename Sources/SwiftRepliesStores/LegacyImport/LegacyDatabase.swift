import Foundation
import Logging
import SwiftRepliesCore

/// The old single-tenant database `swiftreplies import-legacy` reads: a PostgreSQL database
/// (such as the original Supabase one) or an SQLite file with the legacy tables `contacts`,
/// `messages`, and optionally `orders` and `campaigns` (docs/import-legacy.md has the schema).
///
/// Rows are read in pages ordered by id (`id > after`), so a table of any size streams through
/// bounded memory. Only reads: an SQLite file is opened read-only, a PostgreSQL session is made
/// read-only.
public protocol LegacyDatabase: Sendable {
    /// Where it is, with any password hidden.
    var location: String { get }
    /// Which tables and columns were found, for messages.
    var layout: LegacyLayout { get }
    /// Rows in each table (0 for an optional table that is absent).
    func counts() async throws -> LegacyTableCounts
    /// Up to `limit` contacts with an id above `after`, by id.
    func contacts(after: Int64, limit: Int) async throws -> [LegacyContact]
    /// Up to `limit` messages with an id above `after`, by id.
    func messages(after: Int64, limit: Int) async throws -> [LegacyMessage]
    /// Up to `limit` orders with an id above `after`, by id (none without an `orders` table).
    func orders(after: Int64, limit: Int) async throws -> [LegacyOrder]
    /// Up to `limit` campaigns with an id above `after`, by id (none without a `campaigns` table).
    func campaigns(after: Int64, limit: Int) async throws -> [LegacyCampaign]
}

/// Row counts of the legacy tables.
public struct LegacyTableCounts: Sendable, Hashable {
    public var contacts: Int
    public var messages: Int
    public var orders: Int
    public var campaigns: Int

    public init(contacts: Int, messages: Int, orders: Int, campaigns: Int) {
        self.contacts = contacts
        self.messages = messages
        self.orders = orders
        self.campaigns = campaigns
    }
}

/// Opens legacy databases.
public enum LegacyDatabases {
    /// Opens the legacy database `location` names (a `postgres://` URL, else an SQLite file path,
    /// optionally `sqlite://path`), checks its tables, runs `body` with it and closes it, whether
    /// `body` succeeds or throws.
    public static func withDatabase<T: Sendable>(
        _ location: String, logger: Logger, _ body: (any LegacyDatabase) async throws -> T
    ) async throws -> T {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            return try await LegacyPostgresDatabase.with(url: location, logger: logger, body)
        }
        var path = location
        if path.hasPrefix("sqlite://") { path.removeFirst("sqlite://".count) }
        return try await LegacySQLiteDatabase.with(path: path, logger: logger, body)
    }
}
