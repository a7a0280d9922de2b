extension PostgresMigrations {
    /// Version 3, as `SQLiteMigrations.operations`: when the customer was told an action's
    /// outcome (so an outcome a crash or a failed turn left untold is told later), and a per-key
    /// API rate limit. Both tables already have row-level security (version 2); new columns and
    /// indexes need no new policies or grants.
    public static let operations = Migration(
        version: 3,
        name: "operations",
        up: [
            "ALTER TABLE actions ADD COLUMN outcome_delivered_at TIMESTAMPTZ",
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
