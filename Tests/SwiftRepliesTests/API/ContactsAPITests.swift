import Foundation
import HTTPTypes
import SwiftRepliesCore
import Testing

/// Contacts, conversations and instructions over real HTTP, scoped to the key's tenant.
@Suite struct ContactsAPITests {
    @Test func contactsAreListedSearchedTaggedAndScoped() async throws {
        try await ServerHarness.with { harness in
            try await harness.customerSays("hi", from: "96170000001")
            try await harness.customerSays("hello", from: "96171234567")
            try await harness.customerSays("marhaba", from: "96170000001", to: "astro")
            try await harness.waitForSent("AstroSouks")
            let ecla = try await harness.makeKey(tenant: "swiftreplies")
            let astro = try await harness.makeKey(tenant: "astrosouks")

            let all = try await harness.api(.get, "/contacts", key: ecla)
            #expect(all.status == .ok)
            #expect(Set(all.list("contacts").compactMap { $0["phone"] as? String }) == ["+96170000001", "+96171234567"])
            let byPhone = try await harness.api(.get, "/contacts?phone=%2B961%2071%20234", key: ecla)
            #expect(byPhone.list("contacts").map { $0["phone"] as? String } == ["+96171234567"])
            #expect(try await harness.api(.get, "/contacts?phone=abc", key: ecla).errorField == "phone")

            let id = try await harness.contactID(tenant: "swiftreplies", phone: "96170000001")
            let patched = try await harness.api(
                .patch, "/contacts/\(id)", key: ecla, json: ["name": "Rania", "tags": ["vip"], "custom_fields": ["city": "Jounieh"]]
            )
            #expect(patched.status == .ok)
            #expect(patched.object("contact")["tags"] as? [String] == ["vip"])
            #expect(try await harness.api(.get, "/contacts?tag=vip", key: ecla).list("contacts").map { $0["id"] as? Int64 } == [id])
            let single = try await harness.api(.get, "/contacts/\(id)", key: ecla)
            #expect(single.object("contact")["name"] as? String == "Rania")
            #expect((single.object("contact")["custom_fields"] as? [String: String]) == ["city": "Jounieh"])

            // Validation: which field, and why.
            let badTags = try await harness.api(.patch, "/contacts/\(id)", key: ecla, json: ["tags": "vip"])
            #expect(badTags.status == .unprocessableContent)
            #expect(badTags.errorField == "tags")
            #expect(badTags.errorReason == "must be a list of strings")
            let badField = try await harness.api(.patch, "/contacts/\(id)", key: ecla, json: ["custom_fields": ["age": 30]])
            #expect(badField.errorField == "custom_fields.age")
            let unknownField = try await harness.api(.patch, "/contacts/\(id)", key: ecla, json: ["colour": "red"])
            #expect(unknownField.errorField == "colour")
            let notJSON = try await harness.api(.patch, "/contacts/\(id)", key: ecla, rawBody: "{nope")
            #expect(notJSON.status == .unprocessableContent)
            #expect(notJSON.errorField == "body")

            // AstroSouks's key sees only its own contact, and cannot read or change ECLA's.
            #expect(try await harness.api(.get, "/contacts", key: astro).list("contacts").count == 1)
            #expect(try await harness.api(.get, "/contacts/\(id)", key: astro).status == .notFound)
            let cross = try await harness.api(.patch, "/contacts/\(id)", key: astro, json: ["name": "Hacked", "tags": []])
            #expect(cross.status == .notFound)
            #expect(try await harness.api(.get, "/contacts/\(id)/messages", key: astro).status == .notFound)
            let after = try await harness.api(.get, "/contacts/\(id)", key: ecla)
            #expect(after.object("contact")["name"] as? String == "Rania")
            #expect(after.object("contact")["tags"] as? [String] == ["vip"])
        }
    }

