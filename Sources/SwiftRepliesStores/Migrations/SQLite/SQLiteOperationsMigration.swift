extension SQLiteMigrations {
    /// Version 3: what the Actions Center and the tenant API need beyond version 2: when the
    /// customer was told an action's outcome (so an outcome a crash or a failed turn left untold
    /// is told later), and a per-key API rate limit.
    public static let operations = Migration(
        version: 3,
        name: "operations",
        up: [
            "ALTER TABLE actions ADD COLUMN outcome_delivered_at REAL",
            "CREATE INDEX idx_actions_undelivered ON actions (tenant_id, resolved_at) WHERE status <> 'pending' AND outcome_delivered_at IS NULL",
            "ALTER TABLE api_keys ADD COLUMN rate_limit_per_hour INTEGER",
        ],
        down: [
            "ALTER TABLE api_keys DROP COLUMN rate_limit_per_hour",
            "DROP INDEX IF EXISTS idx_actions_undelivered",
            "ALTER TABLE actions DROP COLUMN outcome_delivered_at",
        ]
    )
}
