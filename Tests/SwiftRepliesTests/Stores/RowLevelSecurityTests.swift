import Foundation
import PostgresNIO
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// PostgreSQL enforces the tenant boundary itself: statements the server runs for a tenant see
/// and change that tenant's rows only, whatever they say.
@Suite("PostgreSQL row-level security", .enabled(if: StoreBackend.postgresURL != nil, "needs SWIFTREPLIES_TEST_POSTGRES_URL"))
struct RowLevelSecurityTests {
    static let acme: TenantID = "acme"
    static let globex: TenantID = "globex"

    static func directory() -> [TenantDefinition] {
        [("acme", "15550001111"), ("globex", "15550002222")].map { tenant, number in
            TenantDefinition(
                id: TenantID(tenant), name: tenant, subscription: Subscription(plan: "pro", limits: .unlimited, features: .all),
                chatbots: [
                    ChatbotDefinition(
                        id: ChatbotID("\(tenant)-bot"), tenantID: TenantID(tenant), name: "\(tenant) bot", agentID: "sales",
                        channels: [ChannelBinding(accountID: "main", provider: .meta, number: PhoneNumber(canonical: number), phoneNumberID: number)]
                    )
                ]
            )
        }
    }

    /// A migrated database with two messages from one customer in each tenant.
    static func seeded(_ body: (PostgresStore, TestDatabase) async throws -> Void) async throws {
        let database = try await TestDatabase.make(.postgres)
        let store = try #require(try await database.open().lifecycle as? PostgresStore)
        do {
            try await store.migrateUp()
            try await store.syncDirectory(directory())
            var envelopes: [InboundEnvelope] = []
            for tenant in ["acme", "globex"] {
                for index in 0..<2 {
                    envelopes.append(
                        InboundEnvelope(
                            tenantID: TenantID(tenant), chatbotID: ChatbotID("\(tenant)-bot"),
                            message: InboundMessage(
                                provider: .meta, providerMessageID: "\(tenant)-\(index)", from: PhoneNumber(canonical: "96170000001"), to: nil,
                                contactName: nil, content: .text("hello from \(tenant)")
                            ),
                            receivedAt: Date()
                        )
                    )
                }
            }
            _ = try await store.ingest(envelopes)
            try await body(store, database)
        } catch {
            try? await store.shutdown()
            await database.remove()
            throw error
        }
        try await store.shutdown()
        await database.remove()
    }

