import SQLKit

/// A result row of the store's SQLite connection as sql-kit's `SQLRow`: values read by column
/// name with `SQLiteValueDecoder`, as the SQLite store stores them (timestamps as `REAL` unix
/// seconds, flags as 0 or 1, JSON as text; see `SQLiteValueRepresentable`).
///
/// As with postgres-kit's rows, a column the row lacks reads as `NULL` in `decodeNil(column:)`
/// and is an error in `decode(column:as:)`.
struct SQLiteSQLRow: SQLRow {
    let row: SQLiteResultRow

    var allColumns: [String] { row.columnNames }

    func contains(column: String) -> Bool { row.column(column) != nil }

    func decodeNil(column: String) throws -> Bool { row.column(column)?.isNull ?? true }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let value = row.column(column) else { throw SharedSQLError.missingColumn(column) }
        return try SQLiteValueDecoder.decode(D.self, from: value, column: column)
    }
}
