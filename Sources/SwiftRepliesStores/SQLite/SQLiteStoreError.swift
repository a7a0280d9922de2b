/// Errors of `SQLiteStore`, SQLite's own included (`sqlite`).
public enum SQLiteStoreError: Error, Equatable, CustomStringConvertible {
    /// The store was shut down.
    case closed
    /// A result row lacks a column the store asked for.
    case missingColumn(String)
    /// A column holds a value the store cannot read as the expected type.
    case invalidValue(column: String, value: String)
    /// The conversation's contact does not exist in its tenant.
    case contactNotFound(tenantID: String, contactID: Int64)
    /// A statement returned fewer rows than it must (an internal invariant broke).
    case unexpectedResult(String)
    /// SQLite refused a statement: its (extended) result code and message.
    case sqlite(code: Int32, message: String)

    public var description: String {
        switch self {
        case .closed:
            return "the SQLite store is shut down"
        case .missingColumn(let name):
            return "result row has no column '\(name)'"
        case .invalidValue(let column, let value):
            return "column '\(column)' holds an unexpected value \(value)"
        case .contactNotFound(let tenantID, let contactID):
            return "contact \(contactID) does not exist in tenant '\(tenantID)'"
        case .unexpectedResult(let what):
            return "unexpected result: \(what)"
        case .sqlite(let code, let message):
            return "SQLite error \(code): \(message)"
        }
    }
}
