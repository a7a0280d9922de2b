import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SQLiteNIO
import SwiftRepliesCore

/// The old single-tenant database `swiftreplies import-legacy` reads: a PostgreSQL database
/// (such as the original Supabase one) or an SQLite file with the legacy tables `contacts`,
/// `messages`, and optionally `orders` and `campaigns` (docs/import-legacy.md has the schema).
///
/// Rows are read in pages ordered by id (`id > after`), so a table of any size streams through
/// bounded memory. Only reads: an SQLite file is opened read-only, a PostgreSQL session is made
/// read-only.
public protocol LegacyDatabase: Sendable {
    /// Where it is, with any password hidden.
    var location: String { get }
    /// Which tables and columns were found, for messages.
    var layout: LegacyLayout { get }
    /// Rows in each table (0 for an optional table that is absent).
    func counts() async throws -> LegacyTableCounts
    /// Up to `limit` contacts with an id above `after`, by id.
    func contacts(after: Int64, limit: Int) async throws -> [LegacyContact]
    /// Up to `limit` messages with an id above `after`, by id.
    func messages(after: Int64, limit: Int) async throws -> [LegacyMessage]
    /// Up to `limit` orders with an id above `after`, by id (none without an `orders` table).
    func orders(after: Int64, limit: Int) async throws -> [LegacyOrder]
    /// Up to `limit` campaigns with an id above `after`, by id (none without a `campaigns` table).
    func campaigns(after: Int64, limit: Int) async throws -> [LegacyCampaign]
}

/// Row counts of the legacy tables.
public struct LegacyTableCounts: Sendable, Hashable {
    public var contacts: Int
    public var messages: Int
    public var orders: Int
    public var campaigns: Int

    public init(contacts: Int, messages: Int, orders: Int, campaigns: Int) {
        self.contacts = contacts
        self.messages = messages
        self.orders = orders
        self.campaigns = campaigns
    }
}

/// Opens legacy databases.
public enum LegacyDatabases {
    /// Opens the legacy database `location` names (a `postgres://` URL, else an SQLite file path,
    /// optionally `sqlite://path`), checks its tables, runs `body` with it and closes it, whether
    /// `body` succeeds or throws.
    public static func withDatabase<T: Sendable>(
        _ location: String, logger: Logger, _ body: (any LegacyDatabase) async throws -> T
    ) async throws -> T {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            return try await LegacyPostgresDatabase.with(url: location, logger: logger, body)
        }
        var path = location
        if path.hasPrefix("sqlite://") { path.removeFirst("sqlite://".count) }
        return try await LegacySQLiteDatabase.with(path: path, logger: logger, body)
    }
}

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

// MARK: - Layout

/// The legacy tables and columns the import reads, with the column names it accepts for each
/// field (the first present wins), and what it found in a given database.
public struct LegacyLayout: Sendable, Hashable {
    /// The kind of value a field holds.
    enum Kind: Sendable, Hashable {
        case integer, text, number, timestamp
    }

    /// A field the import reads, and the column names that may hold it.
    struct Field: Sendable, Hashable {
        var name: String
        var candidates: [String]
        var kind: Kind
        var required: Bool
    }

    /// A table the import reads.
    struct Table: Sendable, Hashable {
        var name: String
        var required: Bool
        var fields: [Field]
    }