    @Test func conversationIsPaged() async throws {
        try await ServerHarness.with { harness in
            // One at a time, so that each answer is stored before the next question.
            for (index, text) in ["hi", "how much is the whitening kit?", "thanks"].enumerated() {
                try await harness.customerSays(text)
                try await harness.eventually("answer \(index + 1)") { await harness.sentTexts().count == index + 1 }
            }
            let key = try await harness.makeKey(tenant: "swiftreplies")
            let id = try await harness.contactID(tenant: "swiftreplies", phone: "96170000001")
            #expect(try await harness.api(.get, "/contacts/\(id)/messages", key: key).list("messages").count == 6)
            let latest = try await harness.api(.get, "/contacts/\(id)/messages?limit=4", key: key)
            let page = latest.list("messages")
            #expect(page.count == 4)
            #expect(page.first?["text"] as? String == "how much is the whitening kit?")
            #expect(page.first?["direction"] as? String == "inbound")
            #expect(page.last?["direction"] as? String == "outbound")
            let before = try #require(latest.json["next_before"] as? Int64)
            let older = try await harness.api(.get, "/contacts/\(id)/messages?limit=4&before=\(before)", key: key)
            #expect(older.list("messages").map { $0["text"] as? String }.first == "hi")
            #expect(older.list("messages").count == 2)
            #expect(older.json["next_before"] is NSNull)
            #expect(try await harness.api(.get, "/contacts/\(id)/messages?limit=500", key: key).errorField == "limit")
        }
    }

    @Test func instructionsAreCreatedListedExpiredAndDeleted() async throws {
        try await ServerHarness.with { harness in
            try await harness.customerSays("hi")
            let key = try await harness.makeKey(tenant: "swiftreplies")
            let astro = try await harness.makeKey(tenant: "astrosouks")
            let id = try await harness.contactID(tenant: "swiftreplies", phone: "96170000001")

            let created = try await harness.api(.post, "/contacts/\(id)/instructions", key: key, json: ["text": "Offer free delivery", "expires_in_minutes": 60])
            #expect(created.status == .created)
            let instruction = created.object("instruction")
            #expect(instruction["chatbot_id"] as? String == "ecla-main")
            #expect(instruction["expires_at"] is String)
            let forever = try await harness.api(.post, "/contacts/\(id)/instructions", key: key, json: ["text": "Call her Dr. Haddad"])
            #expect(forever.object("instruction")["expires_at"] is NSNull)

            #expect(try await harness.api(.post, "/contacts/\(id)/instructions", key: key, json: [:]).errorField == "text")
            let past = try await harness.api(.post, "/contacts/\(id)/instructions", key: key, json: ["text": "x", "expires_at": "2020-01-01T00:00:00Z"])
            #expect(past.errorField == "expires_at")
            #expect(past.errorReason == "must be in the future")
            let badDate = try await harness.api(.post, "/contacts/\(id)/instructions", key: key, json: ["text": "x", "expires_at": "tomorrow"])
            #expect(badDate.errorField == "expires_at")
            let badBot = try await harness.api(.post, "/contacts/\(id)/instructions", key: key, json: ["text": "x", "chatbot_id": "astrosouks-bot"])
            #expect(badBot.errorField == "chatbot_id")

            let listed = try await harness.api(.get, "/contacts/\(id)/instructions", key: key).list("instructions")
            #expect(listed.map { $0["text"] as? String } == ["Offer free delivery", "Call her Dr. Haddad"])
            let first = try #require(listed.first?["id"] as? Int64)
            // Another tenant cannot delete it.
            #expect(try await harness.api(.delete, "/instructions/\(first)", key: astro).status == .notFound)
            #expect(try await harness.api(.delete, "/instructions/\(first)", key: key).status == .noContent)
            #expect(try await harness.api(.delete, "/instructions/\(first)", key: key).status == .notFound)
            #expect(try await harness.api(.get, "/contacts/\(id)/instructions", key: key).list("instructions").count == 1)
        }
    }
}
