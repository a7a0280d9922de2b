import Foundation
import SwiftRepliesCore
import SwiftRepliesStores
import Testing

/// Tenants, chatbots and messages shared by the store conformance tests. Dates are whole seconds
/// from `base`, which both databases store exactly (SQLite as REAL seconds, PostgreSQL as
/// microseconds), so values read back compare equal.
enum ConformanceFixture {
    static let acme: TenantID = "acme"
    static let globex: TenantID = "globex"
    static let acmeBot: ChatbotID = "acme-sales"
    static let acmeSecondBot: ChatbotID = "acme-support"
    static let globexBot: ChatbotID = "globex-support"
    static let customer = PhoneNumber(canonical: "96179374241")
    static let otherCustomer = PhoneNumber(canonical: "447700900123")
    static let base = Date(timeIntervalSince1970: 1_750_000_000)

    /// The `index`th of a set of distinct customers (one conversation each).
    static func customer(number index: Int) -> PhoneNumber { PhoneNumber(canonical: "96171\(String(format: "%06d", index))") }

    static func chatbot(
        _ id: ChatbotID, tenant: TenantID, provider: ProviderKind = .meta, number: String = "15550001111", agent: AgentID = "sales"
    ) -> ChatbotDefinition {
        ChatbotDefinition(
            id: id, tenantID: tenant, name: "\(id) bot", agentID: agent,
            channels: [ChannelBinding(accountID: "main", provider: provider, number: PhoneNumber(canonical: number), phoneNumberID: "pnid-\(id)")]
        )
    }

    static func tenant(_ id: TenantID, plan: String = "pro", chatbots: [ChatbotDefinition]) -> TenantDefinition {
        TenantDefinition(id: id, name: "\(id) Inc", subscription: Subscription(plan: plan, limits: .unlimited, features: .all), chatbots: chatbots)
    }

    /// acme (two chatbots on Meta) and globex (one on Twilio).
    static let directory: [TenantDefinition] = [
        tenant(acme, chatbots: [chatbot(acmeBot, tenant: acme), chatbot(acmeSecondBot, tenant: acme, number: "15550004444")]),
        tenant(globex, plan: "starter", chatbots: [chatbot(globexBot, tenant: globex, provider: .twilio, number: "15550002222")]),
    ]

    static func envelope(
        _ providerMessageID: String, tenant: TenantID = acme, chatbot: ChatbotID = acmeBot, from: PhoneNumber = customer,
        name: String? = nil, content: MessageContent = .text("hello"), provider: ProviderKind = .meta, at offset: TimeInterval = 0
    ) -> InboundEnvelope {
        InboundEnvelope(
            tenantID: tenant, chatbotID: chatbot,
            message: InboundMessage(provider: provider, providerMessageID: providerMessageID, from: from, to: nil, contactName: name, content: content),
            receivedAt: base.addingTimeInterval(offset)
        )
    }

    static func stored(_ outcomes: [IngestOutcome]) -> [StoredInbound] { outcomes.compactMap(\.stored) }

    static func completion(
        _ conversation: ConversationKey, _ inboundIDs: [MessageID], replies: [String], intent: String? = nil, revision: Int = 1,
        milliseconds: Int = 5, at offset: TimeInterval = 10
    ) -> TurnCompletion {
        TurnCompletion(
            conversation: conversation, inboundIDs: inboundIDs, replies: replies, aiProcessed: true, processingMilliseconds: milliseconds,
            intent: intent, configRevision: revision, completedAt: base.addingTimeInterval(offset)
        )
    }

    static func report(_ providerMessageID: String, _ state: DeliveryState, code: String? = nil, provider: ProviderKind = .meta) -> DeliveryStatusUpdate {
        DeliveryStatusUpdate(provider: provider, providerMessageID: providerMessageID, state: state, errorCode: code, errorMessage: code.map { "error \($0)" })
    }
}

extension TestDatabase {
    /// A fresh database of `backend`, migrated, with `ConformanceFixture.directory` synced (unless
    /// `sync` is false): runs `body` with the database (for raw inspection) and the store, then
    /// shuts the store down and drops the database, whether `body` succeeds or not.
    static func withConformanceStore<T>(
        _ backend: StoreBackend, sync: Bool = true, leases: PostgresStore.Leases = .init(),
        _ body: (TestDatabase, StoreSet) async throws -> T
    ) async throws -> T {
        let database = try await TestDatabase.make(backend)
        do {
            let store = try await database.open(leases: leases)
            do {
                try await store.lifecycle.migrateUp()
                if sync { try await store.directory.syncDirectory(ConformanceFixture.directory) }
                let result = try await body(database, store)
                try await store.lifecycle.shutdown()
                await database.remove()
                return result
            } catch {
                try? await store.lifecycle.shutdown()
                throw error
            }
        } catch {
            await database.remove()
            throw error
        }
    }

    /// The first column of every row, as text.
    func column(_ sql: String, _ binds: [String] = []) async throws -> [String?] {
        try await rows(sql, binds).map { $0.first ?? nil }
    }
}

extension MessageID {
    /// The id as a bind for `TestDatabase.rows` (compare with `CAST(? AS BIGINT)`).
    var bind: String { String(rawValue) }
}

extension ContactID {
    /// The id as a bind for `TestDatabase.rows` (compare with `CAST(? AS BIGINT)`).
    var bind: String { String(rawValue) }
}
