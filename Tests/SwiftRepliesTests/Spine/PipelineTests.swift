import Foundation
import Synchronization
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import SwiftRepliesTesting
import Testing

/// The turn pipeline: middleware around the agent in the order the YAML lists them, each able to
/// act before and after the next one or to stop the chain; then the real `knowledge_base` and
/// `conversation_instructions` middleware through the test kit.
@Suite struct PipelineTests {
    // MARK: - The chain itself

    @Test func middlewareRunsInListedOrderAroundTheAgent() async throws {
        let recorder = EventRecorder()
        let pipeline = TurnPipeline(
            middleware: [RecordingMiddleware(name: "outer", recorder: recorder), RecordingMiddleware(name: "inner", recorder: recorder)],
            agent: StubAgent(recorder: recorder)
        )
        #expect(pipeline.middlewareNames == ["outer", "inner"])
        let response = try await pipeline.run(PipelineFixture.turn("hello"))
        #expect(recorder.events == ["outer.before", "inner.before", "agent", "inner.after", "outer.after"])
        #expect(response.messages == ["stub: hello"])
        #expect(response.stoppedBy == nil)
    }

    @Test func reversedListReversesTheOrder() async throws {
        let recorder = EventRecorder()
        let pipeline = TurnPipeline(
            middleware: [RecordingMiddleware(name: "inner", recorder: recorder), RecordingMiddleware(name: "outer", recorder: recorder)],
            agent: StubAgent(recorder: recorder)
        )
        _ = try await pipeline.run(PipelineFixture.turn("hello"))
        #expect(recorder.events == ["inner.before", "outer.before", "agent", "outer.after", "inner.after"])
    }

    @Test func middlewareThatDoesNotCallNextStopsTheChain() async throws {
        let recorder = EventRecorder()
        let pipeline = TurnPipeline(
            middleware: [
                RecordingMiddleware(name: "outer", recorder: recorder), StoppingMiddleware(name: "takeover", recorder: recorder),
                RecordingMiddleware(name: "inner", recorder: recorder),
            ],
            agent: StubAgent(recorder: recorder)
        )
        let response = try await pipeline.run(PipelineFixture.turn("hello"))
        #expect(recorder.events == ["outer.before", "takeover.stop", "outer.after"])
        #expect(!recorder.events.contains("agent"))
        #expect(response.stoppedBy == "takeover")
        #expect(response.messages.isEmpty)
    }

    @Test func middlewareCanChangeTheOutgoingReply() async throws {
        let recorder = EventRecorder()
        let pipeline = TurnPipeline(
            middleware: [SigningMiddleware(signature: "— Team Acme"), RecordingMiddleware(name: "inner", recorder: recorder)],
            agent: StubAgent(recorder: recorder)
        )
        let response = try await pipeline.run(PipelineFixture.turn("price?"))
        #expect(response.messages == ["stub: price? — Team Acme"])
        #expect(response.intent == "stub+signed")
        #expect(recorder.events == ["inner.before", "agent", "inner.after"])
    }

    @Test func contextAddedEarlierIsVisibleToLaterMiddlewareAndTheAgent() async throws {
        let recorder = EventRecorder()
        let entry = KnowledgeEntry(id: "delivery", category: "shipping", question: "How long is delivery?", answer: "Two days.")
        let pipeline = TurnPipeline(
            middleware: [
                ContextAddingMiddleware(hit: KnowledgeHit(entry: entry, score: 4.2), note: ("segment", "vip")),
                ContextCheckingMiddleware(recorder: recorder),
            ],
            agent: ContextEchoAgent()
        )
        let response = try await pipeline.run(PipelineFixture.turn("delivery?"))
        #expect(recorder.events == ["saw hits: delivery"])
        #expect(response.messages == ["instructions: ", "hits: delivery", "notes: segment=vip"])
        // Without the middleware the agent sees an empty context.
        let bare = try await TurnPipeline(middleware: [], agent: ContextEchoAgent()).run(PipelineFixture.turn("delivery?"))
        #expect(bare.messages == ["instructions: ", "hits: ", "notes: "])
    }

    @Test func agentErrorsPropagateThroughMiddleware() async throws {
        let recorder = EventRecorder()
        let pipeline = TurnPipeline(middleware: [RecordingMiddleware(name: "outer", recorder: recorder)], agent: FailingAgent())
        await #expect(throws: FailingAgent.Failure.self) { try await pipeline.run(PipelineFixture.turn("hello")) }
        #expect(recorder.events == ["outer.before"])
    }

    // MARK: - The real middleware through the test kit

