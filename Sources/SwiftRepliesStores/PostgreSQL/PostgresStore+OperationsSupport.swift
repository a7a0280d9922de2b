import Foundation
import PostgresNIO
import SwiftRepliesCore

/// The operator aggregates on PostgreSQL: every method works for one tenant, so each runs in
/// `tenantTransaction` (role `swiftreplies_app`, the tenant set for that transaction) and
/// row-level security holds it to that tenant's rows, on top of the `tenant_id` conditions the
/// statements carry. The one exception is `syncSubscriptions`, the host's mirror of every
/// tenant's subscription, which runs as the host role like `syncDirectory`.
///
/// API keys name their tenant (`srk_<tenant>_<secret>`), so authenticating one reads that
/// tenant's keys inside its own transaction: no look-up by hash across tenants is needed.

extension PostgresStore {
    /// Serialises, until the end of the transaction, the callers that check a tenant's count
    /// against a limit before they insert (`scope` names the count), as SQLite's single writer
    /// does: two concurrent requests cannot both take the last place.
    func lockTenantCount(_ connection: PostgresConnection, scope: String, tenant: TenantID) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(scope)), hashtext(\(tenant.rawValue)))", logger: logger)
    }

    /// Adds to a tenant's counters of one day (and month, for messages), creating the rows as
    /// needed. Runs inside the caller's tenant transaction.
    func bumpUsage(_ connection: PostgresConnection, tenantID: TenantID, _ increments: UsageIncrements, overage: Int = 0, at date: Date) async throws {
        let tenant = tenantID.rawValue
        try await connection.query(
            """
            INSERT INTO usage_tracking (
                tenant_id, tracking_date, daily_messages_sent, daily_messages_received, live_takeovers_used, actions_created,
                api_calls_made, overage_messages, created_at, updated_at
            )
            VALUES (
                \(tenant), \(UsageCalendar.day(date))::date, \(increments.messagesSent), \(increments.messagesReceived), \(increments.liveTakeovers),
                \(increments.actionsCreated), \(increments.apiCalls), \(overage), \(date), \(date)
            )
            ON CONFLICT (tenant_id, tracking_date) DO UPDATE SET
                daily_messages_sent = usage_tracking.daily_messages_sent + excluded.daily_messages_sent,
                daily_messages_received = usage_tracking.daily_messages_received + excluded.daily_messages_received,
                live_takeovers_used = usage_tracking.live_takeovers_used + excluded.live_takeovers_used,
                actions_created = usage_tracking.actions_created + excluded.actions_created,
                api_calls_made = usage_tracking.api_calls_made + excluded.api_calls_made,
                overage_messages = usage_tracking.overage_messages + excluded.overage_messages,
                updated_at = excluded.updated_at
            """,
            logger: logger
        )
        guard increments.messagesSent != 0 || increments.messagesReceived != 0 || overage != 0 else { return }
        let (year, month) = UsageCalendar.month(date)
        try await connection.query(
            """
            INSERT INTO monthly_usage_summary (
                tenant_id, year, month, total_messages_sent, total_messages_received, overage_messages, created_at, updated_at
            )
            VALUES (\(tenant), \(year), \(month), \(increments.messagesSent), \(increments.messagesReceived), \(overage), \(date), \(date))
            ON CONFLICT (tenant_id, year, month) DO UPDATE SET
                total_messages_sent = monthly_usage_summary.total_messages_sent + excluded.total_messages_sent,
                total_messages_received = monthly_usage_summary.total_messages_received + excluded.total_messages_received,
                overage_messages = monthly_usage_summary.overage_messages + excluded.overage_messages,
                updated_at = excluded.updated_at
            """,
            logger: logger
        )
    }

    /// Records an analytics event inside the caller's tenant transaction; returns its id.
    @discardableResult
    func insertEvent(_ connection: PostgresConnection, _ event: AnalyticsEventDraft) async throws -> Int64 {
        let data = try OperationsJSON.encode(event.data)
        let rows = try await connection.query(
            """
            INSERT INTO analytics_events (tenant_id, chatbot_id, contact_id, event_type, event_data, created_at)
            VALUES (\(event.tenantID.rawValue), \(event.chatbotID?.rawValue), \(event.contactID?.rawValue), \(event.type), \(data)::jsonb, \(event.at))
            RETURNING id
            """,
            logger: logger
        )
        for try await id in rows.decode(Int64.self) { return id }
        throw PostgresStoreError.unexpectedResult("event INSERT returned no id")
    }

    /// The first decoded row of `rows`, if any.
    static func first<Row, Rows: AsyncSequence>(_ rows: Rows, _ decode: (PostgresRow) throws -> Row) async throws -> Row? where Rows.Element == PostgresRow {
        for try await row in rows { return try decode(row) }
        return nil
    }

    /// Every decoded row of `rows`, in order.
    static func all<Row, Rows: AsyncSequence>(_ rows: Rows, _ decode: (PostgresRow) throws -> Row) async throws -> [Row] where Rows.Element == PostgresRow {
        var result: [Row] = []
        for try await row in rows { result.append(try decode(row)) }
        return result
    }

    /// How many rows `rows` has.
    static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    /// The single integer a `SELECT COUNT(*)` (or similar) answers.
    static func integer(_ rows: PostgresRowSequence) async throws -> Int {
        for try await value in rows.decode(Int64?.self) { return Int(value ?? 0) }
        return 0
    }
}
