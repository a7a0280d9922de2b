import Foundation
import Logging
import SwiftRepliesCore
import SwiftRepliesStores

/// Opens the store a `--database` value names: a SQLite file path (the default,
/// `./swiftreplies.sqlite`) or a `postgres://` URL.
public enum StoreOpener {
    /// The default embedded database file.
    public static let defaultSQLitePath = "swiftreplies.sqlite"

    /// The database to use: the option, else `DATABASE_URL`, else the embedded default.
    public static func resolve(option: String?, environment: [String: String]) -> String {
        if let option, !option.isEmpty { return option }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return url }
        return defaultSQLitePath
    }

    /// Opens the SQLite file or connects to the PostgreSQL database `database` names. Does not
    /// migrate. `DATABASE_MAX_CONNECTIONS` sizes the PostgreSQL pool (default 20);
    /// `SQLITE_SYNCHRONOUS=normal` trades SQLite's power-loss durability for speed;
    /// `SQLITE_WAL_AUTOCHECKPOINT` sets how many WAL pages trigger a checkpoint.
    public static func open(_ database: String, environment: [String: String], logger: Logger) async throws -> StoreSet {
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            let connections = environment["DATABASE_MAX_CONNECTIONS"].flatMap(Int.init) ?? 20
            var leases = PostgresStore.Leases()
            if let seconds = environment["SEND_LEASE_SECONDS"].flatMap(Double.init), seconds > 0 { leases.sendLease = seconds }
            if let seconds = environment["CONVERSATION_LEASE_SECONDS"].flatMap(Double.init), seconds > 0 { leases.conversationLease = seconds }
            return try await PostgresStore.open(url: database, maximumConnections: connections, leases: leases, logger: logger).storeSet
        }
        var path = database
        if path.hasPrefix("sqlite://") { path.removeFirst("sqlite://".count) }
        let synchronous: SQLiteSynchronous = environment["SQLITE_SYNCHRONOUS"]?.lowercased() == "normal" ? .normal : .full
        let checkpointPages = environment["SQLITE_WAL_AUTOCHECKPOINT"].flatMap(Int.init).map { max(0, $0) } ?? SQLiteStore.defaultCheckpointPages
        return try await SQLiteStore.open(path: path, synchronous: synchronous, checkpointPages: checkpointPages, logger: logger).storeSet
    }

    /// A URL with its password hidden, for messages.
    public static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://") else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
