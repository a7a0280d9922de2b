import Foundation
import SQLKit
import SwiftRepliesCore

/// Adds to a tenant's usage counters inside the caller's shared-SQL transaction: the day's row of
/// `usage_tracking` and, when messages are counted, the month's row of `monthly_usage_summary`,
/// each created on first use (an upsert that adds).
struct UsageTrackingSQL: Sendable {
    let dialect: SharedSQLDialect

    func add(_ increments: UsageIncrements, overage: Int = 0, tenant: TenantID, at date: Date, on db: any SQLDatabase) async throws {
        try await db.execute(
            sql: SQLQueryString(
                """
                INSERT INTO usage_tracking (
                    tenant_id, tracking_date, daily_messages_sent, daily_messages_received, live_takeovers_used, actions_created,
                    api_calls_made, overage_messages, created_at, updated_at
                )
                VALUES (
                    \(bind: tenant.rawValue), \(dialect.calendarDay(UsageCalendar.day(date))), \(bind: increments.messagesSent),
                    \(bind: increments.messagesReceived), \(bind: increments.liveTakeovers), \(bind: increments.actionsCreated),
                    \(bind: increments.apiCalls), \(bind: overage), \(dialect.timestamp(date)), \(dialect.timestamp(date))
                )
                ON CONFLICT (tenant_id, tracking_date) DO UPDATE SET
                    daily_messages_sent = usage_tracking.daily_messages_sent + excluded.daily_messages_sent,
                    daily_messages_received = usage_tracking.daily_messages_received + excluded.daily_messages_received,
                    live_takeovers_used = usage_tracking.live_takeovers_used + excluded.live_takeovers_used,
                    actions_created = usage_tracking.actions_created + excluded.actions_created,
                    api_calls_made = usage_tracking.api_calls_made + excluded.api_calls_made,
                    overage_messages = usage_tracking.overage_messages + excluded.overage_messages,
                    updated_at = excluded.updated_at
                """
            )
        ) { _ in }
        guard increments.messagesSent != 0 || increments.messagesReceived != 0 || overage != 0 else { return }
        let (year, month) = UsageCalendar.month(date)
        try await db.execute(
            sql: SQLQueryString(
                """
                INSERT INTO monthly_usage_summary (
                    tenant_id, year, month, total_messages_sent, total_messages_received, overage_messages, created_at, updated_at
                )
                VALUES (
                    \(bind: tenant.rawValue), \(bind: year), \(bind: month), \(bind: increments.messagesSent), \(bind: increments.messagesReceived),
                    \(bind: overage), \(dialect.timestamp(date)), \(dialect.timestamp(date))
                )
                ON CONFLICT (tenant_id, year, month) DO UPDATE SET
                    total_messages_sent = monthly_usage_summary.total_messages_sent + excluded.total_messages_sent,
                    total_messages_received = monthly_usage_summary.total_messages_received + excluded.total_messages_received,
                    overage_messages = monthly_usage_summary.overage_messages + excluded.overage_messages,
                    updated_at = excluded.updated_at
                """
            )
        ) { _ in }
    }
}