    @Test func activeInstructionsAndKnowledgeHitsReachTheAgent() async throws {
        let file = try PipelineFixture.echoAgentFile()
        defer { PipelineFixture.remove(file) }
        let kit = try await AgentTestKit.start(agentFile: file, registries: PipelineFixture.registries())
        do {
            let pipeline = try #require(kit.host.state.current.pipelines["echo_agent"])
            #expect(pipeline.middlewareNames == ["conversation_instructions", "knowledge_base"])

            let phone = try #require(PhoneNumber(normalizing: "+96170000001"))
            let contact = try await kit.host.stores.contacts.upsertContact(tenantID: "test", phone: phone, name: nil)
            let conversation = ConversationKey(tenantID: "test", chatbotID: "test-bot", contactID: contact.id)
            let now = Date()
            _ = try await kit.host.stores.instructions.addInstruction(
                conversation, text: "offer free delivery", expiresAt: now.addingTimeInterval(3600), at: now.addingTimeInterval(-60)
            )
            _ = try await kit.host.stores.instructions.addInstruction(
                conversation, text: "expired promo", expiresAt: now.addingTimeInterval(-3600), at: now.addingTimeInterval(-7200)
            )
            _ = try await kit.host.stores.instructions.addInstruction(conversation, text: "call her Dr. Haddad", expiresAt: nil, at: now.addingTimeInterval(-30))

            let reply = try await kit.conversation(chatbot: "test-bot", from: "+96170000001").send("how long does delivery take?")
            #expect(reply.outbox.first?.conversation == conversation, "the kit's contact is the one the instructions were added for")
            let instructions = try #require(reply.messages.first { $0.hasPrefix("instructions: ") })
            #expect(instructions.contains("offer free delivery"))
            #expect(instructions.contains("call her Dr. Haddad"))
            #expect(!instructions.contains("expired promo"))
            let hits = try #require(reply.messages.first { $0.hasPrefix("hits: ") })
            #expect(hits.hasPrefix("hits: delivery_time"), "\(hits)")

            // Another customer of the same chatbot gets none of these instructions.
            let other = try await kit.conversation(chatbot: "test-bot", from: "+96170000002").send("when are you open?")
            #expect(other.messages.first == "instructions: ")
            #expect(other.messages.last?.hasPrefix("hits: opening_hours") == true, "\(other.messages)")
        } catch {
            try? await kit.shutdown()
            throw error
        }
        try await kit.shutdown()
    }

    @Test func withoutTheMiddlewareTheAgentGetsNoInstructionsOrHits() async throws {
        let file = try PipelineFixture.echoAgentFile(middleware: [])
        defer { PipelineFixture.remove(file) }
        let kit = try await AgentTestKit.start(agentFile: file, registries: PipelineFixture.registries())
        do {
            let phone = try #require(PhoneNumber(normalizing: "+96170000001"))
            let contact = try await kit.host.stores.contacts.upsertContact(tenantID: "test", phone: phone, name: nil)
            let conversation = ConversationKey(tenantID: "test", chatbotID: "test-bot", contactID: contact.id)
            _ = try await kit.host.stores.instructions.addInstruction(conversation, text: "offer free delivery", expiresAt: nil, at: Date())
            let reply = try await kit.conversation(chatbot: "test-bot", from: "+96170000001").send("how long does delivery take?")
            #expect(reply.messages == ["instructions: ", "hits: "])
        } catch {
            try? await kit.shutdown()
            throw error
        }
        try await kit.shutdown()
    }

    @Test func unknownMiddlewareIsAConfigError() async throws {
        let file = try PipelineFixture.echoAgentFile(middleware: ["conversation_instructions", "no_such_middleware"])
        defer { PipelineFixture.remove(file) }
        do {
            let kit = try await AgentTestKit.start(agentFile: file, registries: PipelineFixture.registries())
            try? await kit.shutdown()
            Issue.record("an unknown middleware must not load")
        } catch let error as ConfigError {
            #expect(error.errors.count == 1, "\(error)")
            let diagnostic = try #require(error.errors.first)
            #expect(diagnostic.message == "unknown middleware 'no_such_middleware'")
            #expect(diagnostic.file.hasSuffix("agents/echo_agent.yaml"))
            #expect((diagnostic.line, diagnostic.column) == (PipelineFixture.middlewareFirstLine + 2, 5))
        }
    }

    @Test func unregisteredModuleIsAConfigError() async throws {
        let file = try PipelineFixture.echoAgentFile()
        defer { PipelineFixture.remove(file) }
        do {
            let kit = try await AgentTestKit.start(agentFile: file, registries: .builtIn())
            try? await kit.shutdown()
            Issue.record("an agent whose module is not registered must not load")
        } catch let error as ConfigError {
            let diagnostic = try #require(error.errors.first { $0.message.contains("unknown module") })
            #expect(diagnostic.message == "unknown module 'echo_context'")
            #expect((diagnostic.line, diagnostic.column) == (2, 9))
        }
    }
}

// MARK: - Test doubles

