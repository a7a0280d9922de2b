import AsyncHTTPClient
import Foundation
import Hummingbird
import SwiftRepliesCore
import SwiftRepliesRemoteAgents
import Testing

/// The `llm` module against a local fake OpenAI-compatible chat-completions endpoint: what the
/// prompt carries, tool calls mapped to escalations and order intents, and the fallback on
/// every kind of failure.
@Suite struct LLMAgentTests {
    static let apiKey = "sk-test-key"

    func agent(baseURL: String, extra: [String: ConfigValue] = [:]) throws -> LLMAgent {
        // A generous timeout: a loaded CI machine must not turn an answer into the fallback (the
        // tests of timeouts set their own).
        var settings: [String: ConfigValue] = [
            "base_url": .string(baseURL + "/v1/"), "model": .string("test-model"), "api_key": .string(Self.apiKey), "temperature": .number(0.2),
            "timeout_seconds": .number(15), "retries": .number(0), "fallback_message": .string(RemoteAgentFixture.fallback),
        ]
        settings.merge(extra) { $1 }
        return try LLMAgent(definition: RemoteAgentFixture.definition(module: "llm", settings: settings), httpClient: RemoteAgents.sharedHTTPClient, retryBackoff: .milliseconds(20))
    }

    /// A chat completion whose message has `content` and `toolCalls` (name, arguments JSON text).
    static func completion(content: String?, toolCalls: [(String, String)] = []) -> Response {
        var message: [String: Any] = ["role": "assistant", "content": content.map { $0 as Any } ?? NSNull()]
        if !toolCalls.isEmpty {
            message["tool_calls"] = toolCalls.enumerated().map { index, call in
                ["id": "call_\(index)", "type": "function", "function": ["name": call.0, "arguments": call.1]] as [String: Any]
            }
        }
        return RemoteAgentFixture.reply([
            "id": "chatcmpl-1", "object": "chat.completion", "model": "test-model",
            "choices": [["index": 0, "message": message, "finish_reason": toolCalls.isEmpty ? "stop" : "tool_calls"]],
        ])
    }

    /// What the fake endpoint checks in every prompt; a wrong prompt gets a 422 (and the test fails).
    static func promptProblems(_ request: FakeProviderServer.Received) -> [String] {
        var problems: [String] = []
        let body = RemoteAgentFixture.json(request)
        if request.path != "/v1/chat/completions" { problems.append("path \(request.path)") }
        if request.headers["authorization"] != "Bearer \(apiKey)" { problems.append("authorization \(request.headers["authorization"] ?? "none")") }
        if body["model"] as? String != "test-model" { problems.append("model") }
        if body["temperature"] as? Double != 0.2 { problems.append("temperature") }
        let messages = body["messages"] as? [[String: Any]] ?? []
        let system = messages.first.flatMap { $0["role"] as? String == "system" ? $0["content"] as? String : nil } ?? ""
        for needle in [RemoteAgentFixture.persona, "ECLA-KIT-01", "ECLA Teeth Whitening Kit", "49 USD", RemoteAgentFixture.knowledgeAnswer, RemoteAgentFixture.instruction]
        where !system.contains(needle) {
            problems.append("system prompt lacks \"\(needle)\"")
        }
        if system.contains("An expired instruction") { problems.append("system prompt has an expired instruction") }
        let conversation = messages.dropFirst().map { "\($0["role"] as? String ?? "?"): \($0["content"] as? String ?? "?")" }
        if conversation != ["user: Hello", "assistant: Hi! Welcome to ECLA.", "user: How long is delivery? And can I get 25% off the kit?"] {
            problems.append("conversation \(conversation)")
        }
        let tools = (body["tools"] as? [[String: Any]] ?? []).compactMap { ($0["function"] as? [String: Any])?["name"] as? String }
        if tools != ["request_human_decision", "record_order_intent"] { problems.append("tools \(tools)") }
        return problems
    }

