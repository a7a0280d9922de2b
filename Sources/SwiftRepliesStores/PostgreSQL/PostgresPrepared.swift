import Foundation
import Logging
import PostgresNIO

/// The fixed text of a statement on the hot path, prepared once per connection.
///
/// PostgreSQL parses and plans an unnamed statement on every execution; with row-level
/// security and the indexes of `messages` planning costs more than executing (0.2-0.4 ms per
/// statement, measured with `pg_stat_statements.track_planning`). A prepared statement is
/// planned once per connection (a generic plan, or a custom one when that is much cheaper), and
/// its values are still bound, never written into the text.
protocol PreparedSQL {
    /// The SQL, with `$1`, `$2`, ... for its values.
    static var sql: String { get }
}

/// A `PreparedSQL` as postgres-nio prepares it: the statement's name is the text type's name,
/// which stays well under PostgreSQL's 63-byte limit.
struct PreparedStatement<Text: PreparedSQL>: PostgresPreparedStatement {
    typealias Row = PostgresRow

    static var sql: String { Text.sql }
    static var name: String { "swiftreplies." + String(describing: Text.self) }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// Whether the store prepares its hot statements (named statements kept per connection), or
/// sends them unnamed. `DATABASE_PREPARED_STATEMENTS=false` turns preparing off, for a pooler in
/// transaction mode that does not track prepared statements (see docs/scaling.md).
enum PreparedStatements {
    static let enabled = ProcessInfo.processInfo.environment["DATABASE_PREPARED_STATEMENTS"]?.lowercased() != "false"
}

extension PostgresConnection {
    /// Executes `text`'s statement with `values` bound to `$1`, `$2`, ... in order: prepared the
    /// first time on this connection, or sent unnamed when `prepared` is false.
    @discardableResult
    func run<Text: PreparedSQL, each Value: PostgresThrowingDynamicTypeEncodable>(
        _ text: Text.Type, _ values: repeat each Value, logger: Logger, prepared: Bool = PreparedStatements.enabled
    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, PostgresRow> {
        var bindings = PostgresBindings()
        for value in repeat each values {
            try bindings.append(value)
        }
        if prepared {
            return try await execute(PreparedStatement<Text>(bindings: bindings), logger: logger)
        }
        return try await query(PostgresQuery(unsafeSQL: Text.sql, binds: bindings), logger: logger).map { (row: PostgresRow) async throws -> PostgresRow in row }
    }
}
