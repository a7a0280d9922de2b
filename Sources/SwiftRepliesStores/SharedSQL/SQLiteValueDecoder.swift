import Foundation

/// Reads one `SQLiteValue` of a result row as a `Decodable` type.
///
/// Types that `SQLiteValueRepresentable` covers (integers, `Bool`, `Double`, `String`, `Date`,
/// `Data`, `[UInt8]`, `UUID`, `SQLJSON`, their optionals) are read directly. Any other type
/// decodes through this `Decoder`: a single value (a `RawRepresentable` enum, a wrapper around a
/// `String`, an `Optional`) from the value itself, and a type that asks for a keyed or unkeyed
/// container (a struct, an array, a dictionary) from the value as JSON text, the way both stores
/// keep JSON. `NULL` read as a non-optional type is an error.
struct SQLiteValueDecoder: Decoder {
    let value: SQLiteValue
    let column: String

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// `value`, read from `column`, as `type`.
    static func decode<T: Decodable>(_ type: T.Type, from value: SQLiteValue, column: String) throws -> T {
        if let common = try common(T.self, from: value, column: column) { return common }
        if let representable = T.self as? any SQLiteValueRepresentable.Type {
            let decoded = try representable.init(sqliteValue: value, column: column)
            guard let typed = decoded as? T else {
                throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "\(T.self)")
            }
            return typed
        }
        do {
            return try T(from: SQLiteValueDecoder(value: value, column: column))
        } catch is NeedsJSON {
            let bytes: [UInt8]
            switch value {
            case .text(let text): bytes = Array(text.utf8)
            case .blob(let blob): bytes = blob
            default: throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "\(T.self)")
            }
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        }
    }

    /// The column types rows hold most, found by comparing types rather than by looking a
    /// conformance up (which costs more than reading the value); `nil` for any other type.
    private static func common<T>(_ type: T.Type, from value: SQLiteValue, column: String) throws -> T? {
        if T.self == String.self { return try String(sqliteValue: value, column: column) as? T }
        if T.self == Int64.self { return try Int64(sqliteValue: value, column: column) as? T }
        if T.self == Int.self { return try Int(sqliteValue: value, column: column) as? T }
        if T.self == Bool.self { return try Bool(sqliteValue: value, column: column) as? T }
        if T.self == Date.self { return try Date(sqliteValue: value, column: column) as? T }
        if T.self == Double.self { return try Double(sqliteValue: value, column: column) as? T }
        if T.self == String?.self { return try String?(sqliteValue: value, column: column) as? T }
        if T.self == Int64?.self { return try Int64?(sqliteValue: value, column: column) as? T }
        if T.self == Int?.self { return try Int?(sqliteValue: value, column: column) as? T }
        if T.self == Date?.self { return try Date?(sqliteValue: value, column: column) as? T }
        return nil
    }

    /// Thrown when the type asks for a container: the value is then read as JSON.
    struct NeedsJSON: Error {}

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw NeedsJSON() }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw NeedsJSON() }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValue(value: value, column: column) }

    private struct SingleValue: SingleValueDecodingContainer {
        let value: SQLiteValue
        let column: String

        var codingPath: [any CodingKey] { [] }

        func decodeNil() -> Bool { value.isNull }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try SQLiteValueDecoder.decode(T.self, from: value, column: column)
        }
    }
}
