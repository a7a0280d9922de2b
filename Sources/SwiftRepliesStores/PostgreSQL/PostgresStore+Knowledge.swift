import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    /// The columns `knowledgeRecord(from:)` reads, in its order (fixed SQL).
    static let knowledgeColumns = "id, tenant_id, chatbot_id, category, question, answer, created_at, updated_at"

    public func knowledgeEntries(tenantID: TenantID, chatbotID: ChatbotID) async throws -> [KnowledgeRecord] {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.run(ActiveKnowledgeSQL.self, tenantID.rawValue, chatbotID.rawValue, logger: self.logger)
            return try await Self.all(rows, Self.knowledgeRecord(from:))
        }
    }

    /// A chatbot's stored knowledge entries (every turn with the stored knowledge base asks).
    enum ActiveKnowledgeSQL: PreparedSQL {
        static let sql = """
            SELECT \(PostgresStore.knowledgeColumns) FROM bot_knowledge_base
            WHERE tenant_id = $1 AND chatbot_id = $2 AND is_active
            ORDER BY id
            """
    }

    public func addKnowledgeEntry(tenantID: TenantID, chatbotID: ChatbotID, draft: KnowledgeDraft, at date: Date) async throws -> KnowledgeRecord {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO bot_knowledge_base (tenant_id, chatbot_id, category, question, answer, is_active, created_at, updated_at)
                VALUES (\(tenantID.rawValue), \(chatbotID.rawValue), \(draft.category), \(draft.question), \(draft.answer), true, \(date), \(date))
                RETURNING \(unescaped: Self.knowledgeColumns)
                """,
                logger: self.logger
            )
            guard let record = try await Self.first(rows, Self.knowledgeRecord(from:)) else {
                throw PostgresStoreError.unexpectedResult("knowledge INSERT returned no row")
            }
            return record
        }
    }

    public func updateKnowledgeEntry(
        tenantID: TenantID, chatbotID: ChatbotID, id: Int64, changes: KnowledgeChanges, at date: Date
    ) async throws -> KnowledgeRecord? {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                UPDATE bot_knowledge_base
                SET category = COALESCE(\(changes.category)::text, category), question = COALESCE(\(changes.question)::text, question),
                    answer = COALESCE(\(changes.answer)::text, answer), updated_at = \(date)
                WHERE tenant_id = \(tenantID.rawValue) AND chatbot_id = \(chatbotID.rawValue) AND id = \(id) AND is_active
                RETURNING \(unescaped: Self.knowledgeColumns)
                """,
                logger: self.logger
            )
            return try await Self.first(rows, Self.knowledgeRecord(from:))
        }
    }

    public func deleteKnowledgeEntry(tenantID: TenantID, chatbotID: ChatbotID, id: Int64) async throws -> Bool {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                DELETE FROM bot_knowledge_base
                WHERE tenant_id = \(tenantID.rawValue) AND chatbot_id = \(chatbotID.rawValue) AND id = \(id)
                RETURNING id
                """,
                logger: self.logger
            )
            return try await Self.count(rows) > 0
        }
    }

    /// An entry from the columns `knowledgeColumns` lists, in that order.
    static func knowledgeRecord(from row: PostgresRow) throws -> KnowledgeRecord {
        let (id, tenant, chatbot, category, question, answer, createdAt, updatedAt) = try row.decode(
            (Int64, String, String, String?, String, String, Date, Date).self
        )
        return KnowledgeRecord(
            id: id, tenantID: TenantID(tenant), chatbotID: ChatbotID(chatbot), category: category ?? "general", question: question, answer: answer,
            createdAt: createdAt, updatedAt: updatedAt
        )
    }
}
