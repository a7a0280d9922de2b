import Foundation
import SQLKit
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// Shared SQL on PostgreSQL runs under row-level security: a tenant transaction sees and changes
/// its own tenant's rows only, whatever its SQL says.
@Suite("SharedSQL: row-level security on PostgreSQL", .enabled(if: StoreBackend.postgresURL != nil, "needs SWIFTREPLIES_TEST_POSTGRES_URL"))
struct SharedSQLRowLevelSecurityTests {
    @Test("a tenant transaction cannot read, change or add another tenant's rows")
    func tenantBoundary() async throws {
        try await SharedSQLFixture.run(.postgres) { fixture in
            let acme = SharedSQLFixture.acme
            let globex = SharedSQLFixture.globex
            try await fixture.shared.withTenantTransaction(acme) { try await fixture.addWebhook(acme, url: "https://acme.example", on: $0) }
            try await fixture.shared.withTenantTransaction(globex) { try await fixture.addWebhook(globex, url: "https://globex.example", on: $0) }

            // No tenant condition in the SQL: the database still shows acme's rows only.
            let seen = try await fixture.shared.read(tenant: acme) { db in
                try await db.raw("SELECT url FROM webhooks ORDER BY id").all().map { try $0.decode(column: "url", as: String.self) }
            }
            #expect(seen == ["https://acme.example"])
            let tenants = try await fixture.shared.read(tenant: acme) { db in
                try await db.raw("SELECT id FROM tenants").all().map { try $0.decode(column: "id", as: String.self) }
            }
            #expect(tenants == ["acme"])

            // Changing globex's rows from acme's transaction touches nothing.
            let changed = try await fixture.shared.withTenantTransaction(acme) { db in
                try await db.raw("UPDATE webhooks SET url = 'https://stolen.example' WHERE tenant_id = \(bind: "globex") RETURNING id").all().count
            }
            #expect(changed == 0)
            let deleted = try await fixture.shared.withTenantTransaction(acme) { db in
                try await db.raw("DELETE FROM webhooks WHERE tenant_id = \(bind: "globex") RETURNING id").all().count
            }
            #expect(deleted == 0)
            #expect(try await fixture.database.text("SELECT url FROM webhooks WHERE tenant_id = 'globex'") == "https://globex.example")

            // Writing a row for globex from acme's transaction is refused by the policy, and the
            // refusal rolls the transaction back.
            await #expect(throws: PostgresStoreError.self) {
                try await fixture.shared.withTenantTransaction(acme) { db in
                    try await fixture.addWebhook(acme, url: "https://acme-two.example", on: db)
                    try await fixture.addWebhook(globex, url: "https://planted.example", on: db)
                }
            }
            #expect(try await fixture.webhookCount(globex) == 1)
            #expect(try await fixture.webhookCount(acme) == 1)

            // The host's transaction sees every tenant (its own policy), as the store's does.
            let all = try await fixture.shared.withHostTransaction { db in
                try await db.raw("SELECT COUNT(*) AS n FROM webhooks").first().map { try $0.decode(column: "n", as: Int.self) }
            }
            #expect(all == 2)
        }
    }

    @Test("FOR UPDATE SKIP LOCKED skips the rows another transaction holds")
    func skipLocked() async throws {
        try await SharedSQLFixture.run(.postgres) { fixture in
            let acme = SharedSQLFixture.acme
            try await fixture.shared.withTenantTransaction(acme) { db in
                try await fixture.addWebhook(acme, url: "https://first.example", on: db)
                try await fixture.addWebhook(acme, url: "https://second.example", on: db)
            }
            let lock = fixture.shared.dialect.lockSkippingLocked
            let claimed = try await fixture.shared.withTenantTransaction(acme) { outer in
                let first = try await outer.raw("SELECT url FROM webhooks ORDER BY id LIMIT 1 \(lock)").first()
                    .map { try $0.decode(column: "url", as: String.self) }
                // A second transaction, on another connection, while the first holds its row.
                let second = try await fixture.shared.withTenantTransaction(acme) { inner in
                    try await inner.raw("SELECT url FROM webhooks ORDER BY id LIMIT 1 \(lock)").first()
                        .map { try $0.decode(column: "url", as: String.self) }
                }
                return [first, second]
            }
            #expect(claimed == ["https://first.example", "https://second.example"])
        }
    }
}
