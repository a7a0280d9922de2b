import Foundation
import SQLKit
import SwiftRepliesCore

/// Analytics events (`analytics_events`), one SQL implementation for SQLite and PostgreSQL.
struct EventSQL: EventStore {
    let database: any SharedSQLDatabase

    /// An `analytics_events` row as both schemas hold it (`event_data` read as JSON text).
    private struct Row: Decodable, Sendable {
        var id: Int64
        var tenant_id: String
        var chatbot_id: String?
        var contact_id: Int64?
        var event_type: String
        var event_data: String
        var created_at: Date

        var record: AnalyticsEventRecord {
            AnalyticsEventRecord(
                id: id, tenantID: TenantID(tenant_id), chatbotID: chatbot_id.map { ChatbotID($0) }, contactID: contact_id.map { ContactID($0) },
                type: event_type, data: OperationsJSON.map(event_data), at: created_at
            )
        }
    }

    @discardableResult
    func recordEvent(_ event: AnalyticsEventDraft) async throws -> Int64 {
        let dialect = database.dialect
        return try await database.withTenantTransaction(event.tenantID) { db in
            let id = try await db.insert(into: "analytics_events")
                .columns("tenant_id", "chatbot_id", "contact_id", "event_type", "event_data", "created_at")
                .values(
                    SQLBind(event.tenantID.rawValue), SQLBind(event.chatbotID?.rawValue), SQLBind(event.contactID?.rawValue), SQLBind(event.type),
                    dialect.json(event.data), dialect.timestamp(event.at)
                )
                .returning("id")
                .first(decodingColumn: "id", as: Int64.self)
            guard let id else { throw SharedSQLError.unexpectedResult("event INSERT returned no id") }
            return id
        }
    }

    func events(tenantID: TenantID, type: String?, limit: Int) async throws -> [AnalyticsEventRecord] {
        let dialect = database.dialect
        return try await database.read(tenant: tenantID) { db in
            let query = db.select()
                .columns(
                    SQLIdentifier("id"), SQLIdentifier("tenant_id"), SQLIdentifier("chatbot_id"), SQLIdentifier("contact_id"),
                    SQLIdentifier("event_type"), dialect.jsonText("event_data"), SQLIdentifier("created_at")
                )
                .from("analytics_events")
                .where("tenant_id", .equal, tenantID.rawValue)
            if let type { query.where("event_type", .equal, type) }
            return try await query.orderBy("id", .descending).limit(max(0, limit)).all(decoding: Row.self).map(\.record)
        }
    }
}
