extension SQLiteStore {
    /// The store as a `SharedSQLDatabase`: sql-kit statements on its own writer (under its write
    /// lock) and readers.
    public var sharedSQL: any SharedSQLDatabase { SQLiteSharedDatabase(store: self) }
}
