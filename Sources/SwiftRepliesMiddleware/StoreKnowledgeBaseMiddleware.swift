import SwiftRepliesCore
import Synchronization

/// `knowledge_base` with the entries operators add through the API: ranks the agent's YAML
/// entries together with the chatbot's entries from the store (`bot_knowledge_base`), read at
/// every turn, so an entry added, edited or deleted is used from the next message on. The index
/// is rebuilt only when the chatbot's stored entries changed.
public struct StoreKnowledgeBaseMiddleware: TurnMiddleware {
    public let name = "knowledge_base"
    let yaml: KnowledgeBaseMiddleware
    let knowledge: any KnowledgeStore
    let parameters: KnowledgeIndex.Parameters
    private let indexes = KnowledgeIndexCache()

    public init(entries: [KnowledgeEntry], knowledge: any KnowledgeStore, parameters: KnowledgeIndex.Parameters = KnowledgeIndex.Parameters(), limit: Int = 3) {
        self.yaml = KnowledgeBaseMiddleware(entries: entries, parameters: parameters, limit: limit)
        self.parameters = parameters
        self.knowledge = knowledge
    }

    public func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        let query = turn.text
        guard !query.isEmpty else { return try await yaml.handle(turn, next: next) }
        let stored: [KnowledgeRecord]
        if let facts = turn.facts {
            stored = facts.knowledge
        } else {
            stored = try await knowledge.knowledgeEntries(tenantID: turn.tenant.id, chatbotID: turn.chatbot.id)
        }
        guard !stored.isEmpty else { return try await yaml.handle(turn, next: next) }
        let index = indexes.index(for: turn.chatbot.id, stored: stored) { KnowledgeIndex(entries: yaml.index.entries + stored.map(\.entry), parameters: parameters) }
        var turn = turn
        turn.context.knowledgeHits = index.search(query, limit: yaml.limit)
        return try await next(turn)
    }
}

/// The last combined index built per chatbot, with the stored entries it was built from.
final class KnowledgeIndexCache: Sendable {
    private let built = Mutex<[ChatbotID: (stored: [KnowledgeRecord], index: KnowledgeIndex)]>([:])

    func index(for chatbot: ChatbotID, stored: [KnowledgeRecord], build: () -> KnowledgeIndex) -> KnowledgeIndex {
        if let cached = built.withLock({ $0[chatbot] }), cached.stored == stored { return cached.index }
        let index = build()
        built.withLock { $0[chatbot] = (stored, index) }
        return index
    }
}
