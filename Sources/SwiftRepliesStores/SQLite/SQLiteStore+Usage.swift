import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    public func usage(tenantID: TenantID, at date: Date) async throws -> UsageReport {
        let day = UsageCalendar.day(date)
        let (year, month) = UsageCalendar.month(date)
        let range = UsageCalendar.monthRange(date)
        let tenant = SQLiteValue.text(tenantID.rawValue)
        let rows = try await read(
            """
            SELECT
                d.daily_messages_sent AS day_sent, d.daily_messages_received AS day_received, d.overage_messages AS day_overage,
                d.live_takeovers_used AS day_takeovers, d.actions_created AS day_actions, d.api_calls_made AS day_api_calls,
                m.total_messages_sent AS month_sent, m.total_messages_received AS month_received, m.overage_messages AS month_overage,
                (SELECT COALESCE(SUM(live_takeovers_used), 0) FROM usage_tracking WHERE tenant_id = ? AND tracking_date BETWEEN ? AND ?) AS month_takeovers,
                (SELECT COALESCE(SUM(actions_created), 0) FROM usage_tracking WHERE tenant_id = ? AND tracking_date BETWEEN ? AND ?) AS month_actions,
                (SELECT COALESCE(SUM(api_calls_made), 0) FROM usage_tracking WHERE tenant_id = ? AND tracking_date BETWEEN ? AND ?) AS month_api_calls
            FROM (SELECT 1) AS one
            LEFT JOIN usage_tracking d ON d.tenant_id = ? AND d.tracking_date = ?
            LEFT JOIN monthly_usage_summary m ON m.tenant_id = ? AND m.year = ? AND m.month = ?
            """,
            [
                tenant, .text(range.first), .text(range.last), tenant, .text(range.first), .text(range.last), tenant, .text(range.first),
                .text(range.last), tenant, .text(day), tenant, .int(year), .int(month),
            ]
        )
        guard let row = rows.first else { throw SQLiteStoreError.unexpectedResult("usage returned no row") }
        func count(_ name: String) throws -> Int { try row.optionalInt(name) ?? 0 }
        return UsageReport(
            day: DailyUsage(
                date: day, messagesSent: try count("day_sent"), messagesReceived: try count("day_received"), overageMessages: try count("day_overage"),
                liveTakeoversUsed: try count("day_takeovers"), actionsCreated: try count("day_actions"), apiCallsMade: try count("day_api_calls")
            ),
            month: MonthlyUsage(
                year: year, month: month, messagesSent: try count("month_sent"), messagesReceived: try count("month_received"),
                overageMessages: try count("month_overage"), liveTakeoversUsed: try count("month_takeovers"), actionsCreated: try count("month_actions"),
                apiCallsMade: try count("month_api_calls")
            )
        )
    }

    /// Counts a turn's messages against its tenant's limits. Concurrent calls are metered
    /// together, in the order they arrived: per tenant and period one upsert and one update
    /// for the whole batch instead of four statements per turn.
    public func meterMessages(_ metering: MessageMetering) async throws -> MeterOutcome {
        try await meterings.submit(metering) { batch in try await self.meterBatch(batch) }
    }

    private func meterBatch(_ batch: [MessageMetering]) async throws -> [MeterOutcome] {
        let groups = MeterAllocation.groups(batch)
        return try await withWriteTransaction { db in
            var outcomes = [MeterOutcome](repeating: MeterOutcome(allowedSends: 0, overage: 0, newlyExceeded: []), count: batch.count)
            for (key, indexes) in groups {
                guard let first = indexes.first else { continue }
                let tenant = SQLiteValue.text(key.tenantID.rawValue)
                let date = batch[first].at
                let meterings = indexes.map { batch[$0] }
                guard MeterAllocation.needsPeriodRows(meterings) else {
                    for (index, outcome) in zip(indexes, try Self.addUnlimited(db, meterings, period: key)) { outcomes[index] = outcome }
                    continue
                }
                // The period rows as they stand (created when missing).
                let dayRows = try db.query(
                    """
                    INSERT INTO usage_tracking (tenant_id, tracking_date, created_at, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (tenant_id, tracking_date) DO UPDATE SET updated_at = excluded.updated_at
                    RETURNING daily_messages_sent, limit_exceeded_notified
                    """,
                    [tenant, .text(key.day), .timestamp(date), .timestamp(date)]
                )
                let monthRows = try db.query(
                    """
                    INSERT INTO monthly_usage_summary (tenant_id, year, month, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (tenant_id, year, month) DO UPDATE SET updated_at = excluded.updated_at
                    RETURNING total_messages_sent, limit_exceeded_notified
                    """,
                    [tenant, .int(key.year), .int(key.month), .timestamp(date), .timestamp(date)]
                )
                guard let dayRow = dayRows.first, let monthRow = monthRows.first else {
                    throw SQLiteStoreError.unexpectedResult("usage upsert returned no row")
                }
                let allocation = MeterAllocation(
                    indexes.map { batch[$0] }, period: key, daySent: try dayRow.int("daily_messages_sent"),
                    monthSent: try monthRow.int("total_messages_sent"), dayNotified: try dayRow.flag("limit_exceeded_notified"),
                    monthNotified: try monthRow.flag("limit_exceeded_notified")
                )
                for (index, outcome) in zip(indexes, allocation.outcomes) { outcomes[index] = outcome }
                _ = try db.query(
                    """
                    UPDATE usage_tracking
                    SET daily_messages_sent = daily_messages_sent + ?, daily_messages_received = daily_messages_received + ?,
                        overage_messages = overage_messages + ?, limit_exceeded_notified = MAX(limit_exceeded_notified, ?)
                    WHERE tenant_id = ? AND tracking_date = ?
                    """,
                    [
                        .int(allocation.totalAllowed), .int(allocation.totalReceived), .int(allocation.totalOverage), .flag(allocation.dayNotified),
                        tenant, .text(key.day),
                    ]
                )
                _ = try db.query(
                    """
                    UPDATE monthly_usage_summary
                    SET total_messages_sent = total_messages_sent + ?, total_messages_received = total_messages_received + ?,
                        overage_messages = overage_messages + ?, limit_exceeded_notified = MAX(limit_exceeded_notified, ?)
                    WHERE tenant_id = ? AND year = ? AND month = ?
                    """,
                    [
                        .int(allocation.totalAllowed), .int(allocation.totalReceived), .int(allocation.totalOverage),
                        .flag(allocation.monthNotified), tenant, .int(key.year), .int(key.month),
                    ]
                )
                for event in allocation.events { try self.insertEvent(db, event) }
            }
            return outcomes
        }
    }

    /// Adds the totals of meterings without limits (one tenant and period) to the period rows,
    /// creating them when missing; returns each metering's outcome (everything allowed). Runs in
    /// the caller's write (a metering batch, or the commit of the turns that metered).
    static func addUnlimited(_ db: SQLiteSession, _ meterings: [MessageMetering], period key: MeterAllocation.Period) throws -> [MeterOutcome] {
        guard let date = meterings.first?.at else { return [] }
        let tenant = SQLiteValue.text(key.tenantID.rawValue)
        let allocation = MeterAllocation(unlimited: meterings, period: key)
        let totals: [SQLiteValue] = [.int(allocation.totalAllowed), .int(allocation.totalReceived), .int(allocation.totalOverage)]
        _ = try db.query(
            """
            INSERT INTO usage_tracking (
                tenant_id, tracking_date, daily_messages_sent, daily_messages_received, overage_messages, created_at, updated_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant_id, tracking_date) DO UPDATE SET
                daily_messages_sent = daily_messages_sent + excluded.daily_messages_sent,
                daily_messages_received = daily_messages_received + excluded.daily_messages_received,
                overage_messages = overage_messages + excluded.overage_messages, updated_at = excluded.updated_at
            """,
            [tenant, .text(key.day)] + totals + [.timestamp(date), .timestamp(date)]
        )
        _ = try db.query(
            """
            INSERT INTO monthly_usage_summary (
                tenant_id, year, month, total_messages_sent, total_messages_received, overage_messages, created_at, updated_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant_id, year, month) DO UPDATE SET
                total_messages_sent = total_messages_sent + excluded.total_messages_sent,
                total_messages_received = total_messages_received + excluded.total_messages_received,
                overage_messages = overage_messages + excluded.overage_messages, updated_at = excluded.updated_at
            """,
            [tenant, .int(key.year), .int(key.month)] + totals + [.timestamp(date), .timestamp(date)]
        )
        return allocation.outcomes
    }

    public func incrementUsage(tenantID: TenantID, _ increments: UsageIncrements, at date: Date) async throws {
        try await withWriteTransaction { db in
            try self.bumpUsage(db, tenantID: tenantID, increments, at: date)
        }
    }

    @discardableResult
    public func syncSubscriptions(_ tenants: [TenantDefinition], at date: Date) async throws {
        guard !tenants.isEmpty else { return }
        let rows = try tenants.map { tenant -> [SQLiteValue] in
            let subscription = tenant.subscription
            var limits: [String: Any] = [:]
            for key in SubscriptionLimits.keys { limits[key] = subscription.limits[key] ?? NSNull() }
            let config: [String: Any] = ["features": Dictionary(uniqueKeysWithValues: FeatureFlags.keys.map { ($0, subscription.features.isEnabled($0)) }), "limits": limits]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
            return [
                .text(tenant.id.rawValue), .text(subscription.plan), .text(json), .int(subscription.limits.dailyMessages), .int(subscription.limits.monthlyMessages),
                .int(subscription.limits.dailyCampaigns), .int(subscription.limits.monthlyCampaigns), .timestamp(date), .timestamp(date),
            ]
        }
        try await withWriteTransaction { db in
            for row in rows {
                _ = try db.query(
                    """
                    INSERT INTO subscriptions (
                        tenant_id, plan, config, daily_message_limit, monthly_message_limit, daily_campaign_limit, monthly_campaign_limit,
                        created_at, updated_at
                    )
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (tenant_id) DO UPDATE SET
                        plan = excluded.plan, config = excluded.config, daily_message_limit = excluded.daily_message_limit,
                        monthly_message_limit = excluded.monthly_message_limit, daily_campaign_limit = excluded.daily_campaign_limit,
                        monthly_campaign_limit = excluded.monthly_campaign_limit, is_active = 1, updated_at = excluded.updated_at
                    WHERE subscriptions.plan IS NOT excluded.plan OR subscriptions.config IS NOT excluded.config
                        OR subscriptions.daily_message_limit IS NOT excluded.daily_message_limit
                        OR subscriptions.monthly_message_limit IS NOT excluded.monthly_message_limit
                        OR subscriptions.daily_campaign_limit IS NOT excluded.daily_campaign_limit
                        OR subscriptions.monthly_campaign_limit IS NOT excluded.monthly_campaign_limit
                    """,
                    row
                )
            }
        }
    }
}