    /// Runs hand-written SQL on one of the server's own connections, inside a transaction set up
    /// the way the server sets up tenant work, and returns the first column of every row.
    static func asTenant(_ store: PostgresStore, _ tenant: TenantID?, _ sql: String) async throws -> [String] {
        try await store.client.withConnection { connection in
            try await PostgresStore.transaction(on: connection, logger: quietTestLogger) { connection in
                if let tenant {
                    try await PostgresStore.enterTenant(tenant, on: connection, logger: quietTestLogger)
                } else {
                    try await connection.query("SELECT set_config('role', \(PostgresMigrations.applicationRole), true)", logger: quietTestLogger)
                }
                var values: [String] = []
                let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietTestLogger)
                for try await row in rows {
                    values.append((try? row.decode(String.self)) ?? (try? row.decode(Int64.self)).map(String.init) ?? "?")
                }
                return values
            }
        }
    }

    @Test func withoutATenantNothingIsVisible() async throws {
        try await Self.seeded { store, database async throws in
            #expect(try await database.integer("SELECT COUNT(*) FROM messages") == 4, "the rows exist (seen by the owner)")
            for table in ["messages", "contacts", "chatbots", "tenants"] {
                #expect(try await Self.asTenant(store, nil, "SELECT COUNT(*)::text FROM \(table)") == ["0"], "\(table) without a tenant")
            }
        }
    }

    @Test func aTenantSeesOnlyItsOwnRowsEvenWhenAskingForAnothers() async throws {
        try await Self.seeded { store, _ async throws in
            #expect(try await Self.asTenant(store, Self.acme, "SELECT COUNT(*)::text FROM messages") == ["2"])
            #expect(try await Self.asTenant(store, Self.acme, "SELECT DISTINCT tenant_id FROM messages") == ["acme"])
            #expect(try await Self.asTenant(store, Self.acme, "SELECT COUNT(*)::text FROM messages WHERE tenant_id = 'globex'") == ["0"])
            #expect(try await Self.asTenant(store, Self.acme, "SELECT id FROM tenants") == ["acme"])
            #expect(try await Self.asTenant(store, Self.globex, "SELECT text FROM messages ORDER BY id") == ["hello from globex", "hello from globex"])
        }
    }

    @Test func aTenantCannotChangeAnothersRows() async throws {
        try await Self.seeded { store, database async throws in
            // UPDATE and DELETE aimed at the other tenant touch nothing.
            #expect(try await Self.asTenant(store, Self.acme, "UPDATE messages SET text = 'hacked' WHERE tenant_id = 'globex' RETURNING id::text").isEmpty)
            #expect(try await Self.asTenant(store, Self.acme, "DELETE FROM contacts WHERE tenant_id = 'globex' RETURNING id::text").isEmpty)
            // Moving an own row into the other tenant, or inserting there, is refused.
            await #expect(throws: (any Error).self) {
                _ = try await Self.asTenant(store, Self.acme, "UPDATE messages SET tenant_id = 'globex' WHERE tenant_id = 'acme'")
            }
            await #expect(throws: (any Error).self) {
                _ = try await Self.asTenant(
                    store, Self.acme, "INSERT INTO contacts (tenant_id, phone_number, created_at) VALUES ('globex', '1555', now())"
                )
            }
            #expect(try await database.integer("SELECT COUNT(*) FROM messages WHERE tenant_id = 'globex' AND text = 'hello from globex'") == 2)
            #expect(try await database.integer("SELECT COUNT(*) FROM contacts WHERE tenant_id = 'globex'") == 1)
            #expect(try await database.integer("SELECT COUNT(*) FROM messages WHERE tenant_id = 'acme'") == 2)
        }
    }

    @Test func theStoreAPIIsScopedToo() async throws {
        try await Self.seeded { store, _ async throws in
            let acmeMessages = try await store.pendingInbound(of: ConversationKey(tenantID: Self.acme, chatbotID: "acme-bot", contactID: ContactID(1)), limit: 10)
            let globexContactID = try #require(try await store.pendingInbound(after: nil, limit: 10).first { $0.tenantID == Self.globex }?.contactID)
            #expect(try await store.contact(tenantID: Self.acme, id: globexContactID) == nil, "globex's contact through acme's id space")
            #expect(try await store.messages(tenantID: Self.acme, contactID: globexContactID, limit: 10).isEmpty)
            #expect(acmeMessages.allSatisfy { $0.tenantID == Self.acme })
        }
    }

    @Test func everyTenantTableForcesRowLevelSecurityAndTheRolesCannotBypassIt() async throws {
        try await Self.seeded { _, database async throws in
            let tables = try await database.rows(
                """
                SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'r'
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
                """
            )
            #expect(tables.count >= 20, "tenant tables found: \(tables.count)")
            for row in tables {
                #expect(row[1] == "1" && row[2] == "1", "\(row[0] ?? "?") must enable and force row-level security")
            }
            let tenants = try await database.rows("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'tenants'")
            #expect(tenants.first == ["1", "1"])
            let roles = try await database.rows(
                "SELECT rolname, rolcanlogin, rolbypassrls, rolsuper FROM pg_roles WHERE rolname IN ('swiftreplies_app', 'swiftreplies_host') ORDER BY rolname"
            )
            #expect(roles == [["swiftreplies_app", "0", "0", "0"], ["swiftreplies_host", "0", "0", "0"]])
        }
    }
}
