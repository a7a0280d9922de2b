import Foundation
import SQLKit
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// A migrated store of one backend, seen through `SharedSQLDatabase`, with two tenants (acme and
/// globex) and a chatbot each, written through a host transaction of the shared layer itself.
struct SharedSQLFixture {
    static let acme: TenantID = "acme"
    static let globex: TenantID = "globex"
    /// A fixed instant with sub-millisecond digits, to see what precision survives.
    static let instant = Date(timeIntervalSince1970: 1_765_000_000.123456)

    let shared: any SharedSQLDatabase
    let database: TestDatabase
    let backend: StoreBackend

    /// Opens and migrates a fresh database of `backend`, seeds it, runs `body`, and removes it.
    static func run(_ backend: StoreBackend, _ body: (SharedSQLFixture) async throws -> Void) async throws {
        let database = try await TestDatabase.make(backend)
        let shared: any SharedSQLDatabase
        let shutdown: () async throws -> Void
        switch backend {
        case .sqlite:
            let store = try await SQLiteStore.open(path: database.location, logger: quietTestLogger)
            shared = store.sharedSQL
            shutdown = { try await store.shutdown() }
            try await store.migrateUp()
        case .postgres:
            let store = try await PostgresStore.open(url: database.location, maximumConnections: 4, logger: quietTestLogger)
            shared = store.sharedSQL
            shutdown = { try await store.shutdown() }
            try await store.migrateUp()
        }
        let fixture = SharedSQLFixture(shared: shared, database: database, backend: backend)
        do {
            try await fixture.seed()
            try await body(fixture)
        } catch {
            try? await shutdown()
            await database.remove()
            throw error
        }
        try await shutdown()
        await database.remove()
    }

    /// The directory rows the tenant tables refer to.
    private func seed() async throws {
        try await shared.withHostTransaction { db in
            for tenant in [Self.acme, Self.globex] {
                try await db.insert(into: "tenants")
                    .columns("id", "name", "plan", "is_active", "created_at", "updated_at")
                    .values(SQLBind(tenant.rawValue), SQLBind(tenant.rawValue.capitalized), SQLBind("pro"), SQLBind(true), SQLBind(Self.instant), SQLBind(Self.instant))
                    .run()
                try await db.insert(into: "chatbots")
                    .columns("id", "tenant_id", "name", "agent_id", "is_active", "created_at", "updated_at")
                    .values(
                        SQLBind("\(tenant.rawValue)-bot"), SQLBind(tenant.rawValue), SQLBind("bot"), SQLBind("sales"), SQLBind(true), SQLBind(Self.instant),
                        SQLBind(Self.instant)
                    )
                    .run()
            }
        }
    }

    /// Inserts a webhook subscription of `tenant` through shared SQL and returns its id.
    @discardableResult
    func addWebhook(_ tenant: TenantID, url: String, events: [String] = ["message.received"], on db: any SQLDatabase) async throws -> Int64 {
        let row = try await db.raw(
            """
            INSERT INTO webhooks (tenant_id, chatbot_id, url, events, secret_token, is_active, created_at)
            VALUES (\(bind: tenant.rawValue), \(bind: "\(tenant.rawValue)-bot"), \(bind: url), \(shared.dialect.json(events)), \(bind: nil as String?),
                    \(bind: true), \(bind: Self.instant))
            RETURNING id
            """
        ).first()
        return try #require(row).decode(column: "id", as: Int64.self)
    }

    /// How many webhook subscriptions the database holds, counted as its owner (past row-level
    /// security), optionally only `tenant`'s.
    func webhookCount(_ tenant: TenantID? = nil) async throws -> Int {
        if let tenant {
            return try #require(try await database.integer("SELECT COUNT(*) FROM webhooks WHERE tenant_id = ?", [tenant.rawValue]))
        }
        return try #require(try await database.integer("SELECT COUNT(*) FROM webhooks"))
    }
}

/// An error of an aggregate's own rule, thrown inside a transaction.
struct RuleRefused: Error, Equatable {}
