import Foundation
import HTTPTypes
import SwiftRepliesCore
import Testing

/// The Actions Center end to end over real HTTP: a signed customer webhook asks ECLA for 25 %
/// off (its agent may grant 10 %), an action is created, an operator decides over the API, and
/// the customer's answer reaches the fake provider.
@Suite struct ActionsAPITests {
    static let customer = "96170000001"

    /// Asks ECLA for 25 % off the kit and returns the pending action.
    static func askForDiscount(_ harness: ServerHarness, key: String, text: String = "can I get a 25% discount on the kit?", from: String = customer) async throws -> [String: Any] {
        #expect(try await harness.customerSays(text, from: from) == .ok)
        try await harness.waitForSent("25%", to: from)
        return try await harness.waitForAction(key: key)
    }

    @Test func approvedDiscountIsConfirmedToTheCustomerAndApplied() async throws {
        try await ServerHarness.with { harness in
            let key = try await harness.makeKey(tenant: "swiftreplies", name: "ops")
            let action = try await Self.askForDiscount(harness, key: key)
            #expect(await harness.sentTexts(to: Self.customer).last?.contains("more than I can approve myself") == true)
            #expect(action["request_type"] as? String == "discount_approval")
            #expect(action["requested_amount"] as? Double == 25)
            #expect(action["status"] as? String == "pending")
            #expect(action["priority"] as? String == "high")
            #expect(action["expires_at"] is String)
            let context = try #require(action["context"] as? [String: Any])
            #expect((context["facts"] as? [String: String])?["sku"] == "ECLA-KIT-01")
            let excerpt = try #require(context["conversation"] as? [[String: Any]])
            #expect(excerpt.contains { $0["from"] as? String == "customer" && ($0["text"] as? String)?.contains("25%") == true })
            let id = try #require(action["id"] as? Int64)
            #expect(try await harness.api(.get, "/actions/\(id)", key: key).object("action")["id"] as? Int64 == id)

            let approved = try await harness.api(.post, "/actions/\(id)/approve", key: key, json: ["response": "Enjoy your smile!"])
            #expect(approved.status == .ok)
            #expect(approved.json["customer_told"] as? Bool == true)
            #expect(approved.object("action")["status"] as? String == "approved")
            #expect(approved.object("action")["resolved_by"] as? String == "api_key:ops")
            #expect(approved.object("action")["customer_told_at"] is String)
            try await harness.waitForSent("approved your 25% discount", to: Self.customer)
            let confirmation = try #require(await harness.sentTexts(to: Self.customer).last)
            #expect(confirmation.contains("36.75 USD instead of 49 USD"), "the discount is applied to the kit: \(confirmation)")
            #expect(confirmation.contains("Enjoy your smile!"))

            // Deciding twice: 409, nothing changes, nothing more is sent.
            let sentBefore = await harness.sentTexts().count
            let again = try await harness.api(.post, "/actions/\(id)/deny", key: key)
            #expect(again.status == .conflict)
            #expect(again.errorCode == "already_resolved")
            #expect(again.errorReason == "approved")
            #expect(try await harness.api(.post, "/actions/\(id)/approve", key: key).status == .conflict)
            try await Task.sleep(for: .milliseconds(300))
            #expect(await harness.sentTexts().count == sentBefore)
            #expect(try await harness.api(.get, "/actions?status=pending", key: key).list("actions").isEmpty)
            let events = try await harness.api(.get, "/events", key: key).list("events").compactMap { $0["type"] as? String }
            #expect(events.contains("action.created") && events.contains("action.resolved"))
        }
    }

