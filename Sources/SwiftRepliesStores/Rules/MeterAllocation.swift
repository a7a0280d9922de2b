import Foundation
import SwiftRepliesCore

/// How a batch of meterings of one tenant and period shares the room left under its limits, in
/// arrival order: what each turn may send, the totals to add to the period rows, and the
/// `usage.limit_exceeded` events to record (once per period). Both stores use it between reading
/// and updating the period rows.
struct MeterAllocation {
    /// The period a batch is metered in.
    struct Period: Hashable {
        var tenantID: TenantID
        var day: String
        var year: Int
        var month: Int

        init(_ metering: MessageMetering) {
            let (year, month) = UsageCalendar.month(metering.at)
            self.init(tenantID: metering.tenantID, day: UsageCalendar.day(metering.at), year: year, month: month)
        }

        init(tenantID: TenantID, day: String, year: Int, month: Int) {
            self.tenantID = tenantID
            self.day = day
            self.year = year
            self.month = month
        }
    }

    /// Whether allocating `meterings` depends on the period rows as they stand: only when one of
    /// them has a limit. Without limits every wanted send is allowed and nothing is reported, so
    /// a store may add the totals without reading the rows first.
    static func needsPeriodRows(_ meterings: [MessageMetering]) -> Bool {
        meterings.contains { $0.dailyLimit != nil || $0.monthlyLimit != nil }
    }

    /// The allocation of meterings without limits (see `needsPeriodRows`).
    init(unlimited meterings: [MessageMetering], period: Period) {
        self.init(meterings, period: period, daySent: 0, monthSent: 0, dayNotified: false, monthNotified: false)
    }

    /// One outcome per metering, in the order given.
    var outcomes: [MeterOutcome] = []
    var totalAllowed = 0
    var totalReceived = 0
    var totalOverage = 0
    /// Whether each period's limit has been reported exceeded, after this batch.
    var dayNotified: Bool
    var monthNotified: Bool
    var events: [AnalyticsEventDraft] = []

    /// Allocates `meterings` (all of `period`) given the period rows as they stand.
    init(_ meterings: [MessageMetering], period: Period, daySent: Int, monthSent: Int, dayNotified: Bool, monthNotified: Bool) {
        self.dayNotified = dayNotified
        self.monthNotified = monthNotified
        var daySent = daySent
        var monthSent = monthSent
        for metering in meterings {
            let dayRoom = metering.dailyLimit.map { max(0, $0 - daySent) }
            let monthRoom = metering.monthlyLimit.map { max(0, $0 - monthSent) }
            let wanted = max(0, metering.wantedSends)
            let allowed = min(wanted, dayRoom ?? Int.max, monthRoom ?? Int.max)
            let overage = wanted - allowed + max(0, metering.withheld)
            var exceeded: [UsagePeriod] = []
            if overage > 0 {
                if let dayRoom, dayRoom < wanted || dayRoom == 0 { exceeded.append(.day) }
                if let monthRoom, monthRoom < wanted || monthRoom == 0 { exceeded.append(.month) }
            }
            var newly: [UsagePeriod] = []
            if exceeded.contains(.day), !self.dayNotified {
                newly.append(.day)
                self.dayNotified = true
            }
            if exceeded.contains(.month), !self.monthNotified {
                newly.append(.month)
                self.monthNotified = true
            }
            for usagePeriod in newly {
                let limit = usagePeriod == .day ? metering.dailyLimit : metering.monthlyLimit
                let sent = usagePeriod == .day ? daySent : monthSent
                events.append(
                    AnalyticsEventDraft(
                        tenantID: metering.tenantID, chatbotID: metering.chatbotID, contactID: metering.contactID, type: "usage.limit_exceeded",
                        data: [
                            "period": usagePeriod.rawValue, "limit": usagePeriod == .day ? "daily_messages" : "monthly_messages",
                            "value": limit.map(String.init) ?? "", "sent": "\(sent + allowed)",
                            "date": usagePeriod == .day ? period.day : String(format: "%04d-%02d", period.year, period.month),
                        ],
                        at: metering.at
                    )
                )
            }
            daySent += allowed
            monthSent += allowed
            totalAllowed += allowed
            totalReceived += max(0, metering.received)
            totalOverage += overage
            outcomes.append(MeterOutcome(allowedSends: allowed, overage: overage, newlyExceeded: newly))
        }
    }

    /// `batch` grouped by period, each group's indexes in arrival order, groups in first-seen order.
    static func groups(_ batch: [MessageMetering]) -> [(period: Period, indexes: [Int])] {
        var order: [Period] = []
        var indexes: [Period: [Int]] = [:]
        for (index, metering) in batch.enumerated() {
            let period = Period(metering)
            if indexes[period] == nil { order.append(period) }
            indexes[period, default: []].append(index)
        }
        return order.map { ($0, indexes[$0] ?? []) }
    }
}
