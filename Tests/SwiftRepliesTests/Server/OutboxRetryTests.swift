import Foundation
import HTTPTypes
import Hummingbird
import Testing

/// The outbox against a provider that misbehaves: retries with backoff on 500, 429 (honouring
/// Retry-After) and timeouts; no retry on other 4xx; every attempt recorded.
@Suite(.serialized) struct OutboxRetryTests {
    actor Script {
        private var step = 0
        func next() -> Int {
            step += 1
            return step
        }
    }

    @Test func retriesThrough500And429AndATimeoutUntilAccepted() async throws {
        let script = Script()
        let started = ContinuousClock.now
        // A 1.5 s deadline per send: tight enough for a short test, loose enough that an answer the
        // fake provider gives at once is never late on a loaded machine (at 0.5 s, one CI run on a
        // slow day timed out the first answers too and made six attempts).
        try await ServerHarness.with(providerTimeout: .milliseconds(1500), respond: { request in
            switch await script.next() {
            case 1:
                return FakeProviderServer.json(.internalServerError, #"{"error":{"message":"boom","code":1}}"#)
            case 2:
                return FakeProviderServer.json(.tooManyRequests, #"{"error":{"message":"Rate limit hit","code":130429}}"#, headers: [.retryAfter: "1"])
            case 3:
                try await Task.sleep(for: .seconds(4))
                return FakeProviderServer.json(.ok, #"{"messages":[{"id":"wamid.too-late"}]}"#)
            default:
                return FakeProviderServer.json(.ok, #"{"messages":[{"id":"wamid.finally"}]}"#)
            }
        }) { server in
            #expect(try await server.postMeta(try RoutedFixture.meta("inbound_text", id: "wamid.retry-1", text: "hi")).status == .ok)
            try await server.eventually(timeout: .seconds(40), "the reply accepted after retries") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'accepted'") == 1
            }
            let row = try #require(try await server.query("SELECT id, provider_message_id, attempts, possibly_duplicated FROM messages WHERE direction = 'outbound'").first)
            #expect(row.column("provider_message_id")?.string == "wamid.finally")
            #expect(row.column("attempts")?.integer == 4)
            // The timed-out attempt may have reached the customer: recorded as such.
            #expect(row.column("possibly_duplicated")?.integer == 1)
            let attempts = try await server.query("SELECT outcome FROM send_attempts WHERE message_id = ? ORDER BY attempt", [.integer(row.column("id")?.integer ?? 0)])
            #expect(attempts.count == 4)
            #expect(attempts.last?.column("outcome")?.string == "accepted")
            #expect(await server.sent().count == 4)
        }
        // Retry-After: 1 was honoured between the second and third attempt.
        #expect(ContinuousClock.now - started > .seconds(1))
    }

    @Test func aRedirectIsNotFollowed() async throws {
        // A provider API answers where it is asked: the customer's message is not POSTed to
        // wherever a 3xx points, and the send counts as refused.
        try await ServerHarness.with(respond: { request in
            if request.path.contains("elsewhere") { return FakeProviderServer.json(.ok, #"{"messages":[{"id":"wamid.elsewhere"}]}"#) }
            return FakeProviderServer.json(.temporaryRedirect, "{}", headers: [.location: "/elsewhere/messages"])
        }) { server in
            #expect(try await server.postMeta(try RoutedFixture.meta("inbound_text", id: "wamid.redirected", text: "hi")).status == .ok)
            try await server.eventually("the reply marked failed") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'failed'") == 1
            }
            let row = try #require(try await server.query("SELECT error_message, attempts FROM messages WHERE direction = 'outbound'").first)
            #expect(row.column("error_message")?.string?.contains("307") == true)
            #expect(row.column("attempts")?.integer == 1)
            try await Task.sleep(for: .milliseconds(300))
            let sent = await server.sent()
            #expect(sent.count == 1)
            #expect(sent.allSatisfy { !$0.path.contains("elsewhere") })
        }
    }

    @Test func aRefusalIsNotRetriedAndKeepsTheProviderCode() async throws {
        try await ServerHarness.with(respond: { _ in
            FakeProviderServer.json(
                .badRequest, #"{"error":{"message":"Re-engagement message","type":"OAuthException","code":131047,"error_data":{"details":"more than 24 hours"}}}"#
            )
        }) { server in
            #expect(try await server.postMeta(try RoutedFixture.meta("inbound_text", id: "wamid.refused", text: "hi")).status == .ok)
            try await server.eventually("the reply marked failed") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'failed'") == 1
            }
            let row = try #require(try await server.query("SELECT error_code, attempts FROM messages WHERE direction = 'outbound'").first)
            #expect(row.column("error_code")?.string == "131047")
            #expect(row.column("attempts")?.integer == 1)
            try await Task.sleep(for: .milliseconds(600))
            #expect(await server.sent().count == 1)
        }
    }
}
