import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    static let knowledgeColumns = "id, tenant_id, chatbot_id, category, question, answer, created_at, updated_at"

    /// A chatbot's stored entries, cached until this store changes them (the store is the only
    /// process writing its file): the `knowledge_base` middleware asks at every turn.
    public func knowledgeEntries(tenantID: TenantID, chatbotID: ChatbotID) async throws -> [KnowledgeRecord] {
        let key = "\(tenantID.rawValue)/\(chatbotID.rawValue)"
        let generation = knowledgeCache.withLock { cache -> Int? in
            cache.entries[key] == nil ? cache.generation : nil
        }
        guard let generation else { return knowledgeCache.withLock { $0.entries[key] } ?? [] }
        let rows = try await read(
            "SELECT \(Self.knowledgeColumns) FROM bot_knowledge_base WHERE tenant_id = ? AND chatbot_id = ? AND is_active = 1 ORDER BY id",
            [.text(tenantID.rawValue), .text(chatbotID.rawValue)]
        )
        let records = try rows.map(Self.knowledgeRecord(from:))
        // Kept only when no change happened while reading.
        knowledgeCache.withLock { cache in
            if cache.generation == generation { cache.entries[key] = records }
        }
        return records
    }

    /// Forgets cached entries after a change.
    private func knowledgeChanged() {
        knowledgeCache.withLock { cache in
            cache.generation += 1
            cache.entries.removeAll()
        }
    }

    public func addKnowledgeEntry(tenantID: TenantID, chatbotID: ChatbotID, draft: KnowledgeDraft, at date: Date) async throws -> KnowledgeRecord {
        let rows = try await withWriteTransaction { db in
            try db.query(
                """
                INSERT INTO bot_knowledge_base (tenant_id, chatbot_id, category, question, answer, is_active, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?)
                RETURNING \(Self.knowledgeColumns)
                """,
                [
                    .text(tenantID.rawValue), .text(chatbotID.rawValue), .text(draft.category), .text(draft.question), .text(draft.answer),
                    .timestamp(date), .timestamp(date),
                ]
            )
        }
        knowledgeChanged()
        guard let row = rows.first else { throw SQLiteStoreError.unexpectedResult("knowledge INSERT returned no row") }
        return try Self.knowledgeRecord(from: row)
    }

    public func updateKnowledgeEntry(
        tenantID: TenantID, chatbotID: ChatbotID, id: Int64, changes: KnowledgeChanges, at date: Date
    ) async throws -> KnowledgeRecord? {
        let rows = try await withWriteTransaction { db in
            try db.query(
                """
                UPDATE bot_knowledge_base
                SET category = COALESCE(?, category), question = COALESCE(?, question), answer = COALESCE(?, answer), updated_at = ?
                WHERE tenant_id = ? AND chatbot_id = ? AND id = ? AND is_active = 1
                RETURNING \(Self.knowledgeColumns)
                """,
                [
                    .optionalText(changes.category), .optionalText(changes.question), .optionalText(changes.answer), .timestamp(date),
                    .text(tenantID.rawValue), .text(chatbotID.rawValue), .int64(id),
                ]
            )
        }
        knowledgeChanged()
        return try rows.first.map(Self.knowledgeRecord(from:))
    }

    public func deleteKnowledgeEntry(tenantID: TenantID, chatbotID: ChatbotID, id: Int64) async throws -> Bool {
        let rows = try await withWriteTransaction { db in
            try db.query(
                "DELETE FROM bot_knowledge_base WHERE tenant_id = ? AND chatbot_id = ? AND id = ? RETURNING id",
                [.text(tenantID.rawValue), .text(chatbotID.rawValue), .int64(id)]
            )
        }
        knowledgeChanged()
        return !rows.isEmpty
    }

    static func knowledgeRecord(from row: SQLiteResultRow) throws -> KnowledgeRecord {
        KnowledgeRecord(
            id: try row.int64("id"), tenantID: try row.tenantID(), chatbotID: try row.chatbotID(), category: try row.optionalText("category") ?? "general",
            question: try row.text("question"), answer: try row.text("answer"), createdAt: try row.timestamp("created_at"),
            updatedAt: try row.timestamp("updated_at")
        )
    }
}
