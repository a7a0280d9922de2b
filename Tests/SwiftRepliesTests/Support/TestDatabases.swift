import Foundation
import Logging
import NIOPosix
import PostgresNIO
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Synchronization
import Testing

/// The databases the store tests run against. PostgreSQL joins when
/// `SWIFTREPLIES_TEST_POSTGRES_URL` names a server whose user may create databases
/// (`scripts/test` starts a throwaway cluster and sets it).
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The PostgreSQL server tests may create databases on.
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["SWIFTREPLIES_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// SQLite always; PostgreSQL when a server is configured.
    static var available: [StoreBackend] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }
}

/// A logger that keeps test output quiet.
let quietTestLogger: Logger = {
    var logger = Logger(label: "test.store")
    logger.logLevel = .warning
    return logger
}()

/// A fresh, empty database for one test: a temporary SQLite file, or a new PostgreSQL database
/// (`CREATE DATABASE`) dropped afterwards.
struct TestDatabase: Sendable {
    let backend: StoreBackend
    /// What `--database` would be: the SQLite path or the `postgres://` URL.
    let location: String
    private let postgresName: String?

    /// Creates the database.
    static func make(_ backend: StoreBackend) async throws -> TestDatabase {
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-test-\(UUID().uuidString).sqlite").path
            return TestDatabase(backend: .sqlite, location: path, postgresName: nil)
        case .postgres:
            let server = try #require(StoreBackend.postgresURL, "SWIFTREPLIES_TEST_POSTGRES_URL is not set")
            let name = "swiftreplies_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
            try await PostgresAdmin.execute(server: server, "CREATE DATABASE \(name)")
            return TestDatabase(backend: .postgres, location: PostgresAdmin.url(server, database: name), postgresName: name)
        }
    }

    /// Opens the stores of the database (not migrated).
    func open(leases: PostgresStore.Leases = .init()) async throws -> StoreSet {
        switch backend {
        case .sqlite: return try await SQLiteStore.open(path: location, logger: quietTestLogger).storeSet
        case .postgres: return try await PostgresStore.open(url: location, maximumConnections: 8, leases: leases, logger: quietTestLogger).storeSet
        }
    }

    /// Opens the stores of the database with a custom migration list (not migrated).
    func open(migrations: [Migration]) async throws -> StoreSet {
        switch backend {
        case .sqlite: return try await SQLiteStore.open(path: location, migrations: migrations, logger: quietTestLogger).storeSet
        case .postgres:
            return try await PostgresStore.open(url: location, maximumConnections: 8, migrations: migrations, logger: quietTestLogger).storeSet
        }
    }

    /// The built-in migrations of the backend.
    var migrations: [Migration] {
        backend == .sqlite ? SQLiteMigrations.all : PostgresMigrations.all
    }

    /// Opens and migrates a store, runs `body`, and always shuts the store down.
    func withStore<T>(migrate: Bool = true, _ body: (StoreSet) async throws -> T) async throws -> T {
        let store = try await open()
        do {
            if migrate { try await store.lifecycle.migrateUp() }
            let result = try await body(store)
            try await store.lifecycle.shutdown()
            return result
        } catch {
            try? await store.lifecycle.shutdown()
            throw error
        }
    }

    /// Deletes the database.
    func remove() async {
        switch backend {
        case .sqlite:
            for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: location + suffix) }
        case .postgres:
            guard let server = StoreBackend.postgresURL, let postgresName else { return }
            try? await PostgresAdmin.execute(server: server, "DROP DATABASE IF EXISTS \(postgresName) WITH (FORCE)")
        }
    }

    /// Runs a query as the database owner (outside the store, bypassing row-level security as a
    /// superuser does) and returns every row as text cells (`nil` for NULL). `?` placeholders
    /// take `binds` in order, on both databases; booleans read as "1"/"0" on both.
    func rows(_ sql: String, _ binds: [String] = []) async throws -> [[String?]] {
        switch backend {
        case .sqlite:
            SQLiteLibrary.prepare()
            let connection = try await SQLiteDatabaseConnection.open(path: location)
            do {
                let result = try await connection.query(sql, binds.map { .text($0) })
                try await connection.close()
                return result.map { row in
                    row.values.map { value -> String? in
                        switch value {
                        case .null: return nil
                        case .integer(let value): return String(value)
                        case .float(let value): return String(value)
                        case .text(let value): return value
                        case .blob: return "<blob>"
                        }
                    }
                }
            } catch {
                try? await connection.close()
                throw error
            }
        case .postgres:
            var index = 0
            var converted = ""
            for character in sql {
                if character == "?" {
                    index += 1
                    converted += "$\(index)::text"
                } else {
                    converted.append(character)
                }
            }
            // Every column as text (booleans as 1/0, like SQLite), in column order, as a JSON array.
            let wrapped = """
                SELECT (SELECT json_agg(CASE e.value WHEN 'true' THEN '1' WHEN 'false' THEN '0' ELSE e.value END ORDER BY e.ordinality)
                        FROM json_each_text(row_to_json(q)) WITH ORDINALITY AS e(key, value, ordinality))::text
                FROM (\(converted)) q
                """
            var bindings = PostgresBindings()
            for bind in binds { bindings.append(bind) }
            return try await PostgresAdmin.withConnection(location) { connection in
                let result = try await connection.query(PostgresQuery(unsafeSQL: wrapped, binds: bindings), logger: quietTestLogger)
                var rows: [[String?]] = []
                for try await json in result.decode(String.self) {
                    let cells = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])
                    rows.append(cells.map { $0 as? String })
                }
                return rows
            }
        }
    }

    /// The first column of the first row as an integer.
    func integer(_ sql: String, _ binds: [String] = []) async throws -> Int? {
        try await rows(sql, binds).first?.first.flatMap { $0 }.flatMap { Int($0) ?? (Double($0).map { Int($0) }) }
    }

    /// The first column of the first row as text.
    func text(_ sql: String, _ binds: [String] = []) async throws -> String? {
        try await rows(sql, binds).first?.first ?? nil
    }

    /// Runs a statement as the database owner.
    func execute(_ sql: String) async throws {
        switch backend {
        case .sqlite:
            SQLiteLibrary.prepare()
            let connection = try await SQLiteDatabaseConnection.open(path: location)
            _ = try? await connection.query(sql)
            try await connection.close()
        case .postgres:
            _ = try await PostgresAdmin.withConnection(location) { connection in
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietTestLogger)
            }
        }
    }
}

/// Short-lived connections to a PostgreSQL server for test setup and inspection.
enum PostgresAdmin {
    /// `server` with its database replaced by `database`.
    static func url(_ server: String, database: String) -> String {
        guard var components = URLComponents(string: server) else { return server }
        components.path = "/" + database
        return components.string ?? server
    }

    static func configuration(_ url: String) throws -> PostgresConnection.Configuration {
        let components = try #require(URLComponents(string: url))
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        return PostgresConnection.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? "postgres" : database, tls: .disable
        )
    }

    static let connectionIDs = Synchronization.Atomic<Int>(0)

    static func withConnection<T: Sendable>(_ url: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: try configuration(url),
            id: connectionIDs.wrappingAdd(1, ordering: .relaxed).newValue, logger: quietTestLogger
        )
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func execute(server: String, _ sql: String) async throws {
        _ = try await withConnection(server) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietTestLogger)
        }
    }
}
