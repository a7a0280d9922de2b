/// Why a statement of the shared SQL layer could not run or its result could not be read.
public enum SharedSQLError: Error, Equatable, CustomStringConvertible {
    /// A statement was sent through a transaction's database after the transaction ended.
    case transactionEnded
    /// A row has no column of that name.
    case missingColumn(String)
    /// A value cannot be stored as, or read back as, the type asked for (`column` is nil for a
    /// bound value).
    case unrepresentable(column: String?, value: String, type: String)
    /// A statement's result was not what it must be (an `INSERT ... RETURNING` without its row).
    case unexpectedResult(String)

    public var description: String {
        switch self {
        case .transactionEnded:
            return "a statement was sent after its transaction ended"
        case .missingColumn(let name):
            return "result row has no column '\(name)'"
        case .unrepresentable(let column, let value, let type):
            if let column { return "column '\(column)' holds \(value), which does not read as \(type)" }
            return "the bound \(type) value \(value) has no SQLite representation"
        case .unexpectedResult(let what):
            return what
        }
    }
}
