import Foundation
import Hummingbird
import Logging
import SwiftRepliesCore
import SwiftRepliesRuntime

/// Usage against the subscription, and the tenant's events:
///
/// - `GET /api/v1/usage` (`usage:read`): today (UTC) and this month against every limit, what
///   is left, and the features
/// - `GET /api/v1/events?type=&limit=` (`events:read`): analytics events, newest first
///   (`action.created`, `action.resolved`, `action.expired`, `usage.limit_exceeded`,
///   `takeover.started`, `takeover.released`); refused when the `analytics` feature is off
struct UsageController: Sendable {
    let state: RuntimeStateHolder
    let logger: Logger

    func register(on api: RouterGroup<APIRequestContext>) {
        api.endpoint(.get, "usage", scope: "usage:read", logger: logger) { _, _, principal in
            try await usage(principal)
        }
        api.endpoint(.get, "events", scope: "events:read", logger: logger) { request, _, principal in
            try principal.require("analytics")
            let (limit, _) = try request.paging()
            let events = try await principal.stores.events.events(tenantID: principal.tenant.id, type: request.query("type"), limit: limit)
            return APIJSON.response(.ok, ["events": events.map(APIRepresentation.event)])
        }
    }

    private func usage(_ principal: APIPrincipal) async throws -> Response {
        let now = Date()
        let tenant = principal.tenant
        let stores = principal.stores
        let limits = tenant.subscription.limits
        let report = try await stores.usage.usage(tenantID: tenant.id, at: now)
        let keys = try await stores.apiKeys.apiKeys(tenantID: tenant.id).filter { $0.status(at: now) == .active }.count
        let webhooks = try await stores.webhooks.webhooks(tenantID: tenant.id).count
        let contacts = try await stores.contacts.contactCount(tenantID: tenant.id)
        let actionsToday = try await stores.actions.actionsCreated(tenantID: tenant.id, since: UsageCalendar.startOfDay(now))
        var limitValues: [String: Any] = [:]
        for key in SubscriptionLimits.keys { limitValues[key] = APIJSON.optional(limits[key]) }
        func left(_ limit: Int?, _ used: Int) -> Any { limit.map { max(0, $0 - used) } ?? NSNull() }
        let body: [String: Any] = [
            "tenant": tenant.id.rawValue,
            "plan": tenant.subscription.plan,
            "tracking": state.current.snapshot.switches.usageTracking,
            "today": [
                "date": report.day.date, "messages_sent": report.day.messagesSent, "messages_received": report.day.messagesReceived,
                "overage_messages": report.day.overageMessages, "live_takeovers_used": report.day.liveTakeoversUsed,
                "actions_created": report.day.actionsCreated, "api_calls_made": report.day.apiCallsMade,
            ],
            "this_month": [
                "month": String(format: "%04d-%02d", report.month.year, report.month.month), "messages_sent": report.month.messagesSent,
                "messages_received": report.month.messagesReceived, "overage_messages": report.month.overageMessages,
                "live_takeovers_used": report.month.liveTakeoversUsed, "actions_created": report.month.actionsCreated,
                "api_calls_made": report.month.apiCallsMade,
            ],
            "limits": limitValues,
            "in_use": ["chatbots": tenant.chatbots.count, "contacts": contacts, "api_keys": keys, "webhooks": webhooks, "actions_today": actionsToday],
            "remaining": [
                "daily_messages": left(limits.dailyMessages, report.day.messagesSent),
                "monthly_messages": left(limits.monthlyMessages, report.month.messagesSent),
                "actions_today": left(limits.maxActionsPerDay, actionsToday), "contacts": left(limits.maxContacts, contacts),
                "api_keys": left(limits.maxAPIKeys, keys), "webhooks": left(limits.maxWebhooks, webhooks),
            ],
            "features": Dictionary(uniqueKeysWithValues: FeatureFlags.keys.map { ($0, tenant.subscription.features.isEnabled($0)) }),
        ]
        return APIJSON.response(.ok, body)
    }
}
