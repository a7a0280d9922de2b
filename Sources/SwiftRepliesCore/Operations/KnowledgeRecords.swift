import Foundation

/// A knowledge base entry added through the API (table `bot_knowledge_base`), next to those
/// of the agent's YAML.
public struct KnowledgeRecord: Sendable, Hashable {
    public var id: Int64
    public var tenantID: TenantID
    public var chatbotID: ChatbotID
    public var category: String
    public var question: String
    public var answer: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, tenantID: TenantID, chatbotID: ChatbotID, category: String, question: String, answer: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.category = category
        self.question = question
        self.answer = answer
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The entry as the knowledge index ranks it: id `db-<n>`.
    public var entry: KnowledgeEntry {
        KnowledgeEntry(id: "db-\(id)", category: category, question: question, answer: answer)
    }
}

/// A new knowledge base entry.
public struct KnowledgeDraft: Sendable, Hashable {
    public var category: String
    public var question: String
    public var answer: String

    public init(category: String = "general", question: String, answer: String) {
        self.category = category
        self.question = question
        self.answer = answer
    }
}

/// Changes to a knowledge base entry; `nil` leaves a field as it is.
public struct KnowledgeChanges: Sendable, Hashable {
    public var category: String?
    public var question: String?
    public var answer: String?

    public init(category: String? = nil, question: String? = nil, answer: String? = nil) {
        self.category = category
        self.question = question
        self.answer = answer
    }
}
