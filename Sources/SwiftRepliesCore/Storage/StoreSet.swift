import Foundation

/// The store of each aggregate, all in one database, assembled once where the database is opened
/// (`SQLiteStore.storeSet`, `PostgresStore.storeSet`).
///
/// Code takes the narrowest store it needs from it: the webhook routes `intake`, the dispatcher
/// `turns`, `leases` and `outbox`, the Actions Center middleware `actions`, the API's contact
/// routes `contacts`. A backend may serve several aggregates with one object (the hot path's,
/// whose statements are tuned per database) or give an aggregate its own (the shared SQL that runs
/// on both databases).
public struct StoreSet: Sendable {
    /// The database as a whole: migrations, health, counts, shutdown.
    public var lifecycle: any StoreLifecycle
    /// The configured tenants, chatbots and subscriptions mirrored into the database.
    public var directory: any DirectoryStore
    /// Inbound messages, unroutable messages and delivery reports from the webhook routes.
    public var intake: any IntakeStore
    /// Pending inbound messages, history and turn commits.
    public var turns: any TurnStore
    /// Conversation leases across processes.
    public var leases: any LeaseStore
    /// Outgoing messages and their send attempts.
    public var outbox: any OutboxStore
    /// Contacts and their conversations.
    public var contacts: any ContactStore
    /// Conversation instructions.
    public var instructions: any InstructionStore
    /// Knowledge base entries added through the API.
    public var knowledge: any KnowledgeStore
    /// The Actions Center.
    public var actions: any ActionStore
    /// Live takeovers.
    public var takeovers: any TakeoverStore
    /// Usage counters and metering.
    public var usage: any UsageStore
    /// REST API keys.
    public var apiKeys: any APIKeyStore
    /// Outgoing webhook subscriptions.
    public var webhooks: any WebhookSubscriptionStore
    /// Analytics events.
    public var events: any EventStore
    /// The import of the old single-tenant database (`swiftreplies import-legacy`).
    public var legacyImport: any LegacyImportStore

    /// A set whose every aggregate is served by the given stores.
    public init(
        lifecycle: any StoreLifecycle, directory: any DirectoryStore, intake: any IntakeStore, turns: any TurnStore,
        leases: any LeaseStore, outbox: any OutboxStore, contacts: any ContactStore, instructions: any InstructionStore,
        knowledge: any KnowledgeStore, actions: any ActionStore, takeovers: any TakeoverStore, usage: any UsageStore,
        apiKeys: any APIKeyStore, webhooks: any WebhookSubscriptionStore, events: any EventStore,
        legacyImport: any LegacyImportStore
    ) {
        self.lifecycle = lifecycle
        self.directory = directory
        self.intake = intake
        self.turns = turns
        self.leases = leases
        self.outbox = outbox
        self.contacts = contacts
        self.instructions = instructions
        self.knowledge = knowledge
        self.actions = actions
        self.takeovers = takeovers
        self.usage = usage
        self.apiKeys = apiKeys
        self.webhooks = webhooks
        self.events = events
        self.legacyImport = legacyImport
    }

    /// `sqlite` or `postgres`.
    public var backendName: String { lifecycle.backendName }
    /// Whether several processes may share the database (see `StoreLifecycle.isShared`).
    public var isShared: Bool { lifecycle.isShared }
}