    static let contacts = Table(name: "contacts", required: true, fields: [
        Field(name: "id", candidates: ["id"], kind: .integer, required: true),
        Field(name: "phone_number", candidates: ["phone_number", "phone", "wa_id"], kind: .text, required: true),
        Field(name: "thread_id", candidates: ["thread_id"], kind: .text, required: false),
        Field(name: "name", candidates: ["name", "contact_name", "full_name"], kind: .text, required: false),
        Field(name: "created_at", candidates: ["created_at"], kind: .timestamp, required: false),
    ])
    static let messages = Table(name: "messages", required: true, fields: [
        Field(name: "id", candidates: ["id"], kind: .integer, required: true),
        Field(name: "contact_id", candidates: ["contact_id"], kind: .integer, required: true),
        Field(name: "direction", candidates: ["direction", "role"], kind: .text, required: true),
        Field(name: "message_text", candidates: ["message_text", "content", "message", "text", "body"], kind: .text, required: false),
        Field(name: "sent_at", candidates: ["sent_at", "created_at", "timestamp"], kind: .timestamp, required: false),
    ])
    static let orders = Table(name: "orders", required: false, fields: [
        Field(name: "id", candidates: ["id"], kind: .integer, required: true),
        Field(name: "contact_id", candidates: ["contact_id"], kind: .integer, required: false),
        Field(name: "product_name", candidates: ["product_name", "product", "item_name"], kind: .text, required: false),
        Field(name: "quantity", candidates: ["quantity", "qty"], kind: .integer, required: false),
        Field(name: "total_price", candidates: ["total_price", "total", "total_amount", "amount", "price"], kind: .number, required: false),
        Field(name: "status", candidates: ["status"], kind: .text, required: false),
        Field(name: "created_at", candidates: ["created_at", "order_date"], kind: .timestamp, required: false),
    ])
    static let campaigns = Table(name: "campaigns", required: false, fields: [
        Field(name: "id", candidates: ["id"], kind: .integer, required: true),
        Field(name: "name", candidates: ["name", "campaign_name", "title"], kind: .text, required: true),
        Field(name: "message", candidates: ["message", "message_template", "content", "message_text"], kind: .text, required: false),
        Field(name: "status", candidates: ["status"], kind: .text, required: false),
        Field(name: "created_at", candidates: ["created_at"], kind: .timestamp, required: false),
    ])
    static let tables = [contacts, messages, orders, campaigns]

    /// A table as found: the column chosen for each field (`nil`: absent, read as NULL) and its
    /// declared type.
    struct Resolved: Sendable, Hashable {
        var table: Table
        var columns: [String?]
        var types: [String?]
    }

    /// The resolved tables by name; an optional table that is absent is not here.
    var resolved: [String: Resolved]

    /// Matches the tables' columns (`columns[table]`: lowercased column name → declared type;
    /// a table missing from the dictionary does not exist). Fails, naming what is missing, when
    /// a required table or column is absent.
    static func resolve(columns: [String: [String: String]], location: String) throws -> LegacyLayout {
        var resolved: [String: Resolved] = [:]
        var problems: [String] = []
        // Tenant-keyed tables are a multi-tenant database (this host's, or seed 004's with
        // user ids): importing one as a single tenant would merge its tenants.
        for key in ["tenant_id", "user_id"] where columns["contacts"]?[key] != nil {
            throw LegacyImportError.notALegacyDatabase(
                location, "its contacts table has a \(key) column, so it is already a multi-tenant database, not the single-tenant one"
            )
        }
        for table in tables {
            guard let present = columns[table.name], !present.isEmpty else {
                if table.required { problems.append("table '\(table.name)' is missing") }
                continue
            }
            var chosen: [String?] = []
            var types: [String?] = []
            for field in table.fields {
                let column = field.candidates.first { present[$0] != nil }
                if column == nil, field.required {
                    let names = field.candidates.map { "'\($0)'" }.joined(separator: " or ")
                    problems.append("table '\(table.name)' has no column \(names)")
                }
                chosen.append(column)
                types.append(column.flatMap { present[$0] })
            }
            resolved[table.name] = Resolved(table: table, columns: chosen, types: types)
        }
        if !problems.isEmpty { throw LegacyImportError.notALegacyDatabase(location, problems.joined(separator: "; ")) }
        return LegacyLayout(resolved: resolved)
    }

    /// `table.field ← column` for every field read, for logs.
    public var summary: String {
        Self.tables.compactMap { table -> String? in
            guard let found = resolved[table.name] else { return "\(table.name): absent" }
            let fields = zip(table.fields, found.columns).map { field, column in
                column.map { $0 == field.name ? $0 : "\(field.name)←\($0)" } ?? "\(field.name)←NULL"
            }
            return "\(table.name)(\(fields.joined(separator: ", ")))"
        }.joined(separator: " ")
    }
}

/// One cell of a legacy row, already converted to the field's kind.
enum LegacyValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)
    case number(Double)

    var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .number(let value): return value.isFinite ? Int64(value) : nil
        case .text(let text): return Int64(text.trimmingCharactersInWhitespace())
        case .null: return nil
        }
    }

    var text: String? {
        switch self {
        case .text(let text): return text
        case .integer(let value): return String(value)
        case .number(let value): return String(value)
        case .null: return nil
        }
    }

    var number: Double? {
        switch self {
        case .number(let value): return value
        case .integer(let value): return Double(value)
        case .text(let text): return Double(text.trimmingCharactersInWhitespace())
        case .null: return nil
        }
    }

    /// A timestamp read as unix seconds (numbers above 10^11 are taken as milliseconds).
    var date: Date? {
        guard let seconds = number, seconds.isFinite else { return nil }
        return Date(timeIntervalSince1970: seconds > 100_000_000_000 ? seconds / 1000 : seconds)
    }
}

