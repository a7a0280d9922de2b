import Foundation
import Logging

/// A knowledge base entry found for a turn, with its retrieval score (higher is better).
public struct KnowledgeHit: Sendable, Hashable {
    public var entry: KnowledgeEntry
    public var score: Double
    /// The share (0...1) of the query's meaningful words that the entry contains.
    public var coverage: Double

    public init(entry: KnowledgeEntry, score: Double, coverage: Double = 1) {
        self.entry = entry
        self.score = score
        self.coverage = coverage
    }
}

/// What started a turn.
public enum TurnTrigger: Sendable, Hashable {
    /// One or more customer messages (several when they arrived within the debounce window).
    case customerMessages
    /// A human resolved an Actions Center request; the agent tells the customer the outcome.
    case actionResolved(ActionResolution)
}

/// A human's decision on an escalation, handed back to the agent.
public struct ActionResolution: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable { case approved, denied, expired }
    public var actionID: Int64
    public var requestType: String
    public var outcome: Outcome
    public var response: String?
    public var requestedAmount: Double?

    public init(actionID: Int64, requestType: String, outcome: Outcome, response: String? = nil, requestedAmount: Double? = nil) {
        self.actionID = actionID
        self.requestType = requestType
        self.outcome = outcome
        self.response = response
        self.requestedAmount = requestedAmount
    }
}

/// What middleware adds to a turn before the agent sees it. A typed value, not a dictionary of
/// `Any`: each built-in middleware has its field; custom middleware use `notes`.
public struct TurnContext: Sendable, Hashable {
    /// Ranked knowledge base hits, best first (`knowledge_base` middleware).
    public var knowledgeHits: [KnowledgeHit]
    /// Active operator instructions for this conversation (`conversation_instructions`).
    public var instructions: [ConversationInstruction]
    /// Free-form facts custom middleware hand to custom agents.
    public var notes: [String: String]

    public init(knowledgeHits: [KnowledgeHit] = [], instructions: [ConversationInstruction] = [], notes: [String: String] = [:]) {
        self.knowledgeHits = knowledgeHits
        self.instructions = instructions
        self.notes = notes
    }
}

/// One turn of a conversation: the new customer message(s) and everything the agent needs to
/// answer them. Built by the runtime from the configuration snapshot the turn started with.
public struct Turn: Sendable {
    public var tenant: TenantDefinition
    public var chatbot: ChatbotDefinition
    public var agent: AgentDefinition
    public var contact: Contact
    /// The new inbound messages of this turn, oldest first.
    public var messages: [ConversationMessage]
    /// Earlier messages of the conversation, oldest first (bounded).
    public var history: [ConversationMessage]
    public var trigger: TurnTrigger
    public var context: TurnContext
    /// The configuration revision the turn runs on.
    public var configRevision: Int
    public var startedAt: Date
    /// A logger carrying `tenant.id`, `chatbot.id`, `contact.id`.
    public var logger: Logger
    /// The conversation's facts the store read with the turn's messages, when it did; middleware
    /// use them instead of reading again.
    public var facts: ConversationFacts?

    public init(
        tenant: TenantDefinition, chatbot: ChatbotDefinition, agent: AgentDefinition, contact: Contact, messages: [ConversationMessage],
        history: [ConversationMessage] = [], trigger: TurnTrigger = .customerMessages, context: TurnContext = TurnContext(),
        configRevision: Int = 0, startedAt: Date = Date(), logger: Logger = Logger(label: "swiftreplies.turn"), facts: ConversationFacts? = nil
    ) {
        self.facts = facts
        self.tenant = tenant
        self.chatbot = chatbot
        self.agent = agent
        self.contact = contact
        self.messages = messages
        self.history = history
        self.trigger = trigger
        self.context = context
        self.configRevision = configRevision
        self.startedAt = startedAt
        self.logger = logger
    }

    /// The customer's new words, the messages' texts joined by newlines.
    public var text: String {
        messages.compactMap(\.text).filter { !$0.isEmpty }.joined(separator: "\n")
    }
}
