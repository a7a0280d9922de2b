import Foundation

/// A Swift type that converts to and from one `SQLiteValue` directly, as the SQLite store
/// stores it today (see `SQLiteValue+Columns.swift` and `SQLiteMigrations`):
///
/// - integers (`Int`, `Int64`, `Int32`, `Int16`, `Int8`, `UInt32`, `UInt16`, `UInt8`) as `INTEGER`,
///   reading back only values that fit the type;
/// - `Bool` as `INTEGER` 0 or 1 (any non-zero integer reads as `true`);
/// - `Double` and `Float` as `REAL` (an `INTEGER` reads as its value);
/// - `String` as `TEXT`;
/// - `Date` as `REAL` unix seconds (`INTEGER` seconds read too), the schema's timestamps;
/// - `Data` and `[UInt8]` as `BLOB`;
/// - `UUID` as `TEXT` (`uuidString`; a 16-byte `BLOB` reads too). The schema has no UUID column
///   today; PostgreSQL binds a `UUID` as its own `uuid` type;
/// - `Optional` of any of these as `NULL` or the wrapped value.
///
/// `SQLJSON` also conforms: JSON text. Other `Codable` types go through `SQLiteValueDecoder` and
/// `SQLiteValueEncoder` (single values such as `RawRepresentable` enums by their raw value,
/// anything keyed or unkeyed as JSON text).
protocol SQLiteValueRepresentable {
    /// The value as SQLite stores it.
    func sqliteValue() throws -> SQLiteValue
    /// Reads the value from `value`, read from `column` (for errors).
    init(sqliteValue value: SQLiteValue, column: String) throws
}

extension SQLiteValue: SQLiteValueRepresentable {
    func sqliteValue() -> SQLiteValue { self }
    init(sqliteValue value: SQLiteValue, column: String) { self = value }
}

extension SQLiteValueRepresentable where Self: FixedWidthInteger {
    func sqliteValue() throws -> SQLiteValue {
        guard let integer = Int64(exactly: self) else { throw SharedSQLError.unrepresentable(column: nil, value: "\(self)", type: "\(Self.self)") }
        return .integer(integer)
    }

    init(sqliteValue value: SQLiteValue, column: String) throws {
        guard case .integer(let integer) = value, let exact = Self(exactly: integer) else {
            throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "\(Self.self)")
        }
        self = exact
    }
}

extension Int: SQLiteValueRepresentable {}
extension Int64: SQLiteValueRepresentable {}
extension Int32: SQLiteValueRepresentable {}
extension Int16: SQLiteValueRepresentable {}
extension Int8: SQLiteValueRepresentable {}
extension UInt32: SQLiteValueRepresentable {}
extension UInt16: SQLiteValueRepresentable {}
extension UInt8: SQLiteValueRepresentable {}

extension Bool: SQLiteValueRepresentable {
    func sqliteValue() -> SQLiteValue { .integer(self ? 1 : 0) }

    init(sqliteValue value: SQLiteValue, column: String) throws {
        guard case .integer(let integer) = value else {
            throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "Bool")
        }
        self = integer != 0
    }
}

extension Double: SQLiteValueRepresentable {
    func sqliteValue() -> SQLiteValue { .float(self) }

    init(sqliteValue value: SQLiteValue, column: String) throws {
        switch value {
        case .float(let double): self = double
        case .integer(let integer): self = Double(integer)
        default: throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "Double")
        }
    }
}

extension Float: SQLiteValueRepresentable {
    func sqliteValue() -> SQLiteValue { .float(Double(self)) }

    init(sqliteValue value: SQLiteValue, column: String) throws {
        self = Float(try Double(sqliteValue: value, column: column))
    }
}

extension String: SQLiteValueRepresentable {
    func sqliteValue() -> SQLiteValue { .text(self) }

    init(sqliteValue value: SQLiteValue, column: String) throws {
        guard case .text(let text) = value else {
            throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "String")
        }
        self = text
    }
}

extension Date: SQLiteValueRepresentable {
    /// `REAL` unix seconds, exactly as `SQLiteValue.timestamp(_:)` binds it.
    func sqliteValue() -> SQLiteValue { .float(timeIntervalSince1970) }

    init(sqliteValue value: SQLiteValue, column: String) throws {
        switch value {
        case .float(let seconds): self = Date(timeIntervalSince1970: seconds)
        case .integer(let seconds): self = Date(timeIntervalSince1970: Double(seconds))
        default: throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "Date")
        }
    }
}

extension Data: SQLiteValueRepresentable {
    func sqliteValue() -> SQLiteValue { .blob(Array(self)) }

    init(sqliteValue value: SQLiteValue, column: String) throws {
        guard case .blob(let bytes) = value else {
            throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "Data")
        }
        self = Data(bytes)
    }
}

extension Array: SQLiteValueRepresentable where Element == UInt8 {
    func sqliteValue() -> SQLiteValue { .blob(self) }

    init(sqliteValue value: SQLiteValue, column: String) throws {
        guard case .blob(let bytes) = value else {
            throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "[UInt8]")
        }
        self = bytes
    }
}

extension UUID: SQLiteValueRepresentable {
    func sqliteValue() -> SQLiteValue { .text(uuidString) }

    init(sqliteValue value: SQLiteValue, column: String) throws {
        switch value {
        case .text(let text):
            guard let uuid = UUID(uuidString: text) else {
                throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "UUID")
            }
            self = uuid
        case .blob(let bytes) where bytes.count == 16:
            self = UUID(uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
        default:
            throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "UUID")
        }
    }
}

extension Optional: SQLiteValueRepresentable where Wrapped: SQLiteValueRepresentable {
    func sqliteValue() throws -> SQLiteValue {
        guard let value = self else { return .null }
        return try value.sqliteValue()
    }

    init(sqliteValue value: SQLiteValue, column: String) throws {
        self = value.isNull ? nil : try Wrapped(sqliteValue: value, column: column)
    }
}