/// Legacy rows from generic cells, in the order of each table's fields.
enum LegacyRows {
    static func contact(_ cells: [LegacyValue]) -> LegacyContact? {
        guard let id = cells[0].integer else { return nil }
        return LegacyContact(legacyID: id, phoneNumber: cells[1].text ?? "", threadID: nonEmpty(cells[2].text), name: nonEmpty(cells[3].text), createdAt: cells[4].date)
    }

    static func message(_ cells: [LegacyValue]) -> LegacyMessage? {
        guard let id = cells[0].integer else { return nil }
        return LegacyMessage(
            legacyID: id, legacyContactID: cells[1].integer ?? -1, direction: cells[2].text ?? "", text: cells[3].text, sentAt: cells[4].date
        )
    }

    static func order(_ cells: [LegacyValue]) -> LegacyOrder? {
        guard let id = cells[0].integer else { return nil }
        return LegacyOrder(
            legacyID: id, legacyContactID: cells[1].integer, productName: nonEmpty(cells[2].text), quantity: Int(cells[3].integer ?? 1),
            total: cells[4].number, status: nonEmpty(cells[5].text) ?? "pending", createdAt: cells[6].date
        )
    }

    static func campaign(_ cells: [LegacyValue]) -> LegacyCampaign? {
        guard let id = cells[0].integer else { return nil }
        return LegacyCampaign(
            legacyID: id, name: nonEmpty(cells[1].text) ?? "Campaign \(id)", message: cells[2].text, status: nonEmpty(cells[3].text) ?? "draft",
            createdAt: cells[4].date
        )
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.trimmingCharactersInWhitespace().isEmpty else { return nil }
        return text
    }
}

/// Reads pages of a table through `page(table, after, limit)` and converts them.
protocol LegacyPagedDatabase: LegacyDatabase {
    func page(_ table: String, after: Int64, limit: Int) async throws -> [[LegacyValue]]
    func count(_ table: String) async throws -> Int
}

extension LegacyPagedDatabase {
    public func counts() async throws -> LegacyTableCounts {
        LegacyTableCounts(
            contacts: try await count("contacts"), messages: try await count("messages"), orders: try await count("orders"),
            campaigns: try await count("campaigns")
        )
    }

    public func contacts(after: Int64, limit: Int) async throws -> [LegacyContact] {
        try await page("contacts", after: after, limit: limit).compactMap(LegacyRows.contact)
    }

    public func messages(after: Int64, limit: Int) async throws -> [LegacyMessage] {
        try await page("messages", after: after, limit: limit).compactMap(LegacyRows.message)
    }

    public func orders(after: Int64, limit: Int) async throws -> [LegacyOrder] {
        try await page("orders", after: after, limit: limit).compactMap(LegacyRows.order)
    }

    public func campaigns(after: Int64, limit: Int) async throws -> [LegacyCampaign] {
        try await page("campaigns", after: after, limit: limit).compactMap(LegacyRows.campaign)
    }
}

