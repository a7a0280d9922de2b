import SQLKit

/// sql-kit's description of SQLite's SQL, for statements that `SQLiteSQLDatabase` runs on the
/// store's own connections (the system's SQLite, 3.38 or newer).
///
/// What differs from PostgreSQL's dialect: `?` placeholders (sql-kit numbers the binds in the
/// order they appear, which is the order `?` takes them), `AUTOINCREMENT`, no enum types, no
/// `CASCADE` on drops, and no row locking: `FOR UPDATE` and `FOR SHARE` serialize to nothing
/// (`nil`), because every write transaction of the store runs on its one writer connection,
/// one at a time, so a row read in one cannot be taken by another. Upserts use the standard
/// `ON CONFLICT (...) DO UPDATE SET ... excluded.column` form, and `RETURNING` is supported
/// (SQLite 3.35). JSON paths read with `json_extract`. Literal booleans are `TRUE`/`FALSE`,
/// which SQLite reads as 1 and 0, the values the schema's `INTEGER` flags hold. SQLite has no
/// `DEFAULT` inside `VALUES`: `literalDefault` is `NULL`, as in sqlite-kit, so leave a column out
/// of an insert to get its default.
public struct SQLiteSQLDialect: SQLDialect {
    public init() {}

    public var name: String { "sqlite" }

    public var identifierQuote: any SQLExpression { SQLRaw(#"""#) }

    public var literalStringQuote: any SQLExpression { SQLRaw("'") }

    public var supportsAutoIncrement: Bool { true }

    public var autoIncrementClause: any SQLExpression { SQLRaw("AUTOINCREMENT") }

    public func bindPlaceholder(at position: Int) -> any SQLExpression { SQLRaw("?") }

    public func literalBoolean(_ value: Bool) -> any SQLExpression { SQLRaw(value ? "TRUE" : "FALSE") }

    public var literalDefault: any SQLExpression { SQLLiteral.null }

    public var supportsIfExists: Bool { true }

    public var enumSyntax: SQLEnumSyntax { .unsupported }

    public var supportsDropBehavior: Bool { false }

    public var supportsReturning: Bool { true }

    public var triggerSyntax: SQLTriggerSyntax {
        .init(create: [.supportsBody, .supportsCondition, .supportsUpdateColumns], drop: [])
    }

    /// SQLite alters one column per statement and cannot change a column's type.
    public var alterTableSyntax: SQLAlterTableSyntax { .init(alterColumnDefinitionClause: nil, alterColumnDefinitionTypeKeyword: nil, allowsBatch: false) }

    public var upsertSyntax: SQLUpsertSyntax { .standard }

    public var unionFeatures: SQLUnionFeatures { [.union, .unionAll, .intersect, .except] }

    /// None: SQLite has no row locks (see the type's notes).
    public var sharedSelectLockExpression: (any SQLExpression)? { nil }

    /// None: SQLite has no row locks (see the type's notes).
    public var exclusiveSelectLockExpression: (any SQLExpression)? { nil }

    public func nestedSubpathExpression(in column: any SQLExpression, for path: [String]) -> (any SQLExpression)? {
        guard !path.isEmpty else { return nil }
        return SQLFunction("json_extract", args: [column, SQLLiteral.string("$." + path.joined(separator: "."))])
    }
}
