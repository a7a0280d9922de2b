import AsyncHTTPClient
import Foundation
import Hummingbird
import SwiftRepliesChannels
import SwiftRepliesCore
import Testing

/// `send` over real sockets against a fake provider: what goes on the wire and how transport
/// failures are classified.
@Suite("Channel send over HTTP")
struct ChannelSendLiveTests {
    @Test func metaSendsTheDocumentedRequestAndReadsTheID() async throws {
        let response = try ChannelFixture.text("meta/send_text_response.json")
        try await FakeProviderServer.with(respond: { _ in FakeProviderServer.json(.ok, response) }) { baseURL, recorder in
            let channel = MetaChannel(httpClient: .shared)
            let account = ChannelFixture.metaAccount(baseURL: baseURL)
            let result = await channel.send(ChannelFixture.outbound(text: "Hello ✓", account: account))
            #expect(result == .accepted(providerMessageID: "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"))
            let request = try #require(await recorder.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v21.0/106540352242922/messages")
            #expect(request.headers["authorization"] == "Bearer EAAG-test-token")
            #expect(request.headers["content-type"] == "application/json")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect(json["to"] as? String == "16505551234")
            #expect((json["text"] as? [String: Any])?["body"] as? String == "Hello ✓")
        }
    }

    @Test func metaRateLimitCarriesRetryAfter() async throws {
        let error = try ChannelFixture.text("meta/send_error_130429_rate_limit.json")
        try await FakeProviderServer.with(respond: { _ in FakeProviderServer.json(.tooManyRequests, error, headers: [.retryAfter: "7"]) }) { baseURL, _ in
            let result = await MetaChannel(httpClient: .shared).send(ChannelFixture.outbound(account: ChannelFixture.metaAccount(baseURL: baseURL)))
            #expect(result == .retryable(error: "HTTP 429 [130429]: (#130429) Rate limit hit", retryAfterSeconds: 7, possiblyDelivered: false))
        }
    }

    @Test func infobipSendsAppAuthorizationAndReadsTheID() async throws {
        let response = try ChannelFixture.text("infobip/send_text_response.json")
        try await FakeProviderServer.with(respond: { _ in FakeProviderServer.json(.created, response) }) { baseURL, recorder in
            let account = ChannelFixture.infobipAccount(baseURL: baseURL)
            let message = ChannelFixture.outbound(to: "441134960001", text: "Hi", number: "441134960000", phoneNumberID: nil, account: account)
            let result = await InfobipChannel(httpClient: .shared).send(message)
            #expect(result == .accepted(providerMessageID: "a28dd97c-1ffb-4fcf-99f1-0b557ed381da"))
            let request = try #require(await recorder.requests.first)
            #expect(request.path == "/whatsapp/1/message/text")
            #expect(request.headers["authorization"] == "App ib-api-key")
            #expect(request.headers["accept"] == "application/json")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect(json["from"] as? String == "441134960000")
            #expect(json["to"] as? String == "441134960001")
        }
    }

    @Test func infobipUnauthorizedIsRejected() async throws {
        let error = try ChannelFixture.text("infobip/error_401_unauthorized.json")
        try await FakeProviderServer.with(respond: { _ in FakeProviderServer.json(.unauthorized, error) }) { baseURL, _ in
            let result = await InfobipChannel(httpClient: .shared).send(ChannelFixture.outbound(account: ChannelFixture.infobipAccount(baseURL: baseURL)))
            #expect(result == .rejected(code: "UNAUTHORIZED", message: "Invalid login details"))
        }
    }

    @Test func twilioSendsAFormWithBasicAuth() async throws {
        let response = try ChannelFixture.text("twilio/send_message_response.json")
        try await FakeProviderServer.with(respond: { _ in FakeProviderServer.json(.created, response) }) { baseURL, recorder in
            let account = ChannelFixture.twilioAccount(baseURL: baseURL)
            let message = ChannelFixture.outbound(to: "15005550006", text: "Hi & bye", number: "14155238886", phoneNumberID: nil, account: account)
            let result = await TwilioChannel(httpClient: .shared).send(message)
            #expect(result == .accepted(providerMessageID: "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
            let request = try #require(await recorder.requests.first)
            #expect(request.path == "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json")
            #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
            #expect(request.headers["authorization"]?.hasPrefix("Basic ") == true)
            #expect(FormURLEncoding.decode(request.bodyText) == ["To": "whatsapp:+15005550006", "From": "whatsapp:+14155238886", "Body": "Hi & bye"])
        }
    }

    @Test func serverErrorIsRetryableNotDelivered() async throws {
        try await FakeProviderServer.with(respond: { _ in FakeProviderServer.json(.serviceUnavailable, "{}") }) { baseURL, _ in
            let result = await TwilioChannel(httpClient: .shared).send(ChannelFixture.outbound(account: ChannelFixture.twilioAccount(baseURL: baseURL)))
            #expect(result == .retryable(error: "HTTP 503", retryAfterSeconds: nil, possiblyDelivered: false))
        }
    }

