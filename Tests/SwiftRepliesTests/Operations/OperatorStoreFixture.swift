import Foundation
import Logging
import SQLiteNIO
import SwiftRepliesCore
import SwiftRepliesStores

/// A migrated SQLite store in a temporary file with two tenants (`acme`, `globex`), one chatbot
/// each, for the `OperatorStore` tests. Removed afterwards.
struct OperatorStoreFixture {
    static let acme: TenantID = "acme"
    static let globex: TenantID = "globex"
    static let acmeBot: ChatbotID = "acme-sales"
    static let globexBot: ChatbotID = "globex-support"
    static let base = Date(timeIntervalSince1970: 1_750_000_000)

    let path: String
    let store: SQLiteStore

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

    /// Runs `body` with a fresh store; always shuts it down and removes the files.
    static func with(_ body: (OperatorStoreFixture) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-ops-\(UUID().uuidString).sqlite").path
        var logger = Logger(label: "test.operations")
        logger.logLevel = .warning
        let store = try await SQLiteStore.open(path: path, logger: logger)
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        do {
            try await store.migrateUp()
            try await store.syncDirectory(tenants())
            try await body(OperatorStoreFixture(path: path, store: store))
            try await store.shutdown()
        } catch {
            try? await store.shutdown()
            throw error
        }
    }

    /// A contact of `tenant`.
    func contact(_ tenant: TenantID, _ phone: String, name: String? = nil) async throws -> Contact {
        try await store.upsertContact(tenantID: tenant, phone: PhoneNumber(canonical: phone), name: name)
    }

    /// A stored inbound text from `phone` to the tenant's chatbot.
    @discardableResult
    func inbound(_ tenant: TenantID, _ chatbot: ChatbotID, from phone: String, text: String, at date: Date) async throws -> StoredInbound? {
        let message = InboundMessage(
            provider: .meta, providerMessageID: "wamid.\(UUID().uuidString)", from: PhoneNumber(canonical: phone), to: nil, content: .text(text), sentAt: date
        )
        return try await store.ingest([InboundEnvelope(tenantID: tenant, chatbotID: chatbot, message: message, receivedAt: date)]).first?.stored
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

    /// A value read straight from the database file.
    func integer(_ sql: String, _ binds: [SQLiteData] = []) async throws -> Int? {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        do {
            let rows = try await connection.query(sql, binds)
            try await connection.close()
            return rows.first?.columns.first?.data.integer.map { Int($0) }
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
