import AsyncHTTPClient
import Foundation
import Hummingbird
import SwiftRepliesCore
import SwiftRepliesRemoteAgents
import Testing

/// The `http` module against a remote agent server running locally: signing, the request and
/// reply schemas, timeouts, retries and the fallback message.
@Suite struct HTTPAgentTests {
    static let secret = "remote-agent-shared-secret"

    func agent(url: String, secret: String = HTTPAgentTests.secret, extra: [String: ConfigValue] = [:]) throws -> HTTPAgent {
        // A generous timeout: a loaded CI machine must not turn an answer into the fallback (the
        // tests of timeouts set their own).
        var settings: [String: ConfigValue] = [
            "url": .string(url), "secret": .string(secret), "timeout_seconds": .number(15), "fallback_message": .string(RemoteAgentFixture.fallback),
        ]
        settings.merge(extra) { $1 }
        return try HTTPAgent(definition: RemoteAgentFixture.definition(module: "http", settings: settings), httpClient: RemoteAgents.sharedHTTPClient, retryBackoff: .milliseconds(20))
    }

    @Test func signedTurnIsVerifiedByTheRemoteAndItsReplyMapped() async throws {
        try await FakeProviderServer.with(respond: { request in
            guard RemoteAgentFixture.remoteAccepts(request, secret: Self.secret) else { return RemoteAgentFixture.reply(.unauthorized, ["error": "bad signature"]) }
            return RemoteAgentFixture.reply([
                "messages": ["Delivery takes 2 to 3 days.", "25% needs my manager's approval; one moment."],
                "intent": "discount_request",
                "escalation": [
                    "request_type": "discount_approval", "details": "Rami asks 25% off the kit", "requested_amount": 25, "priority": "high",
                    "context": ["sku": "ECLA-KIT-01"],
                ],
                "order_intent": ["lines": [["sku": "ECLA-KIT-01", "quantity": 2], ["sku": "NOT-IN-CATALOGUE", "quantity": 1]]],
            ])
        }) { baseURL, recorder in
            let agent = try agent(url: baseURL + "/turn")
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))

            #expect(response.messages == ["Delivery takes 2 to 3 days.", "25% needs my manager's approval; one moment."])
            #expect(response.intent == "discount_request")
            let escalation = try #require(response.escalation)
            #expect(escalation.requestType == "discount_approval")
            #expect(escalation.requestedAmount == 25)
            #expect(escalation.priority == .high)
            #expect(escalation.context == ["sku": "ECLA-KIT-01"])
            // Lines are priced from the catalogue; an unknown sku is dropped.
            let order = try #require(response.orderIntent)
            #expect(order.lines == [OrderLine(sku: "ECLA-KIT-01", name: "ECLA Teeth Whitening Kit", quantity: 2, unitPrice: 49, currency: "USD")])

