import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesCore

/// A configuration, a migrated store and the engine, ready to run turns: what `chat`, `serve`
/// and the test kit start from.
public struct LocalHost: Sendable {
    public let stores: StoreSet
    public let state: RuntimeStateHolder
    public let engine: ConversationEngine
    public let registries: ModuleRegistries
    public let logger: Logger

    public init(stores: StoreSet, state: RuntimeStateHolder, engine: ConversationEngine, registries: ModuleRegistries, logger: Logger) {
        self.stores = stores
        self.state = state
        self.engine = engine
        self.registries = registries
        self.logger = logger
    }

    /// Loads the configuration (throwing `ConfigError` with every problem), prepares the schema
    /// (see `prepareSchema`), mirrors tenants and chatbots into the store and builds the pipelines.
    public static func start(
        snapshot: ConfigSnapshot, stores: StoreSet, registries: ModuleRegistries = .builtIn(), logger: Logger
    ) async throws -> LocalHost {
        try await prepareSchema(stores.lifecycle)
        try await stores.directory.syncDirectory(snapshot.tenants)
        let state = try RuntimeState.build(snapshot: snapshot, registries: registries, stores: stores)
        return LocalHost(stores: stores, state: RuntimeStateHolder(state), engine: ConversationEngine(turns: stores.turns, contacts: stores.contacts, logger: logger), registries: registries, logger: logger)
    }

    /// The embedded SQLite file migrates itself. A shared database (PostgreSQL) is migrated when
    /// empty; one whose schema is behind is refused with the command to run, since other
    /// processes may still be using the old schema.
    public static func prepareSchema(_ store: any StoreLifecycle) async throws {
        guard store.isShared else {
            try await store.migrateUp()
            return
        }
        let status = try await store.migrationStatus()
        if status.applied.isEmpty {
            try await store.migrateUp()
        } else if !status.pending.isEmpty {
            throw SchemaBehind(status: status)
        }
    }

    /// The database's schema is older than this build's.
    public struct SchemaBehind: Error, CustomStringConvertible {
        public var status: MigrationStatus
        public var description: String {
            let pending = status.pending.map(String.init).joined(separator: ", ")
            return "the database schema is at version \(status.current) and this build needs migrations \(pending): "
                + "run `swiftreplies migrate up` with the same --database (or DATABASE_URL), then start again"
        }
    }

    /// A conversation with `chatbotID` from `phone`, driven locally (no provider).
    public func conversation(chatbotID: ChatbotID, from phone: PhoneNumber, name: String? = nil) throws -> LocalConversation {
        guard let chatbot = state.current.snapshot.chatbot(chatbotID) else {
            let known = state.current.snapshot.chatbots.map(\.id.rawValue).joined(separator: ", ")
            throw LocalConversation.UnknownChatbot(description: "unknown chatbot '\(chatbotID)' (configured: \(known))")
        }
        return LocalConversation(host: self, chatbot: chatbot, phone: phone, name: name)
    }
}

/// A customer talking to a chatbot through the full pipeline and store, without a provider:
/// each message is stored as inbound (provider `local`), its turn runs, and the replies are
/// taken from the outbox and marked delivered.
public struct LocalConversation: Sendable {
    public struct UnknownChatbot: Error, CustomStringConvertible {
        public var description: String
    }

    public let host: LocalHost
    public let chatbot: ChatbotDefinition
    public let phone: PhoneNumber
    public let name: String?

    /// Sends `text` as the customer and returns the turn's result.
    public func send(_ text: String, at date: Date = Date()) async throws -> ConversationEngine.TurnResult {
        let message = InboundMessage(
            provider: .local, providerMessageID: "local-\(UUID().uuidString)", from: phone, to: chatbot.channels.first?.number,
            contactName: name, content: .text(text), sentAt: date
        )
        let outcomes = try await host.stores.intake.ingest([InboundEnvelope(tenantID: chatbot.tenantID, chatbotID: chatbot.id, message: message, receivedAt: date)])
        guard let stored = outcomes.first?.stored else {
            throw ConversationEngine.TurnError(description: "the message was not stored")
        }
        let result = try await host.engine.runTurn([stored], state: host.state.current, now: date)
        for entry in result.outbox {
            try await host.stores.outbox.recordSendOutcome(entry.id, outcome: .accepted(providerMessageID: "local-\(entry.id.rawValue)"), at: date)
        }
        return result
    }
}
