import Foundation
import PostgresNIO
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// Migrations both ways, on both databases, and the target schema's constraints (seed 004).
@Suite("Schema and migrations")
struct SchemaTests {
    /// The tables every migration level has, for checking up/down.
    static let version1Tables = ["tenants", "chatbots", "chatbot_numbers", "contacts", "messages", "unroutable_messages", "send_attempts", "conversation_instructions"]
    static let version2Tables = [
        "subscriptions", "bot_knowledge_base", "actions", "usage_tracking", "monthly_usage_summary", "analytics_events", "api_keys", "webhooks",
        "products", "orders", "order_items", "campaigns", "takeovers", "conversation_leases",
    ]

    static func tables(_ database: TestDatabase) async throws -> Set<String> {
        let sql = database.backend == .sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            : "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        return Set(try await database.rows(sql).compactMap { $0.first ?? nil })
    }

    /// Every index of a table as its column list ("tenant_id,phone_number"), unique or not,
    /// including those behind UNIQUE constraints.
    static func indexes(_ database: TestDatabase, table: String) async throws -> [(columns: String, unique: Bool)] {
        switch database.backend {
        case .sqlite:
            var result: [(String, Bool)] = []
            for row in try await database.rows("SELECT name, \"unique\" FROM pragma_index_list(?)", [table]) {
                guard let name = row[0] else { continue }
                let columns = try await database.rows("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [name]).compactMap { $0.first ?? nil }
                result.append((columns.joined(separator: ","), row[1] == "1"))
            }
            return result
        case .postgres:
            let rows = try await database.rows(
                """
                SELECT string_agg(a.attname, ',' ORDER BY k.position), bool_or(ix.indisunique)
                FROM pg_index ix
                JOIN pg_class t ON t.oid = ix.indrelid
                JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, position) ON true
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                WHERE t.relname = ?
                GROUP BY ix.indexrelid
                """,
                [table]
            )
            return rows.map { ($0[0] ?? "", $0[1] == "1") }
        }
    }

    @Test("PostgreSQL is there when scripts/test promised it")
    func postgresIsAvailableWhenRequired() {
        if ProcessInfo.processInfo.environment["SWIFTREPLIES_REQUIRE_POSTGRES"] == "1" {
            #expect(StoreBackend.postgresURL != nil, "SWIFTREPLIES_REQUIRE_POSTGRES=1 but SWIFTREPLIES_TEST_POSTGRES_URL is not set")
        }
    }

    @Test("migrate up, down one step, down to 0, up again", arguments: StoreBackend.available)
    func migrationsBothWays(_ backend: StoreBackend) async throws {
        let database = try await TestDatabase.make(backend)
        defer { Task { await database.remove() } }
        try await database.withStore(migrate: false) { store async throws in
            let latest = database.migrations.map(\.version).max() ?? 0
            #expect(try await store.lifecycle.migrationStatus().applied.isEmpty)
            let applied = try await store.lifecycle.migrateUp()
            #expect(applied == database.migrations.map(\.version).sorted())
            #expect(try await store.lifecycle.migrateUp().isEmpty, "a second up applies nothing")
            var tables = try await Self.tables(database)
            #expect(tables.isSuperset(of: Self.version1Tables + Self.version2Tables + ["schema_migrations"]))

            // Down one step, then all the way.
            let oneStep = try await store.lifecycle.migrateDown(to: latest - 1)
            #expect(oneStep == [latest])
            #expect(try await store.lifecycle.migrationStatus().current == latest - 1)
            let rest = try await store.lifecycle.migrateDown(to: 0)
            #expect(rest == Array((1..<latest).reversed()))
            tables = try await Self.tables(database)
            #expect(tables == ["schema_migrations"], "down --to 0 leaves only the bookkeeping table: \(tables.sorted())")
            #expect(try await database.integer("SELECT COUNT(*) FROM schema_migrations") == 0)

            // And up again: the schema is whole and usable.
            #expect(try await store.lifecycle.migrateUp().count == latest)
            try await store.directory.syncDirectory([
                TenantDefinition(
                    id: "acme", name: "Acme", subscription: Subscription(plan: "pro", limits: .unlimited, features: .all),
                    chatbots: [
                        ChatbotDefinition(
                            id: "acme-bot", tenantID: "acme", name: "Acme bot", agentID: "sales",
                            channels: [ChannelBinding(accountID: "main", provider: .meta, number: PhoneNumber(canonical: "15550001111"), phoneNumberID: "1")]
                        )
                    ]
                )
            ])
            #expect(try await database.integer("SELECT COUNT(*) FROM chatbots") == 1)
        }
        await database.remove()
    }

    @Test("a failed migration leaves the schema as it was", arguments: StoreBackend.available)
    func failedMigrationRollsBack(_ backend: StoreBackend) async throws {
        let database = try await TestDatabase.make(backend)
        let broken = Migration(
            version: 99, name: "broken",
            up: ["CREATE TABLE half_done (id INTEGER PRIMARY KEY)", "CREATE TABLE half_done (id INTEGER PRIMARY KEY)"],
            down: ["DROP TABLE half_done"]
        )
        let store = try await database.open(migrations: database.migrations + [broken])
        do {
            await #expect(throws: MigrationError.self) { try await store.lifecycle.migrateUp() }
            let status = try await store.lifecycle.migrationStatus()
            #expect(!status.applied.contains(99))
            #expect(status.applied == database.migrations.map(\.version).sorted(), "the earlier migrations stay applied")
            #expect(!(try await Self.tables(database)).contains("half_done"), "the failed migration's first statement was rolled back")
        } catch {
            Issue.record(error)
        }
        try await store.lifecycle.shutdown()
        await database.remove()
    }

    /// Seed 004's composite unique constraints and indexes, with tenant ids in place of user ids.
    static let requiredUnique: [(table: String, columns: String)] = [
        ("contacts", "tenant_id,phone_number"),  // unique_contact_per_user
        ("contacts", "tenant_id,thread_id"),  // unique_thread_per_user
        ("products", "tenant_id,sku"),  // unique_sku_per_user
        ("usage_tracking", "tenant_id,tracking_date"),  // UNIQUE(user_id, tracking_date)
        ("monthly_usage_summary", "tenant_id,year,month"),  // UNIQUE(user_id, year, month)
        ("orders", "tenant_id,order_number"),  // order_number UNIQUE, per tenant
        ("messages", "chatbot_id,provider_message_id"),  // provider message id unique per chatbot (DESIGN.md)
    ]
    static let requiredIndexes: [(table: String, leading: String)] = [
        ("contacts", "tenant_id"), ("messages", "tenant_id"), ("orders", "tenant_id"), ("campaigns", "tenant_id"), ("actions", "tenant_id"),
        ("contacts", "chatbot_id"), ("messages", "chatbot_id"), ("orders", "chatbot_id"),
        ("messages", "sent_at"), ("usage_tracking", "tenant_id,tracking_date"), ("analytics_events", "tenant_id,event_type"),
        ("contacts", "tenant_id,phone_number"), ("contacts", "tenant_id,thread_id"),
        ("actions", "status"), ("actions", "tenant_id,status"), ("chatbots", "tenant_id,is_active"),
    ]

    @Test("every composite unique constraint and index of seed 004 exists", arguments: StoreBackend.available)
    func targetSchemaConstraints(_ backend: StoreBackend) async throws {
        let database = try await TestDatabase.make(backend)
        try await database.withStore { _ async throws in
            for (table, columns) in Self.requiredUnique {
                let indexes = try await Self.indexes(database, table: table)
                #expect(indexes.contains { $0.columns == columns && $0.unique }, "\(backend): no unique (\(columns)) on \(table): \(indexes)")
            }
            for (table, leading) in Self.requiredIndexes {
                let indexes = try await Self.indexes(database, table: table)
                #expect(
                    indexes.contains { $0.columns == leading || $0.columns.hasPrefix(leading + ",") },
                    "\(backend): no index starting with (\(leading)) on \(table): \(indexes)"
                )
            }
        }
        await database.remove()
    }
}
