import Foundation
import SQLKit
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// What an aggregate's one SQL implementation looks like on the shared layer: a tenant's webhook
/// subscriptions, listed by the same code on SQLite and on PostgreSQL.
struct WebhookSubscriptionsExample: Sendable {
    struct Subscription: Decodable, Sendable, Equatable {
        var id: Int64
        var url: String
        var events: SQLJSON<[String]>
        var is_active: Bool
        var created_at: Date
    }

    let database: any SharedSQLDatabase

    func subscriptions(of tenant: TenantID, activeOnly: Bool) async throws -> [Subscription] {
        try await database.read(tenant: tenant) { db in
            let query = db.select()
                .columns("id", "url", "events", "is_active", "created_at")
                .from("webhooks")
                .where("tenant_id", .equal, tenant.rawValue)
                .orderBy("id")
            if activeOnly { query.where("is_active", .equal, SQLLiteral.boolean(true)) }
            return try await query.all(decoding: Subscription.self)
        }
    }
}
