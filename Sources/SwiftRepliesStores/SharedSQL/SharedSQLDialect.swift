import Foundation
import SQLKit

/// The differences between the two databases that shared SQL must spell out, in one place.
///
/// sql-kit's own dialects (`SQLiteSQLDialect`, postgres-kit's `PostgresDialect`) already take
/// care of placeholders (`?` or `$n`), identifier quoting, `RETURNING`, upserts
/// (`ON CONFLICT ... DO UPDATE`, `excluded.`) and literal booleans (`TRUE`/`FALSE` read the same
/// on both). The rest, which the schema or the two engines decide:
///
/// - **Timestamps and "now".** SQLite keeps `REAL` unix seconds, PostgreSQL `TIMESTAMPTZ`
///   (microseconds). Shared SQL binds a `Date` (the caller's `at:` time) and never asks the
///   database for its clock (`CURRENT_TIMESTAMP` is text on SQLite, `now()` does not exist there).
/// - **Calendar days.** `TEXT` `YYYY-MM-DD` on SQLite, `DATE` on PostgreSQL (`usage_tracking
///   .tracking_date`, the contract dates): bind with `calendarDay(_:)` (`$n::date`) and read with
///   `calendarDayText(_:)` (`::text`), both as `UsageCalendar.day` writes them.
/// - **JSON.** `TEXT` on SQLite, `JSONB` on PostgreSQL: bind and read `SQLJSON` values (`json(_:)`);
///   JSON operators in SQL stay out of shared statements.
/// - **Row locking.** `FOR UPDATE [SKIP LOCKED]` on PostgreSQL; nothing on SQLite, whose write
///   transactions run one at a time on its single writer (`lockForUpdate`, `lockSkippingLocked`).
///   A count that decides an insert (a subscription cap) takes a transaction-scoped advisory lock
///   on PostgreSQL first (`countLock`), so two transactions never both see room for one more.
/// - **Case-insensitive search.** `lower()` folds only ASCII on SQLite and, on PostgreSQL, whatever
///   the database's locale folds (the drift issue 23 notes in contact search). Shared SQL never
///   folds case in SQL: the aggregate stores `searchKey(_:)` of the text (Swift's Unicode
///   lower-casing) in a column of its own, and matches it with `contains(_:_:)`, a bound
///   `LIKE ... ESCAPE` pattern lower-cased the same way. Both databases then compare the same bytes.
/// - **Text order.** `ORDER BY` a text column sorts by the database's collation on PostgreSQL and
///   by bytes on SQLite: order by `byteOrder(_:)` (`COLLATE "C"` on PostgreSQL), or by ids.
public struct SharedSQLDialect: Sendable, Equatable {
    /// The two databases.
    public enum Engine: String, Sendable {
        case sqlite
        case postgresql
    }

    /// The database the SQL runs on.
    public let engine: Engine

    public init(engine: Engine) {
        self.engine = engine
    }

    /// `FOR UPDATE` on PostgreSQL; nothing on SQLite (its single writer is serialised).
    public var lockForUpdate: any SQLExpression {
        SQLRaw(engine == .postgresql ? "FOR UPDATE" : "")
    }

    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL (a scheduler's claim: rows another transaction holds
    /// are skipped, not waited for); nothing on SQLite, where no other write can hold them.
    public var lockSkippingLocked: any SQLExpression {
        SQLRaw(engine == .postgresql ? "FOR UPDATE SKIP LOCKED" : "")
    }

    /// The statement that serialises the transactions counting `scope`'s rows of `tenant` before
    /// an insert the count decides (`pg_advisory_xact_lock`, released at commit); `nil` on SQLite,
    /// where write transactions already run one at a time.
    public func countLock(_ scope: String, tenant: String) -> (any SQLExpression)? {
        guard engine == .postgresql else { return nil }
        return SQLQueryString("SELECT pg_advisory_xact_lock(hashtext(\(bind: scope)), hashtext(\(bind: tenant)))")
    }

    /// `value` bound for a JSON column (`jsonb` on PostgreSQL, JSON text on SQLite).
    public func json<Value: Codable & Sendable>(_ value: Value) -> any SQLExpression {
        SQLBind(SQLJSON(value))
    }

    /// A JSON column read as its JSON text on both (`::text` on PostgreSQL), named as the column:
    /// for values read leniently (`OperationsJSON.map`), as rows written before may hold numbers.
    public func jsonText(_ column: String) -> any SQLExpression {
        engine == .postgresql ? SQLQueryString("\(ident: column)::text AS \(ident: column)") : SQLIdentifier(column)
    }

    /// A timestamp bound as each schema keeps it (`REAL` unix seconds, or `timestamptz`).
    public func timestamp(_ date: Date) -> any SQLExpression {
        SQLBind(date)
    }

    /// A calendar day (`YYYY-MM-DD`, as `UsageCalendar.day` writes it) bound for a day column:
    /// cast to `date` on PostgreSQL, text on SQLite.
    public func calendarDay(_ day: String) -> any SQLExpression {
        engine == .postgresql ? SQLQueryString("\(bind: day)::date") : SQLBind(day)
    }

    /// A day column read as `YYYY-MM-DD` text on both (`::text` on PostgreSQL), named as the column.
    public func calendarDayText(_ column: String) -> any SQLExpression {
        engine == .postgresql ? SQLQueryString("\(ident: column)::text AS \(ident: column)") : SQLIdentifier(column)
    }

    /// A text column in byte order on both databases.
    public func byteOrder(_ column: String) -> any SQLExpression {
        engine == .postgresql ? SQLQueryString("\(ident: column) COLLATE \"C\"") : SQLIdentifier(column)
    }

    /// The search key stored beside a searchable text: Unicode lower-casing, done in Swift so
    /// both databases hold the same bytes.
    public static func searchKey(_ text: String) -> String {
        text.lowercased()
    }

    /// `column LIKE ? ESCAPE '\'` with the bound pattern `%needle%`: `needle` lower-cased by
    /// `searchKey(_:)` and its `%`, `_` and `\` escaped. `column` holds `searchKey` values.
    public func contains(_ column: String, _ needle: String) -> any SQLExpression {
        var escaped = ""
        for character in Self.searchKey(needle) {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return SQLQueryString("\(ident: column) LIKE \(bind: "%" + escaped + "%") ESCAPE '\\'")
    }
}
