import SwiftRepliesCore

/// `knowledge_base`: ranks the agent's knowledge base entries against the customer's words
/// (BM25 with multilingual normalisation) and hands the best hits, with scores, to the agent.
public struct KnowledgeBaseMiddleware: TurnMiddleware {
    public let name = "knowledge_base"
    public let index: KnowledgeIndex
    /// How many hits the agent gets at most.
    public let limit: Int

    public init(entries: [KnowledgeEntry], parameters: KnowledgeIndex.Parameters = KnowledgeIndex.Parameters(), limit: Int = 3) {
        self.index = KnowledgeIndex(entries: entries, parameters: parameters)
        self.limit = limit
    }

    public func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        var turn = turn
        let query = turn.text
        if !query.isEmpty {
            turn.context.knowledgeHits = index.search(query, limit: limit)
        }
        return try await next(turn)
    }
}
