/// The PostgreSQL schema, as versioned migrations with the same versions and tables as
/// `SQLiteMigrations`, in PostgreSQL's types (`TIMESTAMPTZ`, `BOOLEAN`, `JSONB`, identity ids).
///
/// Tenant isolation is enforced by the database: every table holding tenant data has row-level
/// security enabled and forced, with two policies:
/// - `tenant_isolation`, for the role `swiftreplies_app`: a row is visible and writable only when
///   its tenant equals the transaction's `swiftreplies.tenant_id` setting (unset: nothing);
/// - `host_work`, for the role `swiftreplies_host`: the host's own queue work across tenants
///   (storing webhooks, dispatching turns, the outbox, directory sync, expiry sweeps).
/// Both roles are `NOLOGIN` and have no `BYPASSRLS`; the store switches to one of them with
/// `SET LOCAL ROLE` inside each transaction, so even a superuser URL is held to the policies.
/// The roles are created when missing and are not dropped by `down` (they belong to the cluster,
/// and other databases may use them).
public enum PostgresMigrations {
    /// Every migration, ascending.
    public static let all: [Migration] = [core, tenantData, operations, dispatchIndex, outboxOrder]

    /// The role tenant work runs as.
    public static let applicationRole = "swiftreplies_app"
    /// The role the host's cross-tenant queue work runs as.
    public static let hostRole = "swiftreplies_host"
    /// The per-transaction setting that names the current tenant.
    public static let tenantSetting = "swiftreplies.tenant_id"

    /// Creates a role when missing (concurrent creators in other databases are tolerated) and
    /// lets the migrating user switch to it.
    static func ensureRole(_ role: String) -> [String] {
        [
            """
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(role)') THEN
                    CREATE ROLE \(role) NOLOGIN NOBYPASSRLS;
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END
            $$
            """,
            """
            DO $$
            BEGIN
                IF NOT pg_has_role(current_user, '\(role)', 'MEMBER') THEN
                    EXECUTE format('GRANT \(role) TO %I', current_user);
                END IF;
            END
            $$
            """,
        ]
    }

    /// Enables and forces row-level security on `table` with the tenant and host policies,
    /// keyed by `column`, and grants both roles the table.
    static func tenantTable(_ table: String, column: String = "tenant_id") -> [String] {
        [
            "ALTER TABLE \(table) ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE \(table) FORCE ROW LEVEL SECURITY",
            """
            CREATE POLICY tenant_isolation ON \(table) TO \(applicationRole)
                USING (\(column) = current_setting('\(tenantSetting)', true))
                WITH CHECK (\(column) = current_setting('\(tenantSetting)', true))
            """,
            "CREATE POLICY host_work ON \(table) TO \(hostRole) USING (true) WITH CHECK (true)",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON \(table) TO \(applicationRole), \(hostRole)",
        ]
    }

    /// Grants both roles a table without tenant data (no row-level security).
    static func sharedTable(_ table: String) -> [String] {
        ["GRANT SELECT, INSERT, UPDATE, DELETE ON \(table) TO \(applicationRole), \(hostRole)"]
    }

    /// Lets both roles use the identity sequences of the schema.
    static let sequenceGrants = "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO \(applicationRole), \(hostRole)"

