import Foundation
import HTTPTypes
import SwiftRepliesCore
import SwiftRepliesServer
import Testing

/// `/api/v1` bodies over the limit (256 KiB) are answered 413 before anything else: whether the
/// key is valid, the route exists or the resource it names exists.
@Suite struct APIBodyLimitTests {
    @Test func bodiesOverTheLimitAre413BeforeAnyLookUp() async throws {
        try await ServerHarness.with { harness in
            let key = try await harness.makeKey(tenant: "swiftreplies", name: "ops")
            let body = try RoutedFixture.meta("inbound_text", id: "wamid.limit-1", text: "hello", from: "96171000001")
            #expect(try await harness.postMeta(body).status == .ok)
            try await harness.eventually("the contact exists") { try await harness.count("SELECT count(*) FROM contacts") == 1 }
            let contact = try await harness.count("SELECT id FROM contacts")

            let huge = #"{"text": ""# + String(repeating: "x", count: 3 * 1024 * 1024) + #""}"#
            for (path, why) in [
                ("/contacts/\(contact)/instructions", "an existing contact"),
                ("/contacts/999999/instructions", "a contact that does not exist"),
                ("/no-such-route", "a route that does not exist"),
            ] {
                let answer = try await harness.api(.post, path, key: key, rawBody: huge)
                #expect(answer.status == .contentTooLarge, "\(why): \(answer.status)")
                #expect(answer.errorCode == "body_too_large", "\(why)")
            }
            let unauthenticated = try await harness.api(.post, "/contacts/\(contact)/instructions", key: nil, rawBody: huge)
            #expect(unauthenticated.status == .contentTooLarge, "the size is checked before the key")
            #expect(try await harness.count("SELECT count(*) FROM conversation_instructions") == 0)

            // At the limit's side: a body under it is read and answered as usual.
            let small = try await harness.api(.post, "/contacts/\(contact)/instructions", key: key, json: ["text": "Offer free delivery"])
            #expect(small.status == .created, "\(small.text)")
        }
    }
}
