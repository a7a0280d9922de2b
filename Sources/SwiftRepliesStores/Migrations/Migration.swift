/// One versioned schema change: the statements that apply it and the statements that undo it.
///
/// Each statement is a single SQL statement (drivers prepare them one at a time). A driver runs a
/// migration's statements and its bookkeeping in one transaction, so a migration that fails
/// leaves the schema as it was.
public struct Migration: Sendable, Hashable {
    /// A positive number; migrations apply in ascending order and roll back in descending order.
    public var version: Int
    /// A short label (`core`), recorded in `schema_migrations`.
    public var name: String
    /// The statements that apply the migration, in order.
    public var up: [String]
    /// The statements that undo it, in order.
    public var down: [String]

    public init(version: Int, name: String, up: [String], down: [String]) {
        self.version = version
        self.name = name
        self.up = up
        self.down = down
    }
}

/// Which way a migration runs.
public enum MigrationDirection: String, Sendable, Hashable {
    case up
    case down
}
