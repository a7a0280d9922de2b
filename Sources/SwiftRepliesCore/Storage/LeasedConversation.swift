import Foundation

/// What the store knows about a conversation when its turn starts, read together with the
/// conversation's pending messages (one transaction on a shared database instead of one per
/// middleware). Middleware use these instead of asking the store again; a turn without them
/// (`Turn.facts == nil`) reads each from the store.
public struct ConversationFacts: Sendable, Hashable {
    /// The operator's takeover in progress, if any (`live_takeover`).
    public var activeTakeover: TakeoverRecord?
    /// The conversation's instructions in force at `readAt` (`conversation_instructions`).
    public var instructions: [ConversationInstruction]
    /// The chatbot's active stored knowledge entries (`knowledge_base`).
    public var knowledge: [KnowledgeRecord]
    /// When they were read.
    public var readAt: Date

    public init(activeTakeover: TakeoverRecord?, instructions: [ConversationInstruction], knowledge: [KnowledgeRecord], readAt: Date) {
        self.activeTakeover = activeTakeover
        self.instructions = instructions
        self.knowledge = knowledge
        self.readAt = readAt
    }
}

/// A conversation this process holds the lease on: its unanswered messages, oldest first, and,
/// when the store reads them in the same transaction, the facts its turn needs.
public struct LeasedConversation: Sendable {
    public var pending: [StoredInbound]
    public var facts: ConversationFacts?

    public init(pending: [StoredInbound], facts: ConversationFacts? = nil) {
        self.pending = pending
        self.facts = facts
    }
}
