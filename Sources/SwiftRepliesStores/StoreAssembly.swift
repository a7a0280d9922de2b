import SwiftRepliesCore

/// What a backend serves itself: the hot path's aggregates, whose statements are tuned for its
/// database, and the aggregates whose SQL has not moved to `Aggregates/` yet.
typealias BackendStores = StoreLifecycle & DirectoryStore & IntakeStore & TurnStore & LeaseStore & OutboxStore & ContactStore
    & InstructionStore & KnowledgeStore & ActionStore & TakeoverStore & UsageStore & LegacyImportStore

/// The one place a `StoreSet` is assembled, for either database: each aggregate from the
/// backend itself, or from its single SQL implementation in `Aggregates/` over the backend's
/// `SharedSQLDatabase`. A new aggregate adds its line here.
enum StoreAssembly {
    static func storeSet(backend: some BackendStores, sql: any SharedSQLDatabase) -> StoreSet {
        StoreSet(
            lifecycle: backend, directory: backend, intake: backend, turns: backend, leases: backend, outbox: backend, contacts: backend,
            instructions: backend, knowledge: backend, actions: backend, takeovers: backend, usage: backend,
            apiKeys: APIKeySQL(database: sql), webhooks: WebhookSubscriptionSQL(database: sql),
            events: EventSQL(database: sql),
            legacyImport: backend
        )
    }
}
