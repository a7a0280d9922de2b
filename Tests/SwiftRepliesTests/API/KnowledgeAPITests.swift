import Foundation
import HTTPTypes
import SwiftRepliesCore
import Testing

/// Knowledge base entries over real HTTP: an entry added, edited or deleted through the API
/// answers the next customer message.
@Suite struct KnowledgeAPITests {
    static let customer = "96170000001"

    @Test func entriesAreUsedAtOnceNextToThoseFromYAML() async throws {
        try await ServerHarness.with { harness in
            let key = try await harness.makeKey(tenant: "swiftreplies")
            let chatbots = try await harness.api(.get, "/chatbots", key: key).list("chatbots")
            #expect(chatbots.map { $0["id"] as? String } == ["ecla-main"])

            let listed = try await harness.api(.get, "/chatbots/ecla-main/knowledge", key: key).list("entries")
            #expect(listed.contains { $0["id"] as? String == "shipping_time" && $0["source"] as? String == "yaml" })

            let added = try await harness.api(
                .post, "/chatbots/ecla-main/knowledge", key: key,
                json: ["question": "Do you have a shop in Tripoli?", "answer": "Yes: our Tripoli shop is on Azmi Street, open 10 to 7.", "category": "stores"]
            )
            #expect(added.status == .created)
            let id = try #require(added.object("entry")["id"] as? Int64)
            try await harness.customerSays("do you have a shop in tripoli?")
            try await harness.waitForSent("Azmi Street", to: Self.customer)

            let edited = try await harness.api(
                .patch, "/chatbots/ecla-main/knowledge/\(id)", key: key, json: ["answer": "Yes: our Tripoli shop moved to Mina Road, open 10 to 7."]
            )
            #expect(edited.status == .ok)
            #expect(edited.object("entry")["question"] as? String == "Do you have a shop in Tripoli?")
            try await harness.customerSays("is there a shop in tripoli?")
            try await harness.waitForSent("Mina Road", to: Self.customer)

            #expect(try await harness.api(.delete, "/chatbots/ecla-main/knowledge/db-\(id)", key: key).status == .noContent)
            try await harness.customerSays("do you have a shop in tripoli?")
            try await harness.eventually("a third answer") { await harness.sentTexts(to: Self.customer).count == 3 }
            #expect(await harness.sentTexts(to: Self.customer).last?.contains("Tripoli shop") == false)
        }
    }

    @Test func validationReadOnlyYAMLAndOtherTenants() async throws {
        try await ServerHarness.with { harness in
            let key = try await harness.makeKey(tenant: "swiftreplies")
            let astro = try await harness.makeKey(tenant: "astrosouks")
            let missing = try await harness.api(.post, "/chatbots/ecla-main/knowledge", key: key, json: ["question": "Open on Sunday?"])
            #expect(missing.status == .unprocessableContent)
            #expect(missing.errorField == "answer")
            #expect(missing.errorReason == "is required")
            let empty = try await harness.api(.patch, "/chatbots/ecla-main/knowledge/1", key: key, json: [:])
            #expect(empty.errorField == "body")
            let yaml = try await harness.api(.patch, "/chatbots/ecla-main/knowledge/shipping_time", key: key, json: ["answer": "x"])
            #expect(yaml.status == .conflict)
            #expect(yaml.errorCode == "read_only")

            let added = try await harness.api(.post, "/chatbots/ecla-main/knowledge", key: key, json: ["question": "Open on Sunday?", "answer": "No."])
            let id = try #require(added.object("entry")["id"] as? Int64)
            // AstroSouks's key: ECLA's chatbot is not its own.
            #expect(try await harness.api(.get, "/chatbots/ecla-main/knowledge", key: astro).status == .notFound)
            #expect(try await harness.api(.delete, "/chatbots/ecla-main/knowledge/\(id)", key: astro).status == .notFound)
            #expect(try await harness.api(.delete, "/chatbots/astrosouks-bot/knowledge/\(id)", key: astro).status == .notFound)
            #expect(try await harness.count("SELECT COUNT(*) FROM bot_knowledge_base") == 1)
        }
    }
}