/// A column name as a quoted SQL identifier (names come from `LegacyLayout`'s fixed lists).
private func quoted(_ identifier: String) -> String {
    "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

// MARK: - SQLite

/// A legacy SQLite file, opened read-only on its own thread.
struct LegacySQLiteDatabase: LegacyPagedDatabase {
    let location: String
    let layout: LegacyLayout
    let connection: SQLiteConnection

    static func with<T: Sendable>(path: String, logger: Logger, _ body: (any LegacyDatabase) async throws -> T) async throws -> T {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw LegacyImportError.sourceNotFound(path)
        }
        SQLiteLibrary.prepare()
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        let connection: SQLiteConnection
        do {
            // A URI filename opens read-only and never creates a file.
            connection = try await SQLiteConnection.open(
                storage: .file(path: uri(path)), threadPool: threads, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any()
            )
        } catch {
            try? await threads.shutdownGracefully()
            throw LegacyImportError.sourceUnavailable(path, "\(error)")
        }
        let database: LegacySQLiteDatabase
        do {
            _ = try await connection.query("PRAGMA query_only = ON")
            var columns: [String: [String: String]] = [:]
            for table in LegacyLayout.tables {
                let rows = try await connection.query("SELECT name, type FROM pragma_table_info(?)", [.text(table.name)])
                var found: [String: String] = [:]
                for row in rows {
                    guard let name = row.column("name")?.string else { continue }
                    found[name.lowercased()] = row.column("type")?.string ?? ""
                }
                if !found.isEmpty { columns[table.name] = found }
            }
            database = LegacySQLiteDatabase(location: path, layout: try LegacyLayout.resolve(columns: columns, location: path), connection: connection)
        } catch {
            try? await connection.close()
            try? await threads.shutdownGracefully()
            if error is LegacyImportError { throw error }
            throw LegacyImportError.sourceUnavailable(path, "\(error)")
        }
        do {
            let result = try await body(database)
            try? await connection.close()
            try? await threads.shutdownGracefully()
            return result
        } catch {
            try? await connection.close()
            try? await threads.shutdownGracefully()
            throw error
        }
    }

    /// `file:` URI of `path` with `mode=ro`.
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        return "file:\(encoded)?mode=ro"
    }

    func count(_ table: String) async throws -> Int {
        guard layout.resolved[table] != nil else { return 0 }
        let rows = try await run("SELECT count(*) AS n FROM \(quoted(table))", [])
        return rows.first?.column("n")?.integer ?? 0
    }

    func page(_ table: String, after: Int64, limit: Int) async throws -> [[LegacyValue]] {
        guard let resolved = layout.resolved[table], let idColumn = resolved.columns[0] else { return [] }
        let expressions = zip(resolved.table.fields, resolved.columns).enumerated().map { index, pair -> String in
            let (field, column) = pair
            guard let column else { return "NULL AS f\(index)" }
            let name = quoted(column)
            switch field.kind {
            case .integer:
                return "CASE WHEN typeof(\(name)) IN ('integer', 'real') THEN CAST(\(name) AS INTEGER) ELSE \(name) END AS f\(index)"
            case .text:
                return "CAST(\(name) AS TEXT) AS f\(index)"
            case .number:
                return "CASE WHEN \(name) IS NULL THEN NULL ELSE CAST(\(name) AS REAL) END AS f\(index)"
            case .timestamp:
                // Text dates (ISO 8601, `YYYY-MM-DD HH:MM:SS`, UTC unless they carry an offset)
                // through julianday; numbers are unix seconds (or milliseconds).
                return """
                    CASE WHEN \(name) IS NULL THEN NULL
                         WHEN typeof(\(name)) IN ('integer', 'real') THEN CAST(\(name) AS REAL)
                         ELSE ROUND((julianday(\(name)) - 2440587.5) * 86400.0, 3) END AS f\(index)
                    """
            }
        }
        let sql = """
            SELECT \(expressions.joined(separator: ", ")) FROM \(quoted(table))
            WHERE \(quoted(idColumn)) > ? ORDER BY \(quoted(idColumn)) LIMIT ?
            """
        let rows = try await run(sql, [.int64(after), .int(limit)])
        return rows.map { row in
            resolved.table.fields.indices.map { index -> LegacyValue in
                switch row.column("f\(index)") {
                case .integer(let value)?: return .integer(Int64(value))
                case .float(let value)?: return .number(value)
                case .text(let value)?: return .text(value)
                case .blob(let buffer)?: return .text(String(buffer: buffer))
                case .null?, nil: return .null
                }
            }
        }
    }

    private func run(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
        do {
            return try await connection.query(sql, binds)
        } catch {
            throw LegacyImportError.sourceQuery(location, "\(error)")
        }
    }
}

// MARK: - PostgreSQL

/// A legacy PostgreSQL database, read over one connection in a read-only session.
struct LegacyPostgresDatabase: LegacyPagedDatabase {
    let location: String
    let layout: LegacyLayout
    let connection: PostgresConnection
    let logger: Logger

