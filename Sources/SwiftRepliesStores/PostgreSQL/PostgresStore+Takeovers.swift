import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    /// The columns `takeoverRecord(from:)` reads, in its order (fixed SQL).
    static let takeoverColumns = "id, tenant_id, chatbot_id, contact_id, started_by, started_at, released_at"
    /// The columns `webhookRecord(from:)` reads, in its order (fixed SQL).

    public func activeTakeover(tenantID: TenantID, contactID: ContactID) async throws -> TakeoverRecord? {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.run(ActiveTakeoverSQL.self, tenantID.rawValue, contactID.rawValue, logger: self.logger)
            return try await Self.first(rows, Self.takeoverRecord(from:))
        }
    }

    /// A contact's active takeover (every turn asks).
    enum ActiveTakeoverSQL: PreparedSQL {
        static let sql = "SELECT \(PostgresStore.takeoverColumns) FROM takeovers WHERE tenant_id = $1 AND contact_id = $2 AND released_at IS NULL"
    }

    public func startTakeover(tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID, startedBy: String, at date: Date) async throws -> TakeoverStart {
        try await tenantTransaction(tenantID) { connection in
            // A concurrent start waits on the unique index of active takeovers, then inserts nothing.
            let rows = try await connection.query(
                """
                INSERT INTO takeovers (tenant_id, chatbot_id, contact_id, started_by, started_at)
                VALUES (\(tenantID.rawValue), \(chatbotID.rawValue), \(contactID.rawValue), \(startedBy), \(date))
                ON CONFLICT (tenant_id, contact_id) WHERE released_at IS NULL DO NOTHING
                RETURNING \(unescaped: Self.takeoverColumns)
                """,
                logger: self.logger
            )
            if let record = try await Self.first(rows, Self.takeoverRecord(from:)) {
                try await self.bumpUsage(connection, tenantID: tenantID, TakeoverRules.startUsage, at: date)
                try await self.insertEvent(connection, TakeoverRules.startedEvent(record, at: date))
                return .started(record)
            }
            let active = try await connection.query(
                """
                SELECT \(unescaped: Self.takeoverColumns) FROM takeovers
                WHERE tenant_id = \(tenantID.rawValue) AND contact_id = \(contactID.rawValue) AND released_at IS NULL
                """,
                logger: self.logger
            )
            guard let record = try await Self.first(active, Self.takeoverRecord(from:)) else {
                throw PostgresStoreError.unexpectedResult("takeover conflict without an active takeover")
            }
            return .alreadyActive(record)
        }
    }

    public func releaseTakeover(tenantID: TenantID, contactID: ContactID, at date: Date) async throws -> TakeoverRecord? {
        try await tenantTransaction(tenantID) { connection in
            let rows = try await connection.query(
                """
                UPDATE takeovers SET released_at = \(date)
                WHERE tenant_id = \(tenantID.rawValue) AND contact_id = \(contactID.rawValue) AND released_at IS NULL
                RETURNING \(unescaped: Self.takeoverColumns)
                """,
                logger: self.logger
            )
            guard let record = try await Self.first(rows, Self.takeoverRecord(from:)) else { return nil }
            try await self.insertEvent(connection, TakeoverRules.releasedEvent(record, at: date))
            return record
        }
    }

    /// A takeover from the columns `takeoverColumns` lists, in that order.
    static func takeoverRecord(from row: PostgresRow) throws -> TakeoverRecord {
        let (id, tenant, chatbot, contact, startedBy, startedAt, releasedAt) = try row.decode((Int64, String, String, Int64, String?, Date, Date?).self)
        return TakeoverRecord(
            id: id, tenantID: TenantID(tenant), chatbotID: ChatbotID(chatbot), contactID: ContactID(contact), startedBy: startedBy,
            startedAt: startedAt, releasedAt: releasedAt
        )
    }
}
