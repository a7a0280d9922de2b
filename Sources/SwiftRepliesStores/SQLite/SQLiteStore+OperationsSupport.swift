import Foundation
import SwiftRepliesCore

extension SQLiteValue {
    /// A double, or `NULL`.
    static func optionalDouble(_ value: Double?) -> SQLiteValue { value.map { .float($0) } ?? .null }
}

extension SQLiteResultRow {
    func optionalDouble(_ name: String) throws -> Double? {
        let value = try value(name)
        if value.isNull { return nil }
        guard let double = value.double else { throw SQLiteStoreError.invalidValue(column: name, value: value.description) }
        return double
    }
}

extension SQLiteStore {
    /// Adds to a tenant's counters of one day (and month, for messages), creating the rows as
    /// needed. Runs inside the caller's write transaction.
    func bumpUsage(_ db: SQLiteSession, tenantID: TenantID, _ increments: UsageIncrements, overage: Int = 0, at date: Date) throws {
        _ = try db.query(
            """
            INSERT INTO usage_tracking (
                tenant_id, tracking_date, daily_messages_sent, daily_messages_received, live_takeovers_used, actions_created,
                api_calls_made, overage_messages, created_at, updated_at
            )
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant_id, tracking_date) DO UPDATE SET
                daily_messages_sent = usage_tracking.daily_messages_sent + excluded.daily_messages_sent,
                daily_messages_received = usage_tracking.daily_messages_received + excluded.daily_messages_received,
                live_takeovers_used = usage_tracking.live_takeovers_used + excluded.live_takeovers_used,
                actions_created = usage_tracking.actions_created + excluded.actions_created,
                api_calls_made = usage_tracking.api_calls_made + excluded.api_calls_made,
                overage_messages = usage_tracking.overage_messages + excluded.overage_messages,
                updated_at = excluded.updated_at
            """,
            [
                .text(tenantID.rawValue), .text(UsageCalendar.day(date)), .int(increments.messagesSent), .int(increments.messagesReceived),
                .int(increments.liveTakeovers), .int(increments.actionsCreated), .int(increments.apiCalls), .int(overage), .timestamp(date),
                .timestamp(date),
            ]
        )
        guard increments.messagesSent != 0 || increments.messagesReceived != 0 || overage != 0 else { return }
        let (year, month) = UsageCalendar.month(date)
        _ = try db.query(
            """
            INSERT INTO monthly_usage_summary (
                tenant_id, year, month, total_messages_sent, total_messages_received, overage_messages, created_at, updated_at
            )
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant_id, year, month) DO UPDATE SET
                total_messages_sent = monthly_usage_summary.total_messages_sent + excluded.total_messages_sent,
                total_messages_received = monthly_usage_summary.total_messages_received + excluded.total_messages_received,
                overage_messages = monthly_usage_summary.overage_messages + excluded.overage_messages,
                updated_at = excluded.updated_at
            """,
            [
                .text(tenantID.rawValue), .int(year), .int(month), .int(increments.messagesSent), .int(increments.messagesReceived), .int(overage),
                .timestamp(date), .timestamp(date),
            ]
        )
    }

    /// Records an analytics event inside the caller's write transaction; returns its id.
    @discardableResult
    func insertEvent(_ db: SQLiteSession, _ event: AnalyticsEventDraft) throws -> Int64 {
        let rows = try db.query(
            """
            INSERT INTO analytics_events (tenant_id, chatbot_id, contact_id, event_type, event_data, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            RETURNING id
            """,
            [
                .text(event.tenantID.rawValue), .optionalText(event.chatbotID?.rawValue), event.contactID.map { .int64($0.rawValue) } ?? .null,
                .text(event.type), .text(try OperationsJSON.encode(event.data)), .timestamp(event.at),
            ]
        )
        guard let row = rows.first else { throw SQLiteStoreError.unexpectedResult("event INSERT returned no id") }
        return try row.int64("id")
    }
}