    @Test func timeoutIsRetryableAndPossiblyDelivered() async throws {
        try await FakeProviderServer.with(respond: { request in
            guard request.bodyText.contains("slow") else { return FakeProviderServer.json(.ok, #"{"messages":[{"id":"quick"}]}"#) }
            try? await Task.sleep(for: .seconds(2))
            return FakeProviderServer.json(.ok, #"{"messages":[{"id":"late"}]}"#)
        }) { baseURL, recorder in
            let account = ChannelFixture.metaAccount(baseURL: baseURL)
            // A first send opens the connection, so the timed one is written at once even on a
            // machine busy with the rest of the suite (connecting can take longer than 300 ms).
            let warmUp = await MetaChannel(httpClient: .shared).send(ChannelFixture.outbound(text: "warm-up", account: account))
            #expect(warmUp == .accepted(providerMessageID: "quick"))
            let channel = MetaChannel(httpClient: .shared, requestTimeout: .milliseconds(300))
            let result = await channel.send(ChannelFixture.outbound(text: "slow", account: account))
            guard case .retryable(_, nil, true) = result else {
                Issue.record("expected retryable and possibly delivered, got \(result)")
                return
            }
            // The provider got it once (it records a request before answering, which it may do
            // after the send gave up): the channel never repeats a send by itself.
            let slowRequests = { await recorder.requests.filter { $0.bodyText.contains("slow") }.count }
            let patience = ContinuousClock.now + .seconds(3)
            while await slowRequests() == 0, ContinuousClock.now < patience { try await Task.sleep(for: .milliseconds(20)) }
            #expect(await slowRequests() == 1)
        }
    }

    @Test func stalledBodyAfterSuccessIsNotResent() async throws {
        // The body stalls until the test has its result (or 60 s), so the fake server's shutdown
        // does not wait out a fixed stall.
        let (release, released) = AsyncStream.makeStream(of: Void.self)
        try await FakeProviderServer.with(respond: { request in
            guard !request.bodyText.contains("warm-up") else { return FakeProviderServer.json(.ok, #"{"messages":[{"id":"quick"}]}"#) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: #"{"messages":["#))
                _ = await withTaskGroup(of: Void.self) { group in
                    group.addTask { for await _ in release {} }
                    group.addTask { try? await Task.sleep(for: .seconds(60)) }
                    await group.next()
                    group.cancelAll()
                }
                try await writer.finish(nil)
            })
        }) { baseURL, _ in
            defer { released.finish() }
            let account = ChannelFixture.metaAccount(baseURL: baseURL)
            // A first send opens the connection, and the deadline leaves the status line room to
            // arrive on a machine busy with the whole suite (3 s was not enough, once, on a slow
            // day); the body stalls far past it.
            let warmUp = await MetaChannel(httpClient: .shared).send(ChannelFixture.outbound(text: "warm-up", account: account))
            #expect(warmUp == .accepted(providerMessageID: "quick"))
            let channel = MetaChannel(httpClient: .shared, requestTimeout: .seconds(8))
            let started = ContinuousClock.now
            let result = await channel.send(ChannelFixture.outbound(account: account))
            // The body is abandoned at the deadline, not read to its end.
            #expect(ContinuousClock.now - started < .seconds(30))
            guard case .rejected(nil, let message) = result else {
                Issue.record("expected rejected, got \(result)")
                return
            }
            #expect(message.contains("not resent"))
        }
    }

    @Test func oversizedAnswersAreCutOffByStatus() async throws {
        // Twice the 1 MiB limit: a 2xx means the provider took the message, so it is not resent; a
        // 5xx is classified by its status alone, its body unread.
        let huge = String(repeating: "x", count: 2 << 20)
        try await FakeProviderServer.with(respond: { request in
            let status: HTTPResponse.Status = request.bodyText.contains("retry-me") ? .badGateway : .ok
            return FakeProviderServer.json(status, #"{"messages":[{"id":"wamid.big"}],"pad":""# + huge + #""}"#)
        }) { baseURL, recorder in
            let channel = MetaChannel(httpClient: .shared, requestTimeout: .seconds(10))
            let account = ChannelFixture.metaAccount(baseURL: baseURL)
            let accepted = await channel.send(ChannelFixture.outbound(text: "hello", account: account))
            guard case .rejected(nil, let message) = accepted else {
                Issue.record("expected rejected, got \(accepted)")
                return
            }
            #expect(message.contains("HTTP 200") && message.contains("not resent"))
            let failed = await channel.send(ChannelFixture.outbound(text: "retry-me", account: account))
            #expect(failed == .retryable(error: "HTTP 502", retryAfterSeconds: nil, possiblyDelivered: false))
            #expect(await recorder.requests.count == 2)
        }
    }

    @Test func refusedConnectionIsRetryableAndNotDelivered() async throws {
        // Nothing listens on port 9 of the loopback interface.
        let channel = InfobipChannel(httpClient: .shared, requestTimeout: .milliseconds(500))
        let result = await channel.send(ChannelFixture.outbound(account: ChannelFixture.infobipAccount(baseURL: "http://127.0.0.1:9")))
        guard case .retryable(_, nil, false) = result else {
            Issue.record("expected retryable and not delivered, got \(result)")
            return
        }
    }
}
