import Foundation

/// Why the legacy import failed.
public enum LegacyImportError: Error, CustomStringConvertible, Sendable {
    /// The SQLite file does not exist.
    case sourceNotFound(String)
    /// The legacy database could not be opened or reached.
    case sourceUnavailable(String, String)
    /// The database is reachable but does not have the legacy tables and columns.
    case notALegacyDatabase(String, String)
    /// A query on the legacy database failed.
    case sourceQuery(String, String)
    /// A message's contact or direction could not be resolved (an internal invariant broke).
    case unresolvedMessage(legacyID: Int64, reason: String)
    /// Something that cannot happen did.
    case unexpected(String)

    public var description: String {
        switch self {
        case .sourceNotFound(let path):
            return "legacy database not found: no file at \(path) (give --from an SQLite file path or a postgres:// URL)"
        case .sourceUnavailable(let location, let reason):
            return "cannot open the legacy database \(location): \(reason)"
        case .notALegacyDatabase(let location, let reason):
            return "\(location) is not a legacy SwiftReplies database: \(reason) (see docs/import-legacy.md for the expected tables)"
        case .sourceQuery(let location, let reason):
            return "reading the legacy database \(location) failed: \(reason)"
        case .unresolvedMessage(let legacyID, let reason):
            return "legacy message \(legacyID) cannot be imported: \(reason)"
        case .unexpected(let what):
            return "legacy import: \(what)"
        }
    }
}
