/// The SQLite schema, as versioned migrations. Timestamps are `REAL` unix seconds (except
/// `schema_migrations.applied_at`, ISO 8601 text); tenant and chatbot ids are their YAML slugs.
public enum SQLiteMigrations {
    /// Every migration, ascending.
    public static let all: [Migration] = [core, tenantData, operations, dispatchIndex, leanerMessageIndexes, redundantIndexes, outboxOrder]

    /// Version 1: directory, contacts, messages (inbound queue and outbox), unroutable messages,
    /// send attempts and conversation instructions.
    public static let core = Migration(
        version: 1,
        name: "core",
        up: [
            """
            CREATE TABLE tenants (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                plan TEXT NOT NULL,
                is_active INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            )
            """,
            """
            CREATE TABLE chatbots (
                id TEXT PRIMARY KEY NOT NULL,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                name TEXT NOT NULL,
                agent_id TEXT NOT NULL,
                is_active INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            )
            """,
            "CREATE INDEX chatbots_tenant_active ON chatbots (tenant_id, is_active)",
            """
            CREATE TABLE chatbot_numbers (
                chatbot_id TEXT NOT NULL REFERENCES chatbots(id) ON DELETE CASCADE,
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
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                phone_number TEXT NOT NULL,
                name TEXT,
                thread_id TEXT,
                tags TEXT NOT NULL DEFAULT '[]',
                custom_fields TEXT NOT NULL DEFAULT '{}',
                chatbot_id TEXT REFERENCES chatbots(id),
                last_interaction REAL,
                created_at REAL NOT NULL,
                CONSTRAINT unique_contact_per_tenant UNIQUE (tenant_id, phone_number)
            )
            """,
            "CREATE INDEX contacts_tenant ON contacts (tenant_id)",
            """
            CREATE TABLE messages (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                chatbot_id TEXT NOT NULL REFERENCES chatbots(id),
                contact_id INTEGER NOT NULL REFERENCES contacts(id),
                direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
                kind TEXT NOT NULL,
                text TEXT,
                attributes TEXT NOT NULL DEFAULT '{}',
                answerable INTEGER NOT NULL DEFAULT 0,
                provider TEXT NOT NULL,
                provider_message_id TEXT,
                status TEXT NOT NULL,
                ai_processed INTEGER NOT NULL DEFAULT 0,
                processing_ms INTEGER,
                is_from_human INTEGER NOT NULL DEFAULT 0,
                purpose TEXT,
                intent TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL,
                possibly_duplicated INTEGER NOT NULL DEFAULT 0,
                error_code TEXT,
                error_message TEXT,
                config_revision INTEGER,
                created_at REAL NOT NULL,
                processed_at REAL,
                sent_at REAL,
                updated_at REAL NOT NULL
            )
            """,
            // A provider's inbound message id is stored once per chatbot (redeliveries are
            // duplicates). Outbound ids are the provider's answers and are not constrained.
            "CREATE UNIQUE INDEX unique_provider_message_per_chatbot ON messages (chatbot_id, provider_message_id) WHERE direction = 'inbound'",
            // The durable dispatch queue: queries must spell these conditions as literals to use it.
            "CREATE INDEX messages_pending_inbound ON messages (id) WHERE direction = 'inbound' AND status = 'received'",
            "CREATE INDEX messages_outbox ON messages (next_attempt_at) WHERE direction = 'outbound' AND status = 'queued'",
            "CREATE INDEX messages_conversation ON messages (tenant_id, contact_id, id)",
            // Delivery reports look outbound messages up by the provider's id.
            "CREATE INDEX messages_outbound_provider_id ON messages (provider_message_id) WHERE direction = 'outbound'",
            """
            CREATE TABLE unroutable_messages (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                provider TEXT NOT NULL,
                provider_message_id TEXT NOT NULL,
                destination TEXT NOT NULL,
                from_number TEXT NOT NULL,
                text TEXT,
                received_at REAL NOT NULL,
                CONSTRAINT unique_unroutable_message UNIQUE (provider, provider_message_id)
            )
            """,
            """
            CREATE TABLE send_attempts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                attempt INTEGER NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'retry', 'failed')),
                detail TEXT,
                at REAL NOT NULL
            )
            """,
            "CREATE INDEX send_attempts_message ON send_attempts (message_id)",
            """
            CREATE TABLE conversation_instructions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                chatbot_id TEXT NOT NULL REFERENCES chatbots(id),
                contact_id INTEGER NOT NULL REFERENCES contacts(id),
                instruction_text TEXT NOT NULL,
                is_active INTEGER NOT NULL DEFAULT 1,
                expires_at REAL,
                created_at REAL NOT NULL
            )
            """,
            "CREATE INDEX conversation_instructions_conversation ON conversation_instructions (tenant_id, contact_id)",
        ],
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