            let requests = await recorder.requests
            try #require(requests.count == 1)
            let request = requests[0]
            #expect(request.path == "/turn")
            #expect(request.headers["content-type"] == "application/json")
            let body = RemoteAgentFixture.json(request)
            #expect(body["version"] as? Int == 1)
            #expect((body["request_id"] as? String)?.isEmpty == false)
            #expect(request.headers["x-swiftreplies-request-id"] == body["request_id"] as? String)
            #expect((body["trigger"] as? [String: Any])?["type"] as? String == "customer_messages")
            #expect((body["tenant"] as? [String: Any])?["id"] as? String == "swiftreplies")
            #expect((body["chatbot"] as? [String: Any])?["id"] as? String == "ecla-main")
            #expect((body["contact"] as? [String: Any])?["phone"] as? String == "96170000001")
            #expect(body["text"] as? String == "How long is delivery? And can I get 25% off the kit?")
            let messages = try #require(body["messages"] as? [[String: Any]])
            #expect(messages.map { $0["text"] as? String } == ["How long is delivery? And can I get 25% off the kit?"])
            #expect(messages.first?["direction"] as? String == "inbound")
            #expect((body["history"] as? [[String: Any]])?.compactMap { $0["direction"] as? String } == ["inbound", "outbound"])
            let agentInfo = try #require(body["agent"] as? [String: Any])
            #expect(agentInfo["persona"] as? String == RemoteAgentFixture.persona)
            let catalogue = try #require(agentInfo["catalogue"] as? [[String: Any]])
            #expect(catalogue.first?["sku"] as? String == "ECLA-KIT-01")
            #expect(catalogue.first?["price"] as? Double == 49)
            #expect((agentInfo["escalation"] as? [String: Any])?["max_discount_percent"] as? Double == 10)
            let context = try #require(body["context"] as? [String: Any])
            #expect((context["knowledge_hits"] as? [[String: Any]])?.first?["answer"] as? String == RemoteAgentFixture.knowledgeAnswer)
            // Only the instruction still active when the turn started.
            #expect((context["instructions"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == [RemoteAgentFixture.instruction])
        }
    }

    @Test func aRequestSignedWithAnotherSecretIsRejectedAndTheCustomerGetsTheFallback() async throws {
        let verdicts = VerdictLog()
        try await FakeProviderServer.with(respond: { request in
            let accepted = RemoteAgentFixture.remoteAccepts(request, secret: Self.secret)
            await verdicts.record(accepted)
            return accepted ? RemoteAgentFixture.reply(["messages": ["hello"]]) : RemoteAgentFixture.reply(.unauthorized, ["error": "bad signature"])
        }) { baseURL, recorder in
            let impostor = try agent(url: baseURL + "/turn", secret: "not-the-shared-secret")
            let response = try await impostor.respond(to: RemoteAgentFixture.turn(agent: impostor.definition))
            #expect(response.messages == [RemoteAgentFixture.fallback])
            #expect(response.intent == "fallback")
            // 401 is a 4xx: not retried.
            #expect(await recorder.requests.count == 1)
            #expect(await verdicts.verdicts == [false])

            // The same turn from the agent holding the shared secret is accepted.
            let genuine = try agent(url: baseURL + "/turn")
            let answered = try await genuine.respond(to: RemoteAgentFixture.turn(agent: genuine.definition))
            #expect(answered.messages == ["hello"])
            #expect(await verdicts.verdicts == [false, true])
        }
    }

    @Test func aTamperedBodyOrAnOldTimestampFailsVerification() {
        let body = Array(#"{"text":"hi"}"#.utf8)
        let now = Date()
        let timestamp = Int64(now.timeIntervalSince1970)
        let signature = RemoteAgentSignature.signature(body: body, timestamp: timestamp, secret: "s3cret")
        #expect(signature.hasPrefix("sha256=") && signature.count == 7 + 64)
        #expect(RemoteAgentSignature.isValid(signature: signature, timestamp: String(timestamp), body: body, secret: "s3cret", now: now))
        #expect(!RemoteAgentSignature.isValid(signature: signature, timestamp: String(timestamp), body: Array(#"{"text":"hi!"}"#.utf8), secret: "s3cret", now: now))
        #expect(!RemoteAgentSignature.isValid(signature: signature, timestamp: String(timestamp + 1), body: body, secret: "s3cret", now: now))
        #expect(!RemoteAgentSignature.isValid(signature: signature, timestamp: String(timestamp), body: body, secret: "other", now: now))
        // A captured request replayed ten minutes later.
        #expect(!RemoteAgentSignature.isValid(signature: signature, timestamp: String(timestamp), body: body, secret: "s3cret", now: now.addingTimeInterval(600)))
    }

    @Test func aRemoteThatDoesNotAnswerInTimeGivesTheFallback() async throws {
        try await FakeProviderServer.with(respond: { _ in
            // Far beyond the bound below, which leaves a loaded machine room over the 0.2 s timeout.
            try await Task.sleep(for: .seconds(12))
            return RemoteAgentFixture.reply(["messages": ["too late"]])
        }) { baseURL, recorder in
            let agent = try agent(url: baseURL + "/turn", extra: ["timeout_seconds": .number(0.2)])
            let started = ContinuousClock.now
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            let elapsed = ContinuousClock.now - started
            #expect(response.messages == [RemoteAgentFixture.fallback])
            #expect(response.intent == "fallback")
            #expect(elapsed < .seconds(8), "took \(elapsed)")
            // A timeout is not retried: the customer is already waiting.
            #expect(await recorder.requests.count == 1)
        }
    }

    @Test func aServerErrorIsRetriedWithTheSameBodyAndAFreshSignature() async throws {
        let calls = CallCounter()
        try await FakeProviderServer.with(respond: { request in
            guard RemoteAgentFixture.remoteAccepts(request, secret: Self.secret) else { return RemoteAgentFixture.reply(.unauthorized, [:]) }
            if await calls.next() == 1 { return RemoteAgentFixture.reply(.internalServerError, ["error": "warming up"]) }
            return RemoteAgentFixture.reply(["messages": ["Answered on the second attempt"]])
        }) { baseURL, recorder in
            let agent = try agent(url: baseURL + "/turn")
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            #expect(response.messages == ["Answered on the second attempt"])
            let requests = await recorder.requests
            #expect(requests.count == 2)
            if requests.count == 2 {
                #expect(requests[0].body == requests[1].body)
                #expect(requests[0].headers["x-swiftreplies-request-id"] == requests[1].headers["x-swiftreplies-request-id"])
            }
        }
    }

    @Test func persistentServerErrorsStopAfterTheConfiguredRetries() async throws {
        try await FakeProviderServer.with(respond: { _ in RemoteAgentFixture.reply(.badGateway, [:]) }) { baseURL, recorder in
            let agent = try agent(url: baseURL + "/turn", extra: ["retries": .number(2)])
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            #expect(response.messages == [RemoteAgentFixture.fallback])
            #expect(await recorder.requests.count == 3)
        }
    }

    @Test func aClientErrorIsNotRetried() async throws {
        try await FakeProviderServer.with(respond: { _ in RemoteAgentFixture.reply(.badRequest, ["error": "unknown field"]) }) { baseURL, recorder in
            let agent = try agent(url: baseURL + "/turn", extra: ["retries": .number(3)])
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            #expect(response.messages == [RemoteAgentFixture.fallback])
            #expect(response.intent == "fallback")
            #expect(await recorder.requests.count == 1)
        }
    }

    @Test(arguments: [
        "this is not JSON", #"["a list"]"#, #"{"intent": "no messages"}"#, #"{"messages": "not a list"}"#, #"{"messages": [42]}"#,
        #"{"messages": ["ok"], "escalation": {"details": "no type"}}"#, #"{"messages": ["ok"], "order_intent": {"lines": [{"sku": "ECLA-KIT-01", "quantity": 0}]}}"#,
    ])
    func aReplyOutsideTheSchemaGivesTheFallback(body: String) async throws {
        try await FakeProviderServer.with(respond: { _ in FakeProviderServer.json(.ok, body) }) { baseURL, recorder in
            let agent = try agent(url: baseURL + "/turn")
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            #expect(response.messages == [RemoteAgentFixture.fallback], "for \(body)")
            #expect(response.escalation == nil && response.orderIntent == nil)
            #expect(await recorder.requests.count == 1)
        }
    }

    @Test func anEscalationWithoutWordsStillTellsTheCustomerSomething() async throws {
        try await FakeProviderServer.with(respond: { _ in
            RemoteAgentFixture.reply(["messages": [String](), "escalation": ["request_type": "refund", "details": "wants a refund"]])
        }) { baseURL, _ in
            let agent = try agent(url: baseURL + "/turn")
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            #expect(response.escalation?.requestType == "refund")
            #expect(response.escalation?.priority == .medium)
            #expect(response.messages == ["Let me check that with the team. I'll get back to you here shortly."])
        }
    }

    @Test func aRefusedConnectionIsRetriedThenFallsBack() async throws {
        // Port 9 (discard) is closed on test machines: every attempt is refused at once.
        // A 30-second timeout per attempt: waiting it out would take 90 s, far beyond any load.
        let agent = try agent(url: "http://127.0.0.1:9/turn", extra: ["retries": .number(2), "timeout_seconds": .number(30)])
        let started = ContinuousClock.now
        let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
        let elapsed = ContinuousClock.now - started
        #expect(response.messages == [RemoteAgentFixture.fallback])
        // Two retries after 20 ms then 40 ms of backoff; a refusal is not waited out until the
        // timeout. (The upper bound was 4.5 s with a 2-second timeout; the whole suite's parallel
        // load once took it to 5.9 s.)
        #expect(elapsed >= .milliseconds(60) && elapsed < .seconds(20), "took \(elapsed)")
    }

    @Test func anUnsetSecretSendsNothingUnsigned() async throws {
        try await FakeProviderServer.with(respond: { _ in RemoteAgentFixture.reply(["messages": ["unsigned hello"]]) }) { baseURL, recorder in
            let agent = try agent(url: baseURL + "/turn", secret: "")
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            #expect(response.messages == [RemoteAgentFixture.fallback])
            #expect(await recorder.requests.isEmpty)
        }
    }

    @Test func settingsAreCheckedWhenTheAgentIsBuilt() {
        #expect(throws: ModuleBuildError.self) { try agent(url: "ftp://example.com") }
        #expect(throws: ModuleBuildError.self) { try agent(url: "http://127.0.0.1:9", extra: ["retries": .number(9)]) }
        #expect(throws: ModuleBuildError.self) { try agent(url: "http://127.0.0.1:9", extra: ["timout_seconds": .number(3)]) }
        #expect(throws: ModuleBuildError.self) {
            try HTTPAgent(definition: RemoteAgentFixture.definition(module: "http", settings: ["secret": .string("s")]), httpClient: RemoteAgents.sharedHTTPClient)
        }
    }
}

/// What the fake remote decided about each request it received.
actor VerdictLog {
    private(set) var verdicts: [Bool] = []
    func record(_ verdict: Bool) { verdicts.append(verdict) }
}
