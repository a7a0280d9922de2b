import Foundation
import HTTPTypes
import SwiftRepliesCore
import Testing

/// Usage limits and feature flags over real HTTP: the bot stops at the subscription's limits,
/// the customer's messages are still stored, the operator sees why.
@Suite struct UsageLimitsTests {
    static let customer = "96170000001"

    @Test func dailyLimitReachedMidConversationStopsTheBot() async throws {
        try await ServerHarness.with(prepare: TestConfig.astroSubscription("      plan: starter\n      limits: { daily_messages: 2 }\n")) { harness in
            try await harness.customerSays("marhaba", to: "astro")
            try await harness.waitForSent("AstroSouks", to: Self.customer)
            try await harness.customerSays("how much is the mini projector", to: "astro")
            try await harness.waitForSent("79 USD", to: Self.customer)
            // The limit is reached: these are stored, but get no answer.
            try await harness.customerSays("and the earbuds?", to: "astro")
            try await harness.customerSays("hello??", to: "astro")
            try await harness.eventually("four inbound messages processed") {
                try await harness.count("SELECT COUNT(*) FROM messages WHERE tenant_id = 'astrosouks' AND direction = 'inbound' AND status = 'processed'") == 4
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(await harness.sentTexts(to: Self.customer).count == 2)

            let key = try await harness.makeKey(tenant: "astrosouks")
            let usage = try await harness.api(.get, "/usage", key: key)
            let today = try #require(usage.json["today"] as? [String: Any])
            #expect(today["messages_sent"] as? Int == 2)
            #expect(today["messages_received"] as? Int == 4)
            #expect(today["overage_messages"] as? Int == 2)
            #expect((usage.json["this_month"] as? [String: Any])?["overage_messages"] as? Int == 2)
            #expect((usage.json["limits"] as? [String: Any])?["daily_messages"] as? Int == 2)
            #expect((usage.json["remaining"] as? [String: Any])?["daily_messages"] as? Int == 0)
            let events = try await harness.api(.get, "/events?type=usage.limit_exceeded", key: key).list("events")
            #expect(events.count == 1, "once per period")
            #expect((events.first?["data"] as? [String: String])?["period"] == "day")
            // ECLA (unlimited) is untouched.
            try await harness.customerSays("hi")
            try await harness.waitForSent("ECLA", to: Self.customer)
        }
    }

    @Test func unlimitedPlanIsNeverLimited() async throws {
        try await ServerHarness.with(environment: ["DEFAULT_DAILY_MESSAGE_LIMIT": "1", "DEFAULT_MONTHLY_MESSAGE_LIMIT": "1"]) { harness in
            for text in ["hi", "how much is the whitening pen?", "how much is the whitening kit?"] {
                try await harness.customerSays(text)
            }
            try await harness.waitForSent("49 USD", to: Self.customer)
            #expect(await harness.sentTexts(to: Self.customer).count == 3)
            let key = try await harness.makeKey(tenant: "swiftreplies")
            let usage = try await harness.api(.get, "/usage", key: key)
            #expect((usage.json["limits"] as? [String: Any])?["daily_messages"] is NSNull)
            #expect((usage.json["today"] as? [String: Any])?["messages_sent"] as? Int == 3, "counted, never stopped")
            #expect((usage.json["today"] as? [String: Any])?["messages_received"] as? Int == 3, "counted with each turn's commit")
        }
    }

    @Test func usageTrackingSwitchedOffPassesThrough() async throws {
        try await ServerHarness.with(
            environment: ["ENABLE_USAGE_TRACKING": "false"], prepare: TestConfig.astroSubscription("      plan: starter\n      limits: { daily_messages: 1 }\n")
        ) { harness in
            try await harness.customerSays("marhaba", to: "astro")
            try await harness.customerSays("how much is the mini projector", to: "astro")
            try await harness.waitForSent("79 USD", to: Self.customer)
            let key = try await harness.makeKey(tenant: "astrosouks")
            let usage = try await harness.api(.get, "/usage", key: key)
            #expect(usage.json["tracking"] as? Bool == false)
            #expect((usage.json["today"] as? [String: Any])?["messages_sent"] as? Int == 0)
            let health = try await harness.get("/health")
            #expect(health.body.contains("\"usage_tracking\":false"))
        }
    }

    @Test func maxContactsAndMaxChatbotsStopTheBotForThoseBeyond() async throws {
        try await ServerHarness.with(prepare: TestConfig.astroSubscription("      plan: starter\n      limits: { max_contacts: 1 }\n")) { harness in
            try await harness.customerSays("marhaba", from: "96170000001", to: "astro")
            try await harness.waitForSent("AstroSouks", to: "96170000001")
            try await harness.customerSays("marhaba", from: "96170000002", to: "astro")
            try await harness.eventually("the second customer's message processed") {
                try await harness.count("SELECT COUNT(*) FROM messages WHERE tenant_id = 'astrosouks' AND direction = 'inbound' AND status = 'processed'") == 2
            }
            try await Task.sleep(for: .milliseconds(200))
            #expect(await harness.sentTexts(to: "96170000002").isEmpty)
            // The first customer is still served.
            try await harness.customerSays("how much is the mini projector", from: "96170000001", to: "astro")
            try await harness.waitForSent("79 USD", to: "96170000001")
        }
        try await ServerHarness.with(prepare: TestConfig.astroSubscription("      plan: starter\n      limits: { max_chatbots: 0 }\n")) { harness in
            try await harness.customerSays("marhaba", to: "astro")
            try await harness.eventually("the message processed") {
                try await harness.count("SELECT COUNT(*) FROM messages WHERE tenant_id = 'astrosouks' AND direction = 'inbound' AND status = 'processed'") == 1
            }
            try await Task.sleep(for: .milliseconds(200))
            #expect(await harness.sentTexts().isEmpty)
        }
    }

    @Test func maxWebhooksIsEnforcedWithAClearError() async throws {
        try await ServerHarness.with(prepare: TestConfig.astroSubscription("      plan: starter\n      limits: { max_webhooks: 1 }\n")) { harness in
            let key = try await harness.makeKey(tenant: "astrosouks")
            let body: [String: Any] = ["url": "https://hooks.example.test/astro", "events": ["action.created"]]
            let created = try await harness.api(.post, "/webhooks", key: key, json: body)
            #expect(created.status == .created)
            #expect((created.object("webhook")["secret"] as? String)?.hasPrefix("whsec_") == true)
            let refused = try await harness.api(.post, "/webhooks", key: key, json: body)
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "limit_reached")
            #expect((refused.json["error"] as? [String: Any])?["message"] as? String == "the subscription's max_webhooks (1) is reached")
            #expect(try await harness.api(.get, "/webhooks", key: key).list("webhooks").first?["secret"] == nil, "the secret is shown once")
            let badURL = try await harness.api(.post, "/webhooks", key: key, json: ["url": "ftp://x", "events": ["action.created"]])
            #expect(badURL.errorField == "url")
            let badEvent = try await harness.api(.post, "/webhooks", key: key, json: ["url": "https://x.test", "events": ["order.paid"]])
            #expect(badEvent.errorField == "events")
        }
    }

