import Foundation
import PostgresNIO
@testable import SwiftRepliesStores
import SwiftRepliesCore
import Testing

// The database the server-level tests (ServerHarness, ReloadHarness, the `serve` process tests)
// run on, and a backend-neutral way for them to look at it.
//
//   SWIFTREPLIES_TEST_DATABASE=sqlite    (default) a temporary SQLite file per test
//   SWIFTREPLIES_TEST_DATABASE=postgres  a fresh database per test on SWIFTREPLIES_TEST_POSTGRES_URL,
//                                        dropped afterwards
//
// Inspection (`query`, `count`) runs as the database owner outside the server (row-level
// security does not apply), with `?` placeholders on both backends. Values read the same on
// both: booleans as integers 1/0, timestamps as seconds since 1970 (SQLite stores REAL seconds;
// PostgreSQL's TIMESTAMPTZ is converted).

extension StoreBackend {
    /// The backend of the server-level tests: `SWIFTREPLIES_TEST_DATABASE` (`sqlite`, the
    /// default, or `postgres`).
    static var serverTests: StoreBackend {
        switch ProcessInfo.processInfo.environment["SWIFTREPLIES_TEST_DATABASE"]?.lowercased() {
        case "postgres", "postgresql": return .postgres
        default: return .sqlite
        }
    }

    /// Whether the server-level tests run on SQLite (for the tests that are about SQLite itself).
    static var serverTestsOnSQLite: Bool { serverTests == .sqlite }
}

/// One value read back from a test database.
enum DatabaseValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int)
    case double(Double)
    case text(String)
    case blob([UInt8])

    /// The value as an integer (text is parsed, reals truncated), like `SQLiteValue.integer`.
    var integer: Int? {
        switch self {
        case .integer(let value): return value
        case .double(let value): return Int(exactly: value.rounded(.towardZero))
        case .text(let value): return Int(value)
        case .null, .blob: return nil
        }
    }

    /// The value as a real number, like `SQLiteValue.double`.
    var double: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .double(let value): return value
        case .text(let value): return Double(value)
        case .null, .blob: return nil
        }
    }

    /// The value as text, like `SQLiteValue.string`.
    var string: String? {
        switch self {
        case .integer(let value): return String(value)
        case .double(let value): return String(value)
        case .text(let value): return value
        case .null, .blob: return nil
        }
    }

    var isNull: Bool { self == .null }

    var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let value): return String(value)
        case .double(let value): return String(value)
        case .text(let value): return "'\(value)'"
        case .blob(let bytes): return "<\(bytes.count) bytes>"
        }
    }

    init(_ data: SQLiteValue) {
        switch data {
        case .null: self = .null
        case .integer(let value): self = .integer(Int(value))
        case .float(let value): self = .double(value)
        case .text(let value): self = .text(value)
        case .blob(let bytes): self = .blob(bytes)
        }
    }

    init(_ cell: PostgresCell) {
        guard var bytes = cell.bytes else {
            self = .null
            return
        }
        switch cell.dataType {
        case .int2, .int4, .int8:
            self = (try? cell.decode(Int.self)).map { .integer($0) } ?? .null
        case .float4, .float8:
            self = (try? cell.decode(Double.self)).map { .double($0) } ?? .null
        case .numeric:
            self = (try? cell.decode(Decimal.self)).map { .double(NSDecimalNumber(decimal: $0).doubleValue) } ?? .null
        case .bool:
            self = (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .timestamptz, .timestamp, .date:
            self = (try? cell.decode(Date.self)).map { .double($0.timeIntervalSince1970) } ?? .null
        case .bytea:
            self = .blob(bytes.readBytes(length: bytes.readableBytes) ?? [])
        default:
            if let text = try? cell.decode(String.self) {
                self = .text(text)
            } else {
                self = .text(bytes.readString(length: bytes.readableBytes) ?? "")
            }
        }
    }
}

/// A row read back from a test database, by column name.
struct DatabaseRow: Sendable, CustomStringConvertible {
    /// The columns in select order.
    let columns: [(name: String, value: DatabaseValue)]

    /// The value of the first column called `name` (nil when there is none).
    func column(_ name: String) -> DatabaseValue? {
        columns.first { $0.name == name }?.value
    }

