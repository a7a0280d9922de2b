import Foundation
import SQLKit
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// The example aggregate method runs unchanged on both databases.
@Suite("SharedSQL: an aggregate method written once")
struct SharedSQLAggregateExampleTests {
    @Test("lists a tenant's subscriptions, and only that tenant's, on both databases", arguments: StoreBackend.available)
    func list(_ backend: StoreBackend) async throws {
        try await SharedSQLFixture.run(backend) { fixture in
            try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { db in
                try await fixture.addWebhook(SharedSQLFixture.acme, url: "https://a.example", events: ["message.received", "message.sent"], on: db)
                let id = try await fixture.addWebhook(SharedSQLFixture.acme, url: "https://off.example", on: db)
                try await db.update("webhooks").set("is_active", to: false).where("tenant_id", .equal, "acme").where("id", .equal, id).run()
            }
            try await fixture.shared.withTenantTransaction(SharedSQLFixture.globex) { db in
                try await fixture.addWebhook(SharedSQLFixture.globex, url: "https://g.example", on: db)
            }
            let example = WebhookSubscriptionsExample(database: fixture.shared)
            let active = try await example.subscriptions(of: SharedSQLFixture.acme, activeOnly: true)
            #expect(active.map(\.url) == ["https://a.example"])
            #expect(active.first?.events.value == ["message.received", "message.sent"])
            let all = try await example.subscriptions(of: SharedSQLFixture.acme, activeOnly: false)
            #expect(all.map(\.url) == ["https://a.example", "https://off.example"])
            #expect(all.map(\.is_active) == [true, false])
        }
    }
}
