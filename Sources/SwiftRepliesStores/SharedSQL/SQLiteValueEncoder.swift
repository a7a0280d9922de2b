import Foundation

/// Turns a value that sql-kit binds (`any Encodable & Sendable`) into the `SQLiteValue` the
/// connection binds, never into statement text.
///
/// Types that `SQLiteValueRepresentable` covers are stored as the store stores them (see that
/// protocol: `Date` as `REAL` unix seconds, `Bool` as 0 or 1, `SQLJSON` as JSON text, ...), `nil`
/// as `NULL`. Any other type encodes through this `Encoder`: a single value (a `RawRepresentable`
/// enum by its raw value) as that value, and a value that asks for a keyed or unkeyed container
/// as JSON text with sorted keys (postgres-kit sends the same values as `jsonb`).
final class SQLiteValueEncoder: Encoder {
    private(set) var value: SQLiteValue = .null
    /// Whether the value asked for a keyed or unkeyed container (even one it left empty).
    private var wantsJSON = false

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    private init() {}

    /// The SQLite value of a bound `value`.
    static func encode(_ value: any Encodable) throws -> SQLiteValue {
        if let representable = value as? any SQLiteValueRepresentable { return try representable.sqliteValue() }
        let encoder = SQLiteValueEncoder()
        do {
            try value.encode(to: encoder)
            if !encoder.wantsJSON { return encoder.value }
        } catch is NeedsJSON {}
        let json = JSONEncoder()
        json.outputFormatting = .sortedKeys
        return .text(String(decoding: try json.encode(value), as: UTF8.self))
    }

    /// Thrown when the value asks for a container: it is then stored as JSON.
    struct NeedsJSON: Error {}

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        wantsJSON = true
        return KeyedEncodingContainer(Refusing<Key>())
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        wantsJSON = true
        return Refusing<SomeKey>()
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValue(encoder: self) }

    private struct SingleValue: SingleValueEncodingContainer {
        let encoder: SQLiteValueEncoder

        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws { encoder.value = .null }

        mutating func encode<T: Encodable>(_ value: T) throws { encoder.value = try SQLiteValueEncoder.encode(value) }
    }

    private struct SomeKey: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init(intValue: Int) {
            self.stringValue = "\(intValue)"
            self.intValue = intValue
        }
    }

    /// A container whose first use throws `NeedsJSON` (a container cannot throw when it is made).
    private struct Refusing<Key: CodingKey>: KeyedEncodingContainerProtocol, UnkeyedEncodingContainer {
        var codingPath: [any CodingKey] { [] }
        var count: Int { 0 }

        mutating func encodeNil(forKey key: Key) throws { throw NeedsJSON() }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw NeedsJSON() }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Refusing<NestedKey>())
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { Refusing<SomeKey>() }
        mutating func superEncoder() -> any Encoder { SQLiteValueEncoder() }
        mutating func superEncoder(forKey key: Key) -> any Encoder { SQLiteValueEncoder() }

        mutating func encodeNil() throws { throw NeedsJSON() }
        mutating func encode<T: Encodable>(_ value: T) throws { throw NeedsJSON() }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Refusing<NestedKey>())
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { Refusing<SomeKey>() }
    }
}
