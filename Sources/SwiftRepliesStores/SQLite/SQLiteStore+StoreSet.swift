import SwiftRepliesCore

extension SQLiteStore: DirectoryStore, IntakeStore, TurnStore, LeaseStore, OutboxStore, ContactStore, InstructionStore, KnowledgeStore,
    ActionStore, TakeoverStore, UsageStore, APIKeyStore, WebhookSubscriptionStore, EventStore
{
    /// Every aggregate's store on this database: the one place the store is assembled.
    public var storeSet: StoreSet {
        StoreSet(
            lifecycle: self, directory: self, intake: self, turns: self, leases: self, outbox: self, contacts: self,
            instructions: self, knowledge: self, actions: self, takeovers: self, usage: self, apiKeys: self, webhooks: self,
            events: self, legacyImport: self
        )
    }
}