    @Test func deniedDiscountIsRefusedPolitelyInTheCustomersLanguage() async throws {
        try await ServerHarness.with { harness in
            let key = try await harness.makeKey(tenant: "swiftreplies")
            #expect(try await harness.customerSays("Est-ce que je peux avoir une remise de 25% sur le kit ?") == .ok)
            try await harness.waitForSent("25", to: Self.customer)
            let id = try #require(try await harness.waitForAction(key: key)["id"] as? Int64)
            let denied = try await harness.api(.post, "/actions/\(id)/deny", key: key, json: ["response": "Nous avons déjà une promotion."])
            #expect(denied.status == .ok)
            #expect(denied.object("action")["status"] as? String == "denied")
            try await harness.waitForSent("Je suis désolé", to: Self.customer)
            #expect(await harness.sentTexts(to: Self.customer).last?.contains("Nous avons déjà une promotion.") == true)
            // A denial cannot carry auto_approve_similar.
            let invalid = try await harness.api(.post, "/actions/999/deny", key: key, json: ["auto_approve_similar": true])
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.errorField == "auto_approve_similar")
        }
    }

    @Test func anotherTenantsKeyCannotSeeOrDecideTheAction() async throws {
        try await ServerHarness.with { harness in
            let ecla = try await harness.makeKey(tenant: "swiftreplies")
            let astro = try await harness.makeKey(tenant: "astrosouks")
            let action = try await Self.askForDiscount(harness, key: ecla)
            let id = try #require(action["id"] as? Int64)
            #expect(try await harness.api(.get, "/actions", key: astro).list("actions").isEmpty)
            #expect(try await harness.api(.get, "/actions/\(id)", key: astro).status == .notFound)
            let approve = try await harness.api(.post, "/actions/\(id)/approve", key: astro, json: ["auto_approve_similar": true])
            #expect(approve.status == .notFound)
            #expect(try await harness.api(.post, "/actions/\(id)/deny", key: astro).status == .notFound)
            // Nothing changed: still pending, nothing sent after the agent's first answer.
            #expect(try await harness.api(.get, "/actions/\(id)", key: ecla).object("action")["status"] as? String == "pending")
            #expect(await harness.sentTexts().count == 1)
            #expect(try await harness.count("SELECT COUNT(*) FROM actions WHERE auto_approve_similar = TRUE") == 0)
        }
    }

    @Test func validationErrorsNameTheField() async throws {
        try await ServerHarness.with { harness in
            let key = try await harness.makeKey(tenant: "swiftreplies")
            let status = try await harness.api(.get, "/actions?status=open", key: key)
            #expect(status.status == .unprocessableContent)
            #expect(status.errorField == "status")
            #expect(status.errorReason == "must be one of pending, approved, denied, expired")
            let action = try await Self.askForDiscount(harness, key: key)
            let id = try #require(action["id"] as? Int64)
            let badFlag = try await harness.api(.post, "/actions/\(id)/approve", key: key, json: ["auto_approve_similar": "yes"])
            #expect(badFlag.errorField == "auto_approve_similar")
            #expect(badFlag.errorReason == "must be true or false")
            let badResponse = try await harness.api(.post, "/actions/\(id)/approve", key: key, json: ["response": 5])
            #expect(badResponse.errorField == "response")
            #expect(try await harness.api(.get, "/actions/\(id)", key: key).object("action")["status"] as? String == "pending")
            #expect(try await harness.api(.get, "/actions/abc", key: key).status == .notFound)
        }
    }

    @Test func autoApproveSimilarApprovesSmallerRequestsOfTheSameTypeAtOnce() async throws {
        try await ServerHarness.with { harness in
            let key = try await harness.makeKey(tenant: "swiftreplies")
            let first = try await Self.askForDiscount(harness, key: key)
            let id = try #require(first["id"] as? Int64)
            #expect(try await harness.api(.post, "/actions/\(id)/approve", key: key, json: ["auto_approve_similar": true]).status == .ok)
            try await harness.waitForSent("approved your 25% discount", to: Self.customer)

            // Another customer asks for 20 %: approved in the same turn, recorded as such.
            let other = "96170000002"
            #expect(try await harness.customerSays("can I get a 20% discount on the pen?", from: other) == .ok)
            try await harness.waitForSent("approved your 20% discount", to: other)
            #expect(await harness.sentTexts(to: other).count == 1, "no 'a person will check' first")
            let auto = try #require(try await harness.api(.get, "/actions?status=approved", key: key).list("actions").first)
            #expect(auto["auto_approved"] as? Bool == true)
            #expect(auto["resolved_by"] as? String == "auto_approve_similar:\(id)")
            #expect(auto["requested_amount"] as? Double == 20)

            // 30 % is more than was approved: it waits for a person.
            #expect(try await harness.customerSays("can I get a 30% discount on the kit?", from: other) == .ok)
            try await harness.waitForSent("30%", to: other)
            _ = try await harness.waitForAction(key: key, amount: 30)
        }
    }

    @Test func pendingActionExpiresAndTheCustomerIsTold() async throws {
        try await ServerHarness.with(environment: ["OPERATIONS_SWEEP_SECONDS": "0.1"]) { harness in
            let key = try await harness.makeKey(tenant: "swiftreplies")
            let action = try await Self.askForDiscount(harness, key: key)
            let id = try #require(action["id"] as? Int64)
            // The agent's TTL is 60 minutes: move the deadline into the past instead of waiting.
            try await harness.eventually("the deadline moved") {
                (try? await harness.query("UPDATE actions SET expires_at = ? WHERE id = ?", [.timestamp(Date().addingTimeInterval(-1)), .integer(Int(id))])) != nil
            }
            try await harness.waitForSent("couldn't review your request in time", to: Self.customer)
            let expired = try await harness.api(.get, "/actions/\(id)", key: key).object("action")
            #expect(expired["status"] as? String == "expired")
            #expect(expired["resolved_by"] as? String == "expiry")
            let late = try await harness.api(.post, "/actions/\(id)/approve", key: key)
            #expect(late.status == .conflict)
            #expect(late.errorReason == "expired")
            try await Task.sleep(for: .milliseconds(400))
            #expect(await harness.sentTexts(to: Self.customer).filter { $0.contains("in time") }.count == 1, "told once")
        }
    }
}