    /// The value at `index` in select order.
    subscript(index: Int) -> DatabaseValue {
        columns.indices.contains(index) ? columns[index].value : .null
    }

    var description: String {
        "(" + columns.map { "\($0.name): \($0.value)" }.joined(separator: ", ") + ")"
    }
}

/// A value bound to a `?` placeholder, typed the same way on both backends.
enum DatabaseBind: Sendable {
    case null
    /// A 64-bit integer (`bigint` on PostgreSQL).
    case integer(Int)
    /// A real number (`double precision` on PostgreSQL).
    case float(Double)
    case text(String)
    case bool(Bool)
    /// A moment: REAL seconds since 1970 on SQLite, `timestamptz` on PostgreSQL (how each
    /// store keeps times).
    case timestamp(Date)

    var sqlite: SQLiteValue {
        switch self {
        case .null: return .null
        case .integer(let value): return .integer(.init(value))
        case .float(let value): return .float(value)
        case .text(let value): return .text(value)
        case .bool(let value): return .integer(value ? 1 : 0)
        case .timestamp(let date): return .float(date.timeIntervalSince1970)
        }
    }

    func append(to bindings: inout PostgresBindings) {
        switch self {
        case .null: bindings.appendNull()
        case .integer(let value): bindings.append(Int64(value))
        case .float(let value): bindings.append(value)
        case .text(let value): bindings.append(value)
        case .bool(let value): bindings.append(value)
        case .timestamp(let date): bindings.append(date)
        }
    }
}

extension TestDatabase {
    /// A fresh database for a server-level test on `StoreBackend.serverTests`: `body` gets it,
    /// and it is removed afterwards (a PostgreSQL database is dropped), whether `body` throws
    /// or not.
    static func withServerTestDatabase<T>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        let database = try await TestDatabase.make(StoreBackend.serverTests)
        do {
            let result = try await body(database)
            await database.remove()
            return result
        } catch {
            await database.remove()
            throw error
        }
    }

    /// Runs `sql` as the database owner on a connection of its own (as an operator would) and
    /// returns its rows. `?` placeholders take `binds` in order on both backends; booleans read
    /// as 1/0 and timestamps as seconds since 1970 on both. Statements that return no rows
    /// (UPDATE, INSERT) work too.
    func query(_ sql: String, _ binds: [DatabaseBind] = []) async throws -> [DatabaseRow] {
        switch backend {
        case .sqlite:
            SQLiteLibrary.prepare()
            let connection = try await SQLiteDatabaseConnection.open(path: location)
            do {
                let rows = try await connection.query(sql, binds.map(\.sqlite))
                try await connection.close()
                return rows.map { row in DatabaseRow(columns: zip(row.columnNames, row.values).map { ($0, DatabaseValue($1)) }) }
            } catch {
                try? await connection.close()
                throw error
            }
        case .postgres:
            var bindings = PostgresBindings()
            for bind in binds { bind.append(to: &bindings) }
            let statement = PostgresQuery(unsafeSQL: Self.numberedPlaceholders(sql), binds: bindings)
            return try await PostgresAdmin.withConnection(location) { connection in
                let result = try await connection.query(statement, logger: quietTestLogger)
                var rows: [DatabaseRow] = []
                for try await row in result {
                    rows.append(DatabaseRow(columns: row.map { ($0.columnName, DatabaseValue($0)) }))
                }
                return rows
            }
        }
    }

    /// The first column of the first row as an integer (0 when there is no row), for `count(*)`.
    func count(_ sql: String, _ binds: [DatabaseBind] = []) async throws -> Int {
        try await query(sql, binds).first?[0].integer ?? 0
    }

    /// `sql` with its `?` placeholders numbered `$1`, `$2`, ... (PostgreSQL's form); question
    /// marks inside quoted strings and identifiers are left alone.
    static func numberedPlaceholders(_ sql: String) -> String {
        var converted = ""
        var index = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                converted.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                converted.append(character)
            } else if character == "?" {
                index += 1
                converted += "$\(index)"
            } else {
                converted.append(character)
            }
        }
        return converted
    }
}
