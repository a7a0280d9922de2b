/// One value bound to, or read from, a SQLite statement: SQLite's five storage classes.
///
/// The store binds every parameter as one of these (never as statement text).
public enum SQLiteValue: Sendable, Hashable, CustomStringConvertible {
    case integer(Int64)
    case float(Double)
    case text(String)
    case blob([UInt8])
    case null

    /// Whether the value is SQL `NULL`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as an integer: integers as they are, reals truncated, text parsed; else `nil`.
    public var integer: Int? {
        switch self {
        case .integer(let value): Int(exactly: value)
        case .float(let value): value.isFinite ? Int(value) : nil
        case .text(let value): Int(value)
        case .blob, .null: nil
        }
    }

    /// The value as a real number: reals and integers, text parsed; else `nil`.
    public var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .float(let value): value
        case .text(let value): Double(value)
        case .blob, .null: nil
        }
    }

    /// The value as text: text as it is, numbers written out, blobs decoded as UTF-8; `nil` for
    /// `NULL`.
    public var string: String? {
        switch self {
        case .integer(let value): String(value)
        case .float(let value): String(value)
        case .text(let value): value
        case .blob(let bytes): String(decoding: bytes, as: UTF8.self)
        case .null: nil
        }
    }

    public var description: String {
        switch self {
        case .integer(let value): String(value)
        case .float(let value): String(value)
        case .text(let value): "\"\(value)\""
        case .blob(let bytes): "<\(bytes.count) bytes>"
        case .null: "null"
        }
    }
}