    static func with<T: Sendable>(url: String, logger: Logger, _ body: (any LegacyDatabase) async throws -> T) async throws -> T {
        let location = PostgresURL.redacted(url)
        let configuration = try connectionConfiguration(url)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1, logger: logger
            )
        } catch {
            throw LegacyImportError.sourceUnavailable(location, PostgresStoreError.describe(error))
        }
        let database: LegacyPostgresDatabase
        do {
            try await connection.query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", logger: logger)
            let rows = try await connection.query(
                """
                SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = ANY(\(LegacyLayout.tables.map(\.name))::text[])
                """,
                logger: logger
            )
            var columns: [String: [String: String]] = [:]
            for try await (table, column, type) in rows.decode((String, String, String).self) {
                columns[table, default: [:]][column.lowercased()] = type.lowercased()
            }
            database = LegacyPostgresDatabase(
                location: location, layout: try LegacyLayout.resolve(columns: columns, location: location), connection: connection, logger: logger
            )
        } catch {
            try? await connection.close()
            if error is LegacyImportError { throw error }
            throw LegacyImportError.sourceQuery(location, PostgresStoreError.describe(error))
        }
        do {
            let result = try await body(database)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A connection configuration from a `postgres://user:password@host:port/database` URL
    /// (`?sslmode=require|prefer`, `?host=/socket/dir`), as `PostgresStore` reads it.
    static func connectionConfiguration(_ url: String) throws -> PostgresConnection.Configuration {
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw LegacyImportError.sourceUnavailable(PostgresURL.redacted(url), "not a postgres:// URL (postgres://user:password@host:5432/database)")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"] ?? "127.0.0.1"
        let user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.password.flatMap { $0.removingPercentEncoding }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        if host.hasPrefix("/") {
            return .init(unixSocketPath: host, username: user, password: password, database: database.isEmpty ? nil : database)
        }
        let tls: PostgresConnection.Configuration.TLS
        switch query["sslmode"] ?? "disable" {
        case "require", "verify-ca", "verify-full":
            tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case "prefer":
            tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default:
            tls = .disable
        }
        return .init(host: host, port: components.port ?? 5432, username: user, password: password, database: database.isEmpty ? nil : database, tls: tls)
    }

    func count(_ table: String) async throws -> Int {
        guard layout.resolved[table] != nil else { return 0 }
        return try await run { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(quoted(table))"), logger: logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    func page(_ table: String, after: Int64, limit: Int) async throws -> [[LegacyValue]] {
        guard let resolved = layout.resolved[table], let idColumn = resolved.columns[0] else { return [] }
        let fields = resolved.table.fields
        let expressions = fields.indices.map { index -> String in
            guard let column = resolved.columns[index] else {
                switch fields[index].kind {
                case .integer: return "NULL::bigint"
                case .text: return "NULL::text"
                case .number, .timestamp: return "NULL::float8"
                }
            }
            let name = quoted(column)
            switch fields[index].kind {
            case .integer: return "\(name)::bigint"
            case .text: return "\(name)::text"
            case .number: return "\(name)::float8"
            case .timestamp:
                // timestamp (read as UTC), timestamptz and date through EXTRACT; numbers are
                // unix seconds (or milliseconds); text is parsed as a timestamp.
                let type = resolved.types[index] ?? ""
                if type.hasPrefix("timestamp") || type == "date" { return "EXTRACT(EPOCH FROM \(name))::float8" }
                if ["integer", "bigint", "smallint", "numeric", "real", "double precision"].contains(type) { return "\(name)::float8" }
                return "EXTRACT(EPOCH FROM \(name)::timestamptz)::float8"
            }
        }
        let sql = """
            SELECT \(expressions.joined(separator: ", ")) FROM \(quoted(table))
            WHERE \(quoted(idColumn)) > $1 ORDER BY \(quoted(idColumn)) LIMIT $2
            """
        var binds = PostgresBindings(capacity: 2)
        binds.append(after)
        binds.append(Int64(limit))
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await run { connection in
            let rows = try await connection.query(query, logger: logger)
            var page: [[LegacyValue]] = []
            for try await row in rows {
                let cells = row.makeRandomAccess()
                page.append(
                    try fields.indices.map { index -> LegacyValue in
                        switch fields[index].kind {
                        case .integer: return try cells[index].decode(Int64?.self).map(LegacyValue.integer) ?? .null
                        case .text: return try cells[index].decode(String?.self).map(LegacyValue.text) ?? .null
                        case .number, .timestamp: return try cells[index].decode(Double?.self).map(LegacyValue.number) ?? .null
                        }
                    }
                )
            }
            return page
        }
    }

    private func run<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await body(connection)
        } catch {
            throw LegacyImportError.sourceQuery(location, PostgresStoreError.describe(error))
        }
    }
}