/// Events in the order they happened, from any task.
private final class EventRecorder: Sendable {
    private let storage = Mutex<[String]>([])
    func record(_ event: String) { storage.withLock { $0.append(event) } }
    var events: [String] { storage.withLock { $0 } }
}

private struct RecordingMiddleware: TurnMiddleware {
    let name: String
    let recorder: EventRecorder

    func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        recorder.record("\(name).before")
        let response = try await next(turn)
        recorder.record("\(name).after")
        return response
    }
}

private struct StoppingMiddleware: TurnMiddleware {
    let name: String
    let recorder: EventRecorder

    func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        recorder.record("\(name).stop")
        return .silent(stoppedBy: name)
    }
}

private struct SigningMiddleware: TurnMiddleware {
    let name = "signature"
    let signature: String

    func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        var response = try await next(turn)
        response.messages = response.messages.map { "\($0) \(signature)" }
        response.intent = (response.intent ?? "") + "+signed"
        return response
    }
}

private struct ContextAddingMiddleware: TurnMiddleware {
    let name = "adds_context"
    let hit: KnowledgeHit
    let note: (key: String, value: String)

    func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        var turn = turn
        turn.context.knowledgeHits.append(hit)
        turn.context.notes[note.key] = note.value
        return try await next(turn)
    }
}

private struct ContextCheckingMiddleware: TurnMiddleware {
    let name = "checks_context"
    let recorder: EventRecorder

    func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        recorder.record("saw hits: \(turn.context.knowledgeHits.map(\.entry.id).joined(separator: ","))")
        return try await next(turn)
    }
}

private struct StubAgent: AgentModule {
    let recorder: EventRecorder

    func respond(to turn: Turn) async throws -> AgentResponse {
        recorder.record("agent")
        return AgentResponse(messages: ["stub: \(turn.text)"], intent: "stub")
    }
}

private struct FailingAgent: AgentModule {
    struct Failure: Error {}
    func respond(to turn: Turn) async throws -> AgentResponse { throw Failure() }
}

/// Echoes what the middleware handed it: instruction texts, knowledge hit ids, notes.
private struct ContextEchoAgent: AgentModule {
    func respond(to turn: Turn) async throws -> AgentResponse {
        var messages = [
            "instructions: " + turn.context.instructions.map(\.text).joined(separator: " | "),
            "hits: " + turn.context.knowledgeHits.map(\.entry.id).joined(separator: ","),
        ]
        if turn.agent.id == "pipeline_test" {
            messages.append("notes: " + turn.context.notes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
        }
        return AgentResponse(messages: messages, intent: "echo")
    }
}

private enum PipelineFixture {
    static func turn(_ text: String) -> Turn {
        let number = PhoneNumber(canonical: "15550001111")
        let chatbot = ChatbotDefinition(
            id: "pipeline-bot", tenantID: "pipeline", name: "Pipeline bot", agentID: "pipeline_test",
            channels: [ChannelBinding(accountID: "local", provider: .local, number: number)]
        )
        let tenant = TenantDefinition(
            id: "pipeline", name: "Pipeline", subscription: Subscription(plan: "test", limits: .unlimited, features: .all), chatbots: [chatbot]
        )
        let message = ConversationMessage(id: MessageID(1), direction: .inbound, kind: .text, text: text, createdAt: Date())
        return Turn(
            tenant: tenant, chatbot: chatbot, agent: AgentDefinition(id: "pipeline_test", module: "test", name: "Pipeline test"),
            contact: Contact(id: ContactID(1), tenantID: "pipeline", phone: PhoneNumber(canonical: "96170000001")), messages: [message]
        )
    }

    /// Built-in modules plus `echo_context`.
    static func registries() -> ModuleRegistries {
        var registries = ModuleRegistries.builtIn()
        registries.agents.register("echo_context") { _ in ContextEchoAgent() }
        return registries
    }

    /// Deletes the directory `echoAgentFile` wrote (the kit works on its own copy).
    static func remove(_ file: String) {
        try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent)
    }

    /// The line of `middleware:` in the echo agent file.
    static let middlewareFirstLine = 13

    /// Writes `echo_agent.yaml` (module `echo_context`) to a fresh directory; returns its path.
    static func echoAgentFile(middleware: [String] = ["conversation_instructions", "knowledge_base"]) throws -> String {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-pipeline")
        let list = middleware.isEmpty ? "middleware: []" : "middleware:\n" + middleware.map { "  - \($0)" }.joined(separator: "\n")
        let text = """
            id: echo_agent
            module: echo_context
            name: Echo
            knowledge_base:
              - id: delivery_time
                question: How long does delivery take?
                answer: Two to three working days.
                examples: ["when will my order arrive"]
              - id: opening_hours
                question: When are you open?
                answer: Every day from 9 to 5.
                examples: ["opening hours"]
            \(list)

            """
        let path = directory.appendingPathComponent("echo_agent.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
