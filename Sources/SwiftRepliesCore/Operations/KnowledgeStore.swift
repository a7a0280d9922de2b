import Foundation

/// Knowledge base entries added through the API (those from an agent's YAML live in its
/// definition).
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol KnowledgeStore: Sendable {
    /// The chatbot's active entries, oldest first.
    func knowledgeEntries(tenantID: TenantID, chatbotID: ChatbotID) async throws -> [KnowledgeRecord]

    /// Adds an entry to the chatbot's knowledge base.
    func addKnowledgeEntry(tenantID: TenantID, chatbotID: ChatbotID, draft: KnowledgeDraft, at date: Date) async throws -> KnowledgeRecord

    /// Changes an entry; `nil` when the chatbot of the tenant has no such entry.
    func updateKnowledgeEntry(tenantID: TenantID, chatbotID: ChatbotID, id: Int64, changes: KnowledgeChanges, at date: Date) async throws -> KnowledgeRecord?

    /// Deletes an entry; `false` when the chatbot of the tenant has no such entry.
    func deleteKnowledgeEntry(tenantID: TenantID, chatbotID: ChatbotID, id: Int64) async throws -> Bool
}
