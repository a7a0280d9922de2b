import Foundation
import Logging

/// A legacy SQLite file, opened read-only on a connection of its own.
struct LegacySQLiteDatabase: LegacyPagedDatabase {
    let location: String
    let layout: LegacyLayout
    let connection: SQLiteDatabaseConnection

    static func with<T: Sendable>(path: String, logger: Logger, _ body: (any LegacyDatabase) async throws -> T) async throws -> T {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw LegacyImportError.sourceNotFound(path)
        }
        let connection: SQLiteDatabaseConnection
        do {
            // A URI filename with mode=ro opens read-only and never creates a file.
            connection = try await SQLiteDatabaseConnection.open(path: uri(path), readOnly: true)
        } catch {
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
            if error is LegacyImportError { throw error }
            throw LegacyImportError.sourceUnavailable(path, "\(error)")
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

    /// `file:` URI of `path` with `mode=ro`.
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        return "file:\(encoded)?mode=ro"
    }

    func count(_ table: String) async throws -> Int {
        guard layout.resolved[table] != nil else { return 0 }
        let rows = try await run("SELECT count(*) AS n FROM \(LegacyLayout.quoted(table))", [])
        return rows.first?.column("n")?.integer ?? 0
    }

    func page(_ table: String, after: Int64, limit: Int) async throws -> [[LegacyValue]] {
        guard let resolved = layout.resolved[table], let idColumn = resolved.columns[0] else { return [] }
        let expressions = zip(resolved.table.fields, resolved.columns).enumerated().map { index, pair -> String in
            let (field, column) = pair
            guard let column else { return "NULL AS f\(index)" }
            let name = LegacyLayout.quoted(column)
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
            SELECT \(expressions.joined(separator: ", ")) FROM \(LegacyLayout.quoted(table))
            WHERE \(LegacyLayout.quoted(idColumn)) > ? ORDER BY \(LegacyLayout.quoted(idColumn)) LIMIT ?
            """
        let rows = try await run(sql, [.int64(after), .int(limit)])
        return rows.map { row in
            resolved.table.fields.indices.map { index -> LegacyValue in
                switch row.column("f\(index)") {
                case .integer(let value)?: return .integer(Int64(value))
                case .float(let value)?: return .number(value)
                case .text(let value)?: return .text(value)
                case .blob(let bytes)?: return .text(String(decoding: bytes, as: UTF8.self))
                case .null?, nil: return .null
                }
            }
        }
    }

    private func run(_ sql: String, _ binds: [SQLiteValue]) async throws -> [SQLiteResultRow] {
        do {
            return try await connection.query(sql, binds)
        } catch {
            throw LegacyImportError.sourceQuery(location, "\(error)")
        }
    }
}
