extension PostgresStore {
    /// The store as a `SharedSQLDatabase`: sql-kit statements on connections of its pool, in
    /// transactions that enter the tenant (row-level security) or the host role first.
    public var sharedSQL: any SharedSQLDatabase { PostgresSharedDatabase(client: client, logger: logger) }
}
