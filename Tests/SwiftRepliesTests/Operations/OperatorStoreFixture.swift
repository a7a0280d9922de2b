import Foundation
import SwiftRepliesCore
import SwiftRepliesStores
import Testing

/// A fresh, migrated database of one backend (a temporary SQLite file or a new PostgreSQL
/// database, see `TestDatabase`) with two tenants (`acme`, `globex`), one chatbot each, for the
/// operator stores' tests. Dropped afterwards.
struct OperatorStoreFixture {
    static let acme: TenantID = "acme"
    static let globex: TenantID = "globex"
    static let acmeBot: ChatbotID = "acme-sales"
    static let globexBot: ChatbotID = "globex-support"
    static let base = Date(timeIntervalSince1970: 1_750_000_000)

    /// The database, for reading rows the protocol does not show.
    let database: TestDatabase
    let store: StoreSet

    static func tenants() -> [TenantDefinition] {
        let subscription = Subscription(plan: "starter", limits: SubscriptionLimits(dailyMessages: 3), features: .all)
        return [
            TenantDefinition(
                id: acme, name: "Acme", subscription: subscription,
                chatbots: [ChatbotDefinition(id: acmeBot, tenantID: acme, name: "Acme sales", agentID: "acme_agent", channels: [])]
            ),
            TenantDefinition(
                id: globex, name: "Globex", subscription: subscription,
                chatbots: [ChatbotDefinition(id: globexBot, tenantID: globex, name: "Globex support", agentID: "globex_agent", channels: [])]
            ),
        ]
    }

    /// Runs `body` with a fresh store of `backend`; always shuts it down and removes the database.
    static func with(_ backend: StoreBackend, _ body: (OperatorStoreFixture) async throws -> Void) async throws {
        let database = try await TestDatabase.make(backend)
        do {
            let opened = try await database.open()
            do {
                let store = opened
                try await store.lifecycle.migrateUp()
                try await store.directory.syncDirectory(tenants())
                try await body(OperatorStoreFixture(database: database, store: store))
                try await opened.lifecycle.shutdown()
            } catch {
                try? await opened.lifecycle.shutdown()
                throw error
            }
        } catch {
            await database.remove()
            throw error
        }
        await database.remove()
    }

    /// A contact of `tenant`.
    func contact(_ tenant: TenantID, _ phone: String, name: String? = nil) async throws -> Contact {
        try await store.contacts.upsertContact(tenantID: tenant, phone: PhoneNumber(canonical: phone), name: name)
    }

    /// A stored inbound text from `phone` to the tenant's chatbot.
    @discardableResult
    func inbound(_ tenant: TenantID, _ chatbot: ChatbotID, from phone: String, text: String, at date: Date) async throws -> StoredInbound? {
        let message = InboundMessage(
            provider: .meta, providerMessageID: "wamid.\(UUID().uuidString)", from: PhoneNumber(canonical: phone), to: nil, content: .text(text), sentAt: date
        )
        return try await store.intake.ingest([InboundEnvelope(tenantID: tenant, chatbotID: chatbot, message: message, receivedAt: date)]).first?.stored
    }

    func draft(
        _ tenant: TenantID = acme, chatbot: ChatbotID = acmeBot, contact: ContactID, type: String = "discount_approval", amount: Double? = 25,
        at date: Date = base, ttl: TimeInterval = 3600
    ) -> ActionDraft {
        ActionDraft(
            tenantID: tenant, chatbotID: chatbot, contactID: contact, requestType: type, details: "Customer asks for \(amount ?? 0)% off",
            requestedAmount: amount, priority: .medium, context: ActionContext(facts: ["sku": "KIT-1"]), createdAt: date,
            expiresAt: date.addingTimeInterval(ttl)
        )
    }

    /// A value read straight from the database (as its owner; `?` placeholders on both backends).
    func integer(_ sql: String, _ binds: [String] = []) async throws -> Int? {
        try await database.integer(sql, binds)
    }

    /// 1 when `table` has a column `column`, 0 otherwise, read from the database's catalogue.
    func columnCount(table: String, column: String) async throws -> Int? {
        switch database.backend {
        case .sqlite: return try await integer("SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?", [table, column])
        case .postgres:
            return try await integer(
                "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ? AND column_name = ?", [table, column]
            )
        }
    }

    /// 1 when an index called `name` exists, 0 otherwise.
    func indexCount(_ name: String) async throws -> Int? {
        switch database.backend {
        case .sqlite: return try await integer("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?", [name])
        case .postgres: return try await integer("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname = ?", [name])
        }
    }
}