    @Test func thePromptCarriesPersonaCatalogueKnowledgeAndInstructionsAndAToolCallBecomesAnEscalation() async throws {
        try await FakeProviderServer.with(respond: { request in
            let problems = Self.promptProblems(request)
            guard problems.isEmpty else { return RemoteAgentFixture.reply(.unprocessableContent, ["error": problems]) }
            return Self.completion(
                content: nil,
                toolCalls: [
                    (
                        "request_human_decision",
                        #"{"request_type":"discount_approval","details":"Rami asks 25% off the ECLA kit","requested_amount":25,"priority":"high"}"#
                    )
                ])
        }) { baseURL, recorder in
            let agent = try agent(baseURL: baseURL)
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            let requests = await recorder.requests
            try #require(requests.count == 1)
            #expect(Self.promptProblems(requests[0]) == [])

            let escalation = try #require(response.escalation, "\(response)")
            #expect(escalation.requestType == "discount_approval")
            #expect(escalation.details == "Rami asks 25% off the ECLA kit")
            #expect(escalation.requestedAmount == 25)
            #expect(escalation.priority == .high)
            // The model wrote nothing: the customer still hears from the bot.
            #expect(response.messages == ["Let me check that with the team. I'll get back to you here shortly."])
            #expect(response.intent == "discount_approval")
        }
    }