    /// Version 1: directory, contacts, messages (inbound queue and outbox), unroutable messages,
    /// send attempts and conversation instructions; the roles and their policies.
    public static let core = Migration(
        version: 1,
        name: "core",
        up: ensureRole(applicationRole) + ensureRole(hostRole) + [
            "GRANT USAGE ON SCHEMA public TO \(applicationRole), \(hostRole)",
            """
            CREATE TABLE tenants (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                plan TEXT NOT NULL,
                is_active BOOLEAN NOT NULL DEFAULT true,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE chatbots (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                name TEXT NOT NULL,
                agent_id TEXT NOT NULL,
                is_active BOOLEAN NOT NULL DEFAULT true,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX chatbots_tenant_active ON chatbots (tenant_id, is_active)",
            """
            CREATE TABLE chatbot_numbers (
                chatbot_id TEXT NOT NULL REFERENCES chatbots(id) ON DELETE CASCADE,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                position INTEGER NOT NULL,
                account_id TEXT NOT NULL,
                provider TEXT NOT NULL,
                number TEXT NOT NULL,
                phone_number_id TEXT,
                PRIMARY KEY (chatbot_id, position)
            )
            """,
            """
            CREATE TABLE contacts (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                phone_number TEXT NOT NULL,
                name TEXT,
                thread_id TEXT,
                tags JSONB NOT NULL DEFAULT '[]'::jsonb,
                custom_fields JSONB NOT NULL DEFAULT '{}'::jsonb,
                chatbot_id TEXT REFERENCES chatbots(id),
                last_interaction TIMESTAMPTZ,
                created_at TIMESTAMPTZ NOT NULL,
                CONSTRAINT unique_contact_per_tenant UNIQUE (tenant_id, phone_number)
            )
            """,
            "CREATE INDEX contacts_tenant ON contacts (tenant_id)",
            """
            CREATE TABLE messages (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                chatbot_id TEXT NOT NULL REFERENCES chatbots(id),
                contact_id BIGINT NOT NULL REFERENCES contacts(id),
                direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
                kind TEXT NOT NULL,
                text TEXT,
                attributes JSONB NOT NULL DEFAULT '{}'::jsonb,
                answerable BOOLEAN NOT NULL DEFAULT false,
                provider TEXT NOT NULL,
                provider_message_id TEXT,
                status TEXT NOT NULL,
                ai_processed BOOLEAN NOT NULL DEFAULT false,
                processing_ms INTEGER,
                is_from_human BOOLEAN NOT NULL DEFAULT false,
                purpose TEXT,
                intent TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TIMESTAMPTZ,
                possibly_duplicated BOOLEAN NOT NULL DEFAULT false,
                error_code TEXT,
                error_message TEXT,
                config_revision INTEGER,
                created_at TIMESTAMPTZ NOT NULL,
                processed_at TIMESTAMPTZ,
                sent_at TIMESTAMPTZ,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX unique_provider_message_per_chatbot ON messages (chatbot_id, provider_message_id) WHERE direction = 'inbound'",
            "CREATE INDEX messages_pending_inbound ON messages (id) WHERE direction = 'inbound' AND status = 'received'",
            "CREATE INDEX messages_outbox ON messages (next_attempt_at) WHERE direction = 'outbound' AND status = 'queued'",
            "CREATE INDEX messages_conversation ON messages (tenant_id, contact_id, id)",
            "CREATE INDEX messages_outbound_provider_id ON messages (provider_message_id) WHERE direction = 'outbound'",
            """
            CREATE TABLE unroutable_messages (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                provider TEXT NOT NULL,
                provider_message_id TEXT NOT NULL,
                destination TEXT NOT NULL,
                from_number TEXT NOT NULL,
                text TEXT,
                received_at TIMESTAMPTZ NOT NULL,
                CONSTRAINT unique_unroutable_message UNIQUE (provider, provider_message_id)
            )
            """,
            """
            CREATE TABLE send_attempts (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                attempt INTEGER NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'retry', 'failed')),
                detail TEXT,
                at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX send_attempts_message ON send_attempts (message_id)",
            """
            CREATE TABLE conversation_instructions (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                chatbot_id TEXT NOT NULL REFERENCES chatbots(id),
                contact_id BIGINT NOT NULL REFERENCES contacts(id),
                instruction_text TEXT NOT NULL,
                is_active BOOLEAN NOT NULL DEFAULT true,
                expires_at TIMESTAMPTZ,
                created_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX conversation_instructions_conversation ON conversation_instructions (tenant_id, contact_id)",
        ]
            + tenantTable("tenants", column: "id")
            + ["chatbots", "chatbot_numbers", "contacts", "messages", "send_attempts", "conversation_instructions"].flatMap { tenantTable($0) }
            + sharedTable("unroutable_messages")
            + [sequenceGrants],
        down: [
            "DROP TABLE IF EXISTS conversation_instructions",
            "DROP TABLE IF EXISTS send_attempts",
            "DROP TABLE IF EXISTS unroutable_messages",
            "DROP TABLE IF EXISTS messages",
            "DROP TABLE IF EXISTS contacts",
            "DROP TABLE IF EXISTS chatbot_numbers",
            "DROP TABLE IF EXISTS chatbots",
            "DROP TABLE IF EXISTS tenants",
        ]
    )
}
