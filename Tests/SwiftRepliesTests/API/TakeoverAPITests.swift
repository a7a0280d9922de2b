import Foundation
import HTTPTypes
import SwiftRepliesCore
import Testing

/// Live takeover over real HTTP: the bot goes quiet, a person's message goes out through the
/// outbox, the bot answers again after the release.
@Suite struct TakeoverAPITests {
    static let customer = "96170000001"

    @Test func takeoverSilencesTheBotAndAHumanAnswersThroughTheOutbox() async throws {
        try await ServerHarness.with { harness in
            let key = try await harness.makeKey(tenant: "swiftreplies", name: "agent-maya")
            try await harness.customerSays("hi")
            try await harness.waitForSent("ECLA", to: Self.customer)
            let id = try await harness.contactID(tenant: "swiftreplies", phone: Self.customer)

            let taken = try await harness.api(.post, "/contacts/\(id)/takeover", key: key)
            #expect(taken.status == .created)
            #expect(taken.object("takeover")["chatbot_id"] as? String == "ecla-main")
            #expect(taken.object("takeover")["started_by"] as? String == "api_key:agent-maya")
            #expect(try await harness.api(.post, "/contacts/\(id)/takeover", key: key).errorCode == "already_taken_over")
            #expect(try await harness.api(.get, "/contacts/\(id)", key: key).object("contact")["takeover"] is [String: Any])

            // The customer writes: stored, not answered by the bot.
            let sentBefore = await harness.sentTexts().count
            try await harness.customerSays("how much is the whitening kit?")
            try await harness.eventually("the message stored and its turn done") {
                try await harness.count(
                    "SELECT COUNT(*) FROM messages WHERE direction = 'inbound' AND status = 'processed' AND text = 'how much is the whitening kit?'"
                ) == 1
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(await harness.sentTexts().count == sentBefore, "the bot stays quiet")

            // A person answers through the API: out through the provider, stored as human.
            let sent = try await harness.api(.post, "/contacts/\(id)/messages", key: key, json: ["text": "Hi, Maya here. The kit is 45 USD for you today."])
            #expect(sent.status == .accepted)
            #expect(sent.object("message")["is_from_human"] as? Bool == true)
            try await harness.waitForSent("Maya here", to: Self.customer)
            let page = try await harness.api(.get, "/contacts/\(id)/messages", key: key).list("messages")
            let human = try #require(page.last)
            #expect(human["is_from_human"] as? Bool == true)
            #expect(human["purpose"] as? String == "human")
            #expect(try await harness.api(.post, "/contacts/\(id)/messages", key: key, json: ["text": "  "]).errorField == "text")

            // Released: the bot answers again.
            let released = try await harness.api(.post, "/contacts/\(id)/release", key: key)
            #expect(released.status == .ok)
            #expect(released.object("takeover")["active"] as? Bool == false)
            #expect(try await harness.api(.post, "/contacts/\(id)/release", key: key).errorCode == "not_taken_over")
            try await harness.customerSays("how much is the whitening pen?")
            try await harness.waitForSent("18 USD", to: Self.customer)

            let usage = try await harness.api(.get, "/usage", key: key)
            #expect((usage.json["today"] as? [String: Any])?["live_takeovers_used"] as? Int == 1)
        }
    }

    @Test func anotherTenantCannotTakeOverOrWrite() async throws {
        try await ServerHarness.with { harness in
            try await harness.customerSays("hi")
            try await harness.waitForSent("ECLA", to: Self.customer)
            let astro = try await harness.makeKey(tenant: "astrosouks")
            let id = try await harness.contactID(tenant: "swiftreplies", phone: Self.customer)
            #expect(try await harness.api(.post, "/contacts/\(id)/takeover", key: astro).status == .notFound)
            #expect(try await harness.api(.post, "/contacts/\(id)/messages", key: astro, json: ["text": "spam"]).status == .notFound)
            #expect(try await harness.api(.post, "/contacts/\(id)/release", key: astro).status == .notFound)
            #expect(try await harness.count("SELECT COUNT(*) FROM takeovers") == 0)
            #expect(try await harness.count("SELECT COUNT(*) FROM messages WHERE is_from_human = TRUE") == 0)
        }
    }

    @Test func liveTakeoverOffIsRefused() async throws {
        try await ServerHarness.with(prepare: TestConfig.astroSubscription("      plan: starter\n      features: { live_takeover: false }\n")) { harness in
            try await harness.customerSays("marhaba", to: "astro")
            try await harness.waitForSent("AstroSouks", to: Self.customer)
            let key = try await harness.makeKey(tenant: "astrosouks")
            let id = try await harness.contactID(tenant: "astrosouks", phone: Self.customer)
            let refused = try await harness.api(.post, "/contacts/\(id)/takeover", key: key)
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "feature_disabled")
            #expect(try await harness.api(.post, "/contacts/\(id)/messages", key: key, json: ["text": "hello"]).errorCode == "feature_disabled")
        }
    }
}