    @Test func anOrderToolCallIsPricedFromTheCatalogueAndAnExcessiveDiscountGoesToAHuman() async throws {
        try await FakeProviderServer.with(respond: { _ in
            Self.completion(
                content: "Great choice! I've noted 2 kits and 1 pack of strips.",
                toolCalls: [("record_order_intent", #"{"lines":[{"sku":"ECLA-KIT-01","quantity":2},{"sku":"ECLA-STR-28","quantity":1}],"discount_percent":25}"#)])
        }) { baseURL, _ in
            let agent = try agent(baseURL: baseURL)
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition, text: "I'll take 2 kits and the strips"))
            #expect(response.messages == ["Great choice! I've noted 2 kits and 1 pack of strips."])
            let order = try #require(response.orderIntent)
            #expect(order.lines.map(\.sku) == ["ECLA-KIT-01", "ECLA-STR-28"])
            #expect(order.lines.map(\.unitPrice) == [49, 25])
            #expect(order.lines.map(\.quantity) == [2, 1])
            // 25% is above the agent's 10% limit: not granted by the model, asked of a human.
            #expect(order.discountPercent == nil)
            #expect(response.escalation?.requestType == "discount_approval")
            #expect(response.escalation?.requestedAmount == 25)
        }
    }

    @Test func anOrderWithinTheDiscountLimitIsRecordedAsIs() async throws {
        try await FakeProviderServer.with(respond: { _ in
            Self.completion(content: "", toolCalls: [("record_order_intent", #"{"lines":[{"sku":"ECLA-STR-28","quantity":3}],"discount_percent":10}"#)])
        }) { baseURL, _ in
            let agent = try agent(baseURL: baseURL)
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition, text: "3 strips with the 10% please"))
            #expect(response.orderIntent?.discountPercent == 10)
            #expect(response.escalation == nil)
            #expect(response.intent == "order_intent")
            #expect(response.messages == ["Great, I've noted your order: 3 × ECLA Whitening Strips (25 USD each) with 10% off. Our team will confirm it with you shortly."])
        }
    }

    @Test func aPlainAnswerIsSent() async throws {
        try await FakeProviderServer.with(respond: { _ in Self.completion(content: "  Delivery takes 2 to 3 working days.  ") }) { baseURL, _ in
            let agent = try agent(baseURL: baseURL)
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            #expect(response.messages == ["Delivery takes 2 to 3 working days."])
            #expect(response.escalation == nil && response.orderIntent == nil)
            #expect(response.intent == "llm")
        }
    }

    @Test(arguments: [
        ("server error", 500, "{}"), ("rate limited", 429, #"{"error":"slow down"}"#), ("unauthorised", 401, "{}"), ("not JSON", 200, "<html>oops</html>"),
        ("no choices", 200, #"{"choices":[]}"#), ("nothing said or done", 200, #"{"choices":[{"message":{"role":"assistant","content":null}}]}"#),
        ("unusable tool arguments", 200, #"{"choices":[{"message":{"content":null,"tool_calls":[{"function":{"name":"request_human_decision","arguments":"{not json"}}]}}]}"#),
    ])
    func failuresGiveTheFallbackMessage(label: String, status: Int, body: String) async throws {
        try await FakeProviderServer.with(respond: { _ in FakeProviderServer.json(HTTPResponse.Status(code: status), body) }) { baseURL, recorder in
            let agent = try agent(baseURL: baseURL)
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            #expect(response.messages == [RemoteAgentFixture.fallback], "\(label)")
            #expect(response.intent == "fallback", "\(label)")
            #expect(await recorder.requests.count == 1, "\(label)")
        }
    }

    @Test func aSlowModelGivesTheFallbackInTime() async throws {
        try await FakeProviderServer.with(respond: { _ in
            // Far beyond the bound below, which leaves a loaded machine room over the 0.2 s timeout.
            try await Task.sleep(for: .seconds(12))
            return Self.completion(content: "too late")
        }) { baseURL, _ in
            let agent = try agent(baseURL: baseURL, extra: ["timeout_seconds": .number(0.2)])
            let started = ContinuousClock.now
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            #expect(response.messages == [RemoteAgentFixture.fallback])
            #expect(ContinuousClock.now - started < .seconds(8), "the 0.2 s timeout applies, not the model's 12 s")
        }
    }

    @Test func aServerErrorIsRetriedWhenRetriesAreConfigured() async throws {
        let calls = CallCounter()
        try await FakeProviderServer.with(respond: { _ in
            if await calls.next() == 1 { return RemoteAgentFixture.reply(.serviceUnavailable, [:]) }
            return Self.completion(content: "Second time lucky")
        }) { baseURL, recorder in
            let agent = try agent(baseURL: baseURL, extra: ["retries": .number(1)])
            let response = try await agent.respond(to: RemoteAgentFixture.turn(agent: agent.definition))
            #expect(response.messages == ["Second time lucky"])
            #expect(await recorder.requests.count == 2)
        }
    }

    @Test func anUnsetAPIKeyFallsBackWithoutCallingAndNoKeyMeansNoAuthorizationHeader() async throws {
        try await FakeProviderServer.with(respond: { _ in Self.completion(content: "Hello from a local model") }) { baseURL, recorder in
            let unset = try agent(baseURL: baseURL, extra: ["api_key": .string("")])
            let response = try await unset.respond(to: RemoteAgentFixture.turn(agent: unset.definition))
            #expect(response.messages == [RemoteAgentFixture.fallback])
            #expect(await recorder.requests.isEmpty)

            let definition = RemoteAgentFixture.definition(module: "llm", settings: ["base_url": .string(baseURL + "/v1"), "model": .string("local")])
            let keyless = try LLMAgent(definition: definition, httpClient: RemoteAgents.sharedHTTPClient)
            let answered = try await keyless.respond(to: RemoteAgentFixture.turn(agent: definition))
            #expect(answered.messages == ["Hello from a local model"])
            let requests = await recorder.requests
            #expect(requests.count == 1)
            #expect(requests.first?.headers["authorization"] == nil)
        }
    }

    @Test func anActionResolutionIsExplainedToTheModel() async throws {
        try await FakeProviderServer.with(respond: { _ in Self.completion(content: "Good news: your 25% discount is approved!") }) { baseURL, recorder in
            let agent = try agent(baseURL: baseURL)
            var turn = RemoteAgentFixture.turn(agent: agent.definition)
            turn.messages = []
            turn.trigger = .actionResolved(ActionResolution(actionID: 5, requestType: "discount_approval", outcome: .approved, response: "OK for 25%", requestedAmount: 25))
            let response = try await agent.respond(to: turn)
            #expect(response.messages == ["Good news: your 25% discount is approved!"])
            let body = RemoteAgentFixture.json(try #require(await recorder.requests.first))
            let messages = body["messages"] as? [[String: Any]] ?? []
            let last = messages.last?["content"] as? String ?? ""
            #expect(messages.last?["role"] as? String == "user")
            #expect(last.contains("#5") && last.contains("approved") && last.contains("OK for 25%"))
        }
    }
}
