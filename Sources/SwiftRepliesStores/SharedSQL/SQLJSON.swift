import Foundation
import PostgresNIO

/// A value stored as JSON in a JSON column: `JSONB` on PostgreSQL, `TEXT` on SQLite (the
/// columns `tags`, `custom_fields`, `permissions`, `events`, `event_data`, ... of both schemas).
///
/// Bind it (`\(bind: SQLJSON(scopes))`) and read it (`row.decode(column: "events",
/// as: SQLJSON<[String]>.self).value`) in shared SQL; each side then does what its store does
/// today:
/// - SQLite: JSON text written with sorted keys (`OperationsJSON.encode`'s format), read back
///   with `JSONDecoder`;
/// - PostgreSQL: a binary `jsonb` parameter, so `INSERT ... VALUES ($1)` into a `JSONB` column
///   needs no `::jsonb` cast; a `jsonb` (or `json`) column reads back without `::text`.
///
/// Without the wrapper, PostgreSQL would bind a `[String]` as `text[]` and refuse it for a `JSONB`
/// column, and SQLite would not know the value is JSON.
public struct SQLJSON<Value: Codable & Sendable>: Codable, Sendable {
    /// The value.
    public var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

extension SQLJSON: Equatable where Value: Equatable {}

extension SQLJSON: Hashable where Value: Hashable {}

/// PostgreSQL: postgres-nio's `jsonb` coding for `Codable` types (a version byte and the JSON).
extension SQLJSON: PostgresEncodable, PostgresDecodable {}

extension SQLJSON: SQLiteValueRepresentable {
    /// The encoder of JSON text for SQLite: sorted keys, as `OperationsJSON.encode` writes maps.
    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    func sqliteValue() throws -> SQLiteValue {
        .text(String(decoding: try Self.encoder.encode(value), as: UTF8.self))
    }

    init(sqliteValue value: SQLiteValue, column: String) throws {
        let bytes: [UInt8]
        switch value {
        case .text(let text): bytes = Array(text.utf8)
        case .blob(let blob): bytes = blob
        default: throw SharedSQLError.unrepresentable(column: column, value: value.description, type: "JSON")
        }
        self.init(try JSONDecoder().decode(Value.self, from: Data(bytes)))
    }
}
