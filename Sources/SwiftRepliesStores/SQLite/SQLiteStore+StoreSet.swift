import SwiftRepliesCore

extension SQLiteStore: DirectoryStore, IntakeStore, TurnStore, LeaseStore, OutboxStore, ContactStore, InstructionStore, KnowledgeStore,
    ActionStore, TakeoverStore, UsageStore
{
    /// Every aggregate's store on this database (see `StoreAssembly`).
    public var storeSet: StoreSet { StoreAssembly.storeSet(backend: self, sql: sharedSQL) }
}
