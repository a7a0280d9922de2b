import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SwiftRepliesCore

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
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(LegacyLayout.quoted(table))"), logger: logger)
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
            let name = LegacyLayout.quoted(column)
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
            SELECT \(expressions.joined(separator: ", ")) FROM \(LegacyLayout.quoted(table))
            WHERE \(LegacyLayout.quoted(idColumn)) > $1 ORDER BY \(LegacyLayout.quoted(idColumn)) LIMIT $2
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
