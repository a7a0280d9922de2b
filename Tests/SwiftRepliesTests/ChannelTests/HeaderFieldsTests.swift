@testable import SwiftRepliesChannels
import Testing

/// Header look-ups by case-insensitive name, as webhooks and provider answers use them.
struct HeaderFieldsTests {
    @Test func looksNamesUpIgnoringASCIICase() {
        var fields = HeaderFields()
        fields.append(name: "X-Hub-Signature-256", value: "sha256=ab")
        fields.append(name: "retry-after", value: "30")
        #expect(fields["x-hub-signature-256"] == "sha256=ab")
        #expect(fields["X-HUB-SIGNATURE-256"] == "sha256=ab")
        #expect(fields["Retry-After"] == "30")
        // A prefix, a longer name or a different letter is another field.
        #expect(fields["x-hub-signature"] == nil)
        #expect(fields["retry-after-ms"] == nil)
        #expect(fields["retry-aftex"] == nil)
    }

    @Test func joinsARepeatedFieldInArrivalOrder() {
        let fields = HeaderFields([.init(name: "Via", value: "a"), .init(name: "Host", value: "h"), .init(name: "via", value: "b")])
        #expect(fields["VIA"] == "a, b")
        #expect(fields["host"] == "h")
    }

    @Test func webhooksAndResponsesKeepTheirLookUps() {
        let webhook = WebhookRequest(method: "POST", path: "/webhooks/meta", headers: ["Content-Type": "application/json"])
        #expect(webhook.header("content-type") == "application/json")
        let response = ProviderHTTPResponse(status: 429, headers: ["Retry-After": "2"], text: "")
        #expect(response.header("retry-after") == "2")
        #expect(response.header("content-type") == nil)
    }
}

/// Provider requests parsed once per URL and reused by later sends.
struct ProviderRequestTemplatesTests {
    @Test func parsesEachURLOnceAndHandsOutRequestsWithoutHeadersOrBody() throws {
        let templates = ProviderRequestTemplates()
        let url = "http://127.0.0.1:9/v21.0/106540352242922/messages"
        let first = try templates.request(method: .POST, url: url)
        let again = try templates.request(method: .POST, url: url)
        #expect(templates.count == 1)
        #expect(first.url.absoluteString == url && again.url == first.url)
        #expect(first.method == .POST && first.headers.isEmpty && first.body == nil)
        // Another method is another request.
        #expect(try templates.request(method: .GET, url: url).method == .GET)
        #expect(templates.count == 2)
    }

    @Test func aURLTheClientCannotUseIsRefusedAndNotRemembered() {
        let templates = ProviderRequestTemplates()
        #expect(throws: (any Error).self) { try templates.request(method: .POST, url: "no scheme at all") }
        #expect(templates.count == 0)
    }
}
