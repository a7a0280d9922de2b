import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    public func usage(tenantID: TenantID, at date: Date) async throws -> UsageReport {
        let day = UsageCalendar.day(date)
        let (year, month) = UsageCalendar.month(date)
        let range = UsageCalendar.monthRange(date)
        let tenant = tenantID.rawValue
        let counts = try await tenantTransaction(tenantID) { connection -> [Int] in
            let rows = try await connection.query(
                """
                SELECT
                    d.daily_messages_sent, d.daily_messages_received, d.overage_messages, d.live_takeovers_used, d.actions_created, d.api_calls_made,
                    m.total_messages_sent, m.total_messages_received, m.overage_messages, month.takeovers, month.actions, month.api_calls
                FROM (
                    SELECT COALESCE(SUM(live_takeovers_used), 0)::bigint AS takeovers, COALESCE(SUM(actions_created), 0)::bigint AS actions,
                           COALESCE(SUM(api_calls_made), 0)::bigint AS api_calls
                    FROM usage_tracking
                    WHERE tenant_id = \(tenant) AND tracking_date BETWEEN \(range.first)::date AND \(range.last)::date
                ) AS month
                LEFT JOIN usage_tracking d ON d.tenant_id = \(tenant) AND d.tracking_date = \(day)::date
                LEFT JOIN monthly_usage_summary m ON m.tenant_id = \(tenant) AND m.year = \(year) AND m.month = \(month)
                """,
                logger: self.logger
            )
            guard
                let row = try await Self.first(rows, {
                    try $0.decode((Int?, Int?, Int?, Int?, Int?, Int?, Int?, Int?, Int?, Int, Int, Int).self)
                })
            else {
                throw PostgresStoreError.unexpectedResult("usage returned no row")
            }
            return [
                row.0 ?? 0, row.1 ?? 0, row.2 ?? 0, row.3 ?? 0, row.4 ?? 0, row.5 ?? 0, row.6 ?? 0, row.7 ?? 0, row.8 ?? 0, row.9, row.10, row.11,
            ]
        }
        return UsageReport(
            day: DailyUsage(
                date: day, messagesSent: counts[0], messagesReceived: counts[1], overageMessages: counts[2], liveTakeoversUsed: counts[3],
                actionsCreated: counts[4], apiCallsMade: counts[5]
            ),
            month: MonthlyUsage(
                year: year, month: month, messagesSent: counts[6], messagesReceived: counts[7], overageMessages: counts[8], liveTakeoversUsed: counts[9],
                actionsCreated: counts[10], apiCallsMade: counts[11]
            )
        )
    }

    /// Counts a turn's messages against its tenant's limits. Concurrent calls of this process are
    /// metered together, in arrival order, in one transaction: per tenant and period one upsert
    /// (which locks the period rows, so other processes' meterings of the tenant take turns) and
    /// one update for the whole batch, instead of a transaction holding those hot rows per turn.
    public func meterMessages(_ metering: MessageMetering) async throws -> MeterOutcome {
        try await meterings.submit(metering) { batch in try await self.meterBatch(batch) }
    }

    private func meterBatch(_ batch: [MessageMetering]) async throws -> [MeterOutcome] {
        // Tenants in a fixed order: two processes' batches never wait on each other in a cycle.
        let groups = MeterAllocation.groups(batch).sorted { ($0.period.tenantID, $0.period.day) < ($1.period.tenantID, $1.period.day) }
        return try await hostTransaction { connection in
            var outcomes = [MeterOutcome](repeating: MeterOutcome(allowedSends: 0, overage: 0, newlyExceeded: []), count: batch.count)
            for (key, indexes) in groups {
                guard let first = indexes.first else { continue }
                try await Self.enterTenant(key.tenantID, on: connection, logger: self.logger)
                let tenant = key.tenantID.rawValue, day = key.day, year = key.year, month = key.month
                let date = batch[first].at
                let meterings = indexes.map { batch[$0] }
                guard MeterAllocation.needsPeriodRows(meterings) else {
                    let added = try await Self.addUnlimited(connection, meterings, period: key, logger: self.logger)
                    for (index, outcome) in zip(indexes, added) { outcomes[index] = outcome }
                    continue
                }
                let dayRows = try await connection.run(OpenDaySQL.self, tenant, day, date, logger: self.logger)
                let dayRow = try await Self.first(dayRows) { try $0.decode((Int, Bool).self) }
                let monthRows = try await connection.run(OpenMonthSQL.self, tenant, Int64(year), Int64(month), date, logger: self.logger)
                let monthRow = try await Self.first(monthRows) { try $0.decode((Int, Bool).self) }
                guard let (daySent, dayNotified) = dayRow, let (monthSent, monthNotified) = monthRow else {
                    throw PostgresStoreError.unexpectedResult("usage upsert returned no row")
                }
                let allocation = MeterAllocation(
                    indexes.map { batch[$0] }, period: key, daySent: daySent, monthSent: monthSent, dayNotified: dayNotified,
                    monthNotified: monthNotified
                )
                for (index, outcome) in zip(indexes, allocation.outcomes) { outcomes[index] = outcome }
                let (allowed, received, overage) = (allocation.totalAllowed, allocation.totalReceived, allocation.totalOverage)
                try await connection.run(
                    AddToDaySQL.self, Int64(allowed), Int64(received), Int64(overage), allocation.dayNotified, tenant, day, logger: self.logger
                )
                try await connection.run(
                    AddToMonthSQL.self, Int64(allowed), Int64(received), Int64(overage), allocation.monthNotified, tenant, Int64(year),
                    Int64(month), logger: self.logger
                )
                for event in allocation.events { try await self.insertEvent(connection, event) }
            }
            return outcomes
        }
    }

    /// Adds the totals of meterings without limits (one tenant and period, the tenant entered) to
    /// the period rows, creating them when missing; returns each metering's outcome (everything
    /// allowed). Runs in the caller's transaction (a metering batch, or the commit of the turns
    /// that metered).
    static func addUnlimited(
        _ connection: PostgresConnection, _ meterings: [MessageMetering], period key: MeterAllocation.Period, logger: Logger
    ) async throws -> [MeterOutcome] {
        guard let date = meterings.first?.at else { return [] }
        let allocation = MeterAllocation(unlimited: meterings, period: key)
        let (allowed, received, overage) = (Int64(allocation.totalAllowed), Int64(allocation.totalReceived), Int64(allocation.totalOverage))
        let tenant = key.tenantID.rawValue
        try await connection.run(AddUnlimitedDaySQL.self, tenant, key.day, allowed, received, overage, date, logger: logger)
        try await connection.run(AddUnlimitedMonthSQL.self, tenant, Int64(key.year), Int64(key.month), allowed, received, overage, date, logger: logger)
        return allocation.outcomes
    }

    /// The tenant's row of the day, created when missing: what it has counted so far.
    enum OpenDaySQL: PreparedSQL {
        static let sql = """
            INSERT INTO usage_tracking (tenant_id, tracking_date, created_at, updated_at) VALUES ($1, $2::date, $3, $3)
            ON CONFLICT (tenant_id, tracking_date) DO UPDATE SET updated_at = excluded.updated_at
            RETURNING daily_messages_sent, limit_exceeded_notified
            """
    }

    /// The tenant's row of the month, created when missing: what it has counted so far.
    enum OpenMonthSQL: PreparedSQL {
        static let sql = """
            INSERT INTO monthly_usage_summary (tenant_id, year, month, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
            ON CONFLICT (tenant_id, year, month) DO UPDATE SET updated_at = excluded.updated_at
            RETURNING total_messages_sent, limit_exceeded_notified
            """
    }

    /// Adds the totals of meterings without limits to the day's row, creating it when missing.
    enum AddUnlimitedDaySQL: PreparedSQL {
        static let sql = """
            INSERT INTO usage_tracking (
                tenant_id, tracking_date, daily_messages_sent, daily_messages_received, overage_messages, created_at, updated_at
            ) VALUES ($1, $2::date, $3, $4, $5, $6, $6)
            ON CONFLICT (tenant_id, tracking_date) DO UPDATE SET
                daily_messages_sent = usage_tracking.daily_messages_sent + excluded.daily_messages_sent,
                daily_messages_received = usage_tracking.daily_messages_received + excluded.daily_messages_received,
                overage_messages = usage_tracking.overage_messages + excluded.overage_messages, updated_at = excluded.updated_at
            """
    }

    /// Adds the totals of meterings without limits to the month's row, creating it when missing.
    enum AddUnlimitedMonthSQL: PreparedSQL {
        static let sql = """
            INSERT INTO monthly_usage_summary (
                tenant_id, year, month, total_messages_sent, total_messages_received, overage_messages, created_at, updated_at
            ) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
            ON CONFLICT (tenant_id, year, month) DO UPDATE SET
                total_messages_sent = monthly_usage_summary.total_messages_sent + excluded.total_messages_sent,
                total_messages_received = monthly_usage_summary.total_messages_received + excluded.total_messages_received,
                overage_messages = monthly_usage_summary.overage_messages + excluded.overage_messages, updated_at = excluded.updated_at
            """
    }

    /// Adds a batch's meterings to the day's row.
    enum AddToDaySQL: PreparedSQL {
        static let sql = """
            UPDATE usage_tracking
            SET daily_messages_sent = daily_messages_sent + $1, daily_messages_received = daily_messages_received + $2,
                overage_messages = overage_messages + $3, limit_exceeded_notified = limit_exceeded_notified OR $4
            WHERE tenant_id = $5 AND tracking_date = $6::date
            """
    }

    /// Adds a batch's meterings to the month's row.
    enum AddToMonthSQL: PreparedSQL {
        static let sql = """
            UPDATE monthly_usage_summary
            SET total_messages_sent = total_messages_sent + $1, total_messages_received = total_messages_received + $2,
                overage_messages = overage_messages + $3, limit_exceeded_notified = limit_exceeded_notified OR $4
            WHERE tenant_id = $5 AND year = $6 AND month = $7
            """
    }

    public func incrementUsage(tenantID: TenantID, _ increments: UsageIncrements, at date: Date) async throws {
        try await tenantTransaction(tenantID) { connection in
            try await self.bumpUsage(connection, tenantID: tenantID, increments, at: date)
        }
    }

    @discardableResult
    /// Host work across tenants (like `syncDirectory`), so it runs as the host role: one upsert
    /// over `unnest` of the tenants' subscriptions; a row whose values did not change is not
    /// rewritten.
    public func syncSubscriptions(_ tenants: [TenantDefinition], at date: Date) async throws {
        guard !tenants.isEmpty else { return }
        var ids: [String] = [], plans: [String] = [], configs: [String] = []
        // Limits travel as text, '' for none (arrays of optionals cannot be bound).
        var dailyMessages: [String] = [], monthlyMessages: [String] = [], dailyCampaigns: [String] = [], monthlyCampaigns: [String] = []
        func text(_ limit: Int?) -> String { limit.map(String.init) ?? "" }
        for tenant in tenants {
            let subscription = tenant.subscription
            var limits: [String: Any] = [:]
            for key in SubscriptionLimits.keys { limits[key] = subscription.limits[key] ?? NSNull() }
            let config: [String: Any] = [
                "features": Dictionary(uniqueKeysWithValues: FeatureFlags.keys.map { ($0, subscription.features.isEnabled($0)) }), "limits": limits,
            ]
            ids.append(tenant.id.rawValue)
            plans.append(subscription.plan)
            configs.append(String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self))
            dailyMessages.append(text(subscription.limits.dailyMessages))
            monthlyMessages.append(text(subscription.limits.monthlyMessages))
            dailyCampaigns.append(text(subscription.limits.dailyCampaigns))
            monthlyCampaigns.append(text(subscription.limits.monthlyCampaigns))
        }
        let (tenantIDs, tenantPlans, tenantConfigs) = (ids, plans, configs)
        let limits = (dailyMessages, monthlyMessages, dailyCampaigns, monthlyCampaigns)
        try await hostTransaction { connection in
            _ = try await connection.query(
                """
                INSERT INTO subscriptions (
                    tenant_id, plan, config, daily_message_limit, monthly_message_limit, daily_campaign_limit, monthly_campaign_limit,
                    created_at, updated_at
                )
                SELECT t, p, c::jsonb, NULLIF(dm, '')::integer, NULLIF(mm, '')::integer, NULLIF(dc, '')::integer, NULLIF(mc, '')::integer,
                       \(date), \(date)
                FROM unnest(\(tenantIDs)::text[], \(tenantPlans)::text[], \(tenantConfigs)::text[], \(limits.0)::text[], \(limits.1)::text[],
                            \(limits.2)::text[], \(limits.3)::text[]) AS v(t, p, c, dm, mm, dc, mc)
                ORDER BY t
                ON CONFLICT (tenant_id) DO UPDATE SET
                    plan = excluded.plan, config = excluded.config, daily_message_limit = excluded.daily_message_limit,
                    monthly_message_limit = excluded.monthly_message_limit, daily_campaign_limit = excluded.daily_campaign_limit,
                    monthly_campaign_limit = excluded.monthly_campaign_limit, is_active = true, updated_at = excluded.updated_at
                WHERE (subscriptions.plan, subscriptions.config, subscriptions.daily_message_limit, subscriptions.monthly_message_limit,
                       subscriptions.daily_campaign_limit, subscriptions.monthly_campaign_limit)
                    IS DISTINCT FROM (excluded.plan, excluded.config, excluded.daily_message_limit, excluded.monthly_message_limit,
                       excluded.daily_campaign_limit, excluded.monthly_campaign_limit)
                """,
                logger: self.logger
            )
        }
    }
}
