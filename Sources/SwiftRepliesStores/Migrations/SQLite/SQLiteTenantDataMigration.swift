extension SQLiteMigrations {
    /// Version 2: the rest of the target schema (seed 004), keyed by tenant: subscriptions,
    /// knowledge base entries, actions, usage counters and monthly summaries, analytics events,
    /// API keys, outgoing webhooks, products, orders and their items, campaigns, live takeovers,
    /// and conversation leases (which process handles a conversation when several share a
    /// database); plus the columns legacy import and outbox leases need.
    public static let tenantData = Migration(
        version: 2,
        name: "tenant_data",
        up: [
            // Contacts: 004's unique thread per tenant; legacy import keys.
            "ALTER TABLE contacts ADD COLUMN legacy_id INTEGER",
            "CREATE UNIQUE INDEX unique_thread_per_tenant ON contacts (tenant_id, thread_id)",
            "CREATE INDEX idx_contacts_chatbot_id ON contacts (chatbot_id)",
            "CREATE INDEX idx_contacts_tenant_thread ON contacts (tenant_id, thread_id)",
            // Messages: legacy import keys; which process is sending an outbox entry, until when.
            "ALTER TABLE messages ADD COLUMN legacy_id INTEGER",
            "ALTER TABLE messages ADD COLUMN sending_holder TEXT",
            "ALTER TABLE messages ADD COLUMN sending_until REAL",
            "CREATE UNIQUE INDEX unique_legacy_message_per_tenant ON messages (tenant_id, legacy_id) WHERE legacy_id IS NOT NULL",
            "CREATE INDEX idx_messages_tenant_id ON messages (tenant_id)",
            "CREATE INDEX idx_messages_chatbot_id ON messages (chatbot_id)",
            "CREATE INDEX idx_messages_sent_at ON messages (sent_at)",
            // Outbox entries being sent, by when their send lease ends (recovery sweeps).
            "CREATE INDEX messages_sending ON messages (sending_until) WHERE direction = 'outbound' AND status = 'sending'",
            """
            CREATE TABLE subscriptions (
                tenant_id TEXT PRIMARY KEY NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                plan TEXT NOT NULL,
                config TEXT NOT NULL DEFAULT '{}',
                daily_message_limit INTEGER,
                monthly_message_limit INTEGER,
                daily_campaign_limit INTEGER,
                monthly_campaign_limit INTEGER,
                billing_amount REAL,
                billing_currency TEXT NOT NULL DEFAULT 'USD',
                billing_cycle TEXT NOT NULL DEFAULT 'monthly',
                contract_start_date TEXT,
                contract_end_date TEXT,
                auto_renew INTEGER NOT NULL DEFAULT 0,
                is_active INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            )
            """,
            """
            CREATE TABLE bot_knowledge_base (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                chatbot_id TEXT NOT NULL REFERENCES chatbots(id) ON DELETE CASCADE,
                category TEXT,
                question TEXT NOT NULL,
                answer TEXT NOT NULL,
                is_active INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            )
            """,
            "CREATE INDEX idx_bot_knowledge_base_tenant_chatbot ON bot_knowledge_base (tenant_id, chatbot_id)",
            """
            CREATE TABLE actions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                chatbot_id TEXT NOT NULL REFERENCES chatbots(id) ON DELETE CASCADE,
                contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
                request_type TEXT NOT NULL,
                request_details TEXT NOT NULL,
                context_data TEXT NOT NULL DEFAULT '{}',
                requested_amount REAL,
                priority TEXT NOT NULL DEFAULT 'medium',
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
                user_response TEXT,
                auto_approve_similar INTEGER NOT NULL DEFAULT 0,
                auto_approved INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                expires_at REAL,
                resolved_at REAL,
                resolved_by TEXT
            )
            """,
            "CREATE INDEX idx_actions_tenant_id ON actions (tenant_id)",
            "CREATE INDEX idx_actions_status ON actions (status)",
            "CREATE INDEX idx_actions_tenant_status ON actions (tenant_id, status)",
            "CREATE INDEX idx_actions_pending_expiry ON actions (expires_at) WHERE status = 'pending'",
            """
            CREATE TABLE usage_tracking (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                tracking_date TEXT NOT NULL,
                daily_messages_sent INTEGER NOT NULL DEFAULT 0,
                daily_messages_received INTEGER NOT NULL DEFAULT 0,
                daily_campaigns_sent INTEGER NOT NULL DEFAULT 0,
                daily_campaign_messages INTEGER NOT NULL DEFAULT 0,
                live_takeovers_used INTEGER NOT NULL DEFAULT 0,
                actions_created INTEGER NOT NULL DEFAULT 0,
                api_calls_made INTEGER NOT NULL DEFAULT 0,
                overage_messages INTEGER NOT NULL DEFAULT 0,
                limit_exceeded_notified INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                CONSTRAINT unique_usage_per_tenant_day UNIQUE (tenant_id, tracking_date)
            )
            """,
            "CREATE INDEX idx_usage_tracking_tenant_date ON usage_tracking (tenant_id, tracking_date)",
            """
            CREATE TABLE monthly_usage_summary (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                year INTEGER NOT NULL,
                month INTEGER NOT NULL,
                total_messages_sent INTEGER NOT NULL DEFAULT 0,
                total_messages_received INTEGER NOT NULL DEFAULT 0,
                total_campaigns_sent INTEGER NOT NULL DEFAULT 0,
                total_orders_created INTEGER NOT NULL DEFAULT 0,
                total_revenue REAL NOT NULL DEFAULT 0,
                overage_messages INTEGER NOT NULL DEFAULT 0,
                overage_campaigns INTEGER NOT NULL DEFAULT 0,
                overage_cost REAL NOT NULL DEFAULT 0,
                avg_daily_messages REAL,
                avg_conversion_rate REAL,
                limit_exceeded_notified INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                CONSTRAINT unique_summary_per_tenant_month UNIQUE (tenant_id, year, month)
            )
            """,
            """
            CREATE TABLE analytics_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                chatbot_id TEXT REFERENCES chatbots(id) ON DELETE SET NULL,
                contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
                event_type TEXT NOT NULL,
                event_data TEXT NOT NULL DEFAULT '{}',
                created_at REAL NOT NULL
            )
            """,
            "CREATE INDEX idx_analytics_events_tenant_type ON analytics_events (tenant_id, event_type)",
            """
            CREATE TABLE api_keys (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                key_name TEXT NOT NULL,
                api_key_hash TEXT NOT NULL,
                permissions TEXT NOT NULL DEFAULT '[]',
                last_used REAL,
                expires_at REAL,
                is_active INTEGER NOT NULL DEFAULT 1,
                revoked_at REAL,
                created_at REAL NOT NULL,
                CONSTRAINT unique_key_name_per_tenant UNIQUE (tenant_id, key_name)
            )
            """,
            "CREATE UNIQUE INDEX unique_api_key_hash ON api_keys (api_key_hash)",
            """
            CREATE TABLE webhooks (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                chatbot_id TEXT REFERENCES chatbots(id) ON DELETE CASCADE,
                url TEXT NOT NULL,
                events TEXT NOT NULL DEFAULT '[]',
                secret_token TEXT,
                is_active INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL
            )
            """,
            "CREATE INDEX idx_webhooks_tenant_id ON webhooks (tenant_id)",
            """
            CREATE TABLE products (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                sku TEXT,
                price REAL,
                currency TEXT NOT NULL DEFAULT 'USD',
                description TEXT,
                image_url TEXT,
                is_active INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                CONSTRAINT unique_sku_per_tenant UNIQUE (tenant_id, sku)
            )
            """,
            """
            CREATE TABLE orders (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                chatbot_id TEXT REFERENCES chatbots(id) ON DELETE SET NULL,
                contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
                order_number TEXT,
                status TEXT NOT NULL DEFAULT 'pending',
                total_amount REAL,
                currency TEXT NOT NULL DEFAULT 'USD',
                payment_status TEXT NOT NULL DEFAULT 'pending',
                discount_percent REAL,
                notes TEXT,
                legacy_id INTEGER,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                CONSTRAINT unique_order_number_per_tenant UNIQUE (tenant_id, order_number)
            )
            """,
            "CREATE INDEX idx_orders_tenant_id ON orders (tenant_id)",
            "CREATE INDEX idx_orders_chatbot_id ON orders (chatbot_id)",
            "CREATE UNIQUE INDEX unique_legacy_order_per_tenant ON orders (tenant_id, legacy_id) WHERE legacy_id IS NOT NULL",
            """
            CREATE TABLE order_items (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
                product_name TEXT NOT NULL,
                product_sku TEXT,
                quantity INTEGER NOT NULL DEFAULT 1,
                unit_price REAL,
                total_price REAL,
                metadata TEXT NOT NULL DEFAULT '{}'
            )
            """,
            "CREATE INDEX idx_order_items_order ON order_items (order_id)",
            """
            CREATE TABLE campaigns (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                chatbot_id TEXT REFERENCES chatbots(id) ON DELETE SET NULL,
                name TEXT NOT NULL,
                message_template TEXT,
                status TEXT NOT NULL DEFAULT 'draft',
                target_criteria TEXT NOT NULL DEFAULT '{}',
                scheduled_at REAL,
                sent_count INTEGER NOT NULL DEFAULT 0,
                legacy_id INTEGER,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            )
            """,
            "CREATE INDEX idx_campaigns_tenant_id ON campaigns (tenant_id)",
            "CREATE UNIQUE INDEX unique_legacy_campaign_per_tenant ON campaigns (tenant_id, legacy_id) WHERE legacy_id IS NOT NULL",
            """
            CREATE TABLE takeovers (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                chatbot_id TEXT NOT NULL REFERENCES chatbots(id) ON DELETE CASCADE,
                contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
                started_by TEXT,
                started_at REAL NOT NULL,
                released_at REAL
            )
            """,
            "CREATE UNIQUE INDEX unique_active_takeover ON takeovers (tenant_id, contact_id) WHERE released_at IS NULL",
            """
            CREATE TABLE conversation_leases (
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
                holder TEXT NOT NULL,
                expires_at REAL NOT NULL,
                PRIMARY KEY (tenant_id, contact_id)
            )
            """,
        ],
        down: [
            "DROP TABLE IF EXISTS conversation_leases",
            "DROP TABLE IF EXISTS takeovers",
            "DROP TABLE IF EXISTS campaigns",
            "DROP TABLE IF EXISTS order_items",
            "DROP TABLE IF EXISTS orders",
            "DROP TABLE IF EXISTS products",
            "DROP TABLE IF EXISTS webhooks",
            "DROP TABLE IF EXISTS api_keys",
            "DROP TABLE IF EXISTS analytics_events",
            "DROP TABLE IF EXISTS monthly_usage_summary",
            "DROP TABLE IF EXISTS usage_tracking",
            "DROP TABLE IF EXISTS actions",
            "DROP TABLE IF EXISTS bot_knowledge_base",
            "DROP TABLE IF EXISTS subscriptions",
            "DROP INDEX IF EXISTS messages_sending",
            "DROP INDEX IF EXISTS idx_messages_sent_at",
            "DROP INDEX IF EXISTS idx_messages_chatbot_id",
            "DROP INDEX IF EXISTS idx_messages_tenant_id",
            "DROP INDEX IF EXISTS unique_legacy_message_per_tenant",
            "ALTER TABLE messages DROP COLUMN sending_until",
            "ALTER TABLE messages DROP COLUMN sending_holder",
            "ALTER TABLE messages DROP COLUMN legacy_id",
            "DROP INDEX IF EXISTS idx_contacts_tenant_thread",
            "DROP INDEX IF EXISTS idx_contacts_chatbot_id",
            "DROP INDEX IF EXISTS unique_thread_per_tenant",
            "ALTER TABLE contacts DROP COLUMN legacy_id",
        ]
    )
}