    @Test func maxActionsPerDayMakesTheAgentSayItCannotDecideToday() async throws {
        try await ServerHarness.with(prepare: TestConfig.astroSubscription("      plan: starter\n      limits: { max_actions_per_day: 1 }\n")) { harness in
            let key = try await harness.makeKey(tenant: "astrosouks")
            try await harness.customerSays("can you give me 20% off the smart watch", to: "astro")
            _ = try await harness.waitForAction(key: key)
            try await harness.customerSays("can you give me 30% off the mini projector", to: "astro")
            try await harness.waitForSent("can't take more requests today", to: Self.customer)
            #expect(await harness.sentTexts(to: Self.customer).last?.contains("up to 5% off right away") == true)
            #expect(try await harness.api(.get, "/actions", key: key).list("actions").count == 1)
        }
    }

    @Test func actionsCenterOffForTheTenantOrTheHost() async throws {
        try await ServerHarness.with(prepare: TestConfig.astroSubscription("      plan: starter\n      features: { actions_center: false }\n")) { harness in
            let key = try await harness.makeKey(tenant: "astrosouks")
            try await harness.customerSays("can you give me 20% off the smart watch", to: "astro")
            try await harness.waitForSent("can't pass requests to our team", to: Self.customer)
            let refused = try await harness.api(.get, "/actions", key: key)
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "feature_disabled")
            #expect(try await harness.count("SELECT COUNT(*) FROM actions") == 0)
        }
        try await ServerHarness.with(environment: ["ENABLE_ACTIONS_CENTER": "false"]) { harness in
            let key = try await harness.makeKey(tenant: "swiftreplies")
            try await harness.customerSays("can I get a 25% discount on the kit?")
            try await harness.waitForSent("25%", to: Self.customer)
            let refused = try await harness.api(.get, "/actions", key: key)
            #expect(refused.status == .forbidden)
            #expect((refused.json["error"] as? [String: Any])?["message"] as? String == "the Actions Center is switched off on this host (ENABLE_ACTIONS_CENTER=false)")
            #expect(try await harness.count("SELECT COUNT(*) FROM actions") == 0, "the middleware passed through")
            #expect(try await harness.get("/health").body.contains("\"actions_center\":false"))
        }
    }
}
