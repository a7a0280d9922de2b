import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import SwiftRepliesStores

/// Drives agents through the real configuration loader, middleware pipeline, conversation engine
/// and a temporary SQLite store, the way `serve` and `chat` run them, without a provider.
///
/// ```swift
/// try await AgentTestKit.with(agentFile: "agents/my_agent.yaml") { kit in
///     try await kit.run(ConversationScript().send("hi").expect(.intent("greeting")))
/// }
/// ```
///
/// The kit lives in test time (`clock`), records the turn each agent received (so expectations
/// can look at instructions and knowledge base hits), and asks `probes` what each turn left
/// behind (Actions Center requests, takeover). Call `shutdown()` when done, or use `with`.
public struct AgentTestKit: Sendable {
    public let host: LocalHost
    /// The temporary database file.
    public let databasePath: String
    /// The time messages arrive and turns start at; it stands still until moved.
    public let clock: TestClock
    /// What is asked after every turn for its effects (default: `OperatorRecordsProbe`, the
    /// Actions Center's requests and live takeover).
    public let probes: [any TurnEffectProbe]
    let recorder: TurnRecorder
    private let temporaryDirectory: String?

    /// A kit over a configuration directory (`tenants.yaml` + `agents/`).
    ///
    /// `environment` gives `${VAR}` values; it defaults to empty, so secrets are unset, those
    /// channels are disabled, and agents still answer.
    public static func start(
        configDirectory: String, registries: ModuleRegistries = .builtIn(), environment: [String: String] = [:],
        clock: TestClock = TestClock(), probes: [any TurnEffectProbe] = [OperatorRecordsProbe()], logger: Logger = Logger(label: "swiftreplies.testkit")
    ) async throws -> AgentTestKit {
        let snapshot = try registries.configLoader(directory: configDirectory, environment: environment).load()
        return try await start(snapshot: snapshot, registries: registries, clock: clock, probes: probes, temporaryDirectory: nil, logger: logger)
    }

    /// A kit for one agent file alone: it runs in a test tenant (`test`) whose chatbot
    /// `test-bot` answers +10000000000 with that agent.
    public static func start(
        agentFile: String, registries: ModuleRegistries = .builtIn(), environment: [String: String] = [:],
        clock: TestClock = TestClock(), probes: [any TurnEffectProbe] = [OperatorRecordsProbe()], logger: Logger = Logger(label: "swiftreplies.testkit")
    ) async throws -> AgentTestKit {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-kit-\(UUID().uuidString)").path
        let agents = (directory as NSString).appendingPathComponent("agents")
        try FileManager.default.createDirectory(atPath: agents, withIntermediateDirectories: true)
        let name = (agentFile as NSString).lastPathComponent
        let agentID = (name as NSString).deletingPathExtension
        let tenants = """
            version: 1
            accounts:
              local_test:
                provider: meta
                app_secret: test-secret
                verify_token: test-verify
                access_token: test-token
                base_url: http://127.0.0.1:9
            tenants:
              - id: test
                name: Test tenant
                chatbots:
                  - id: test-bot
                    name: Test bot
                    agent: \(agentID)
                    channels:
                      - account: local_test
                        number: "+10000000000"
                        phone_number_id: "10000000000"
            """
        do {
            try FileManager.default.copyItem(atPath: agentFile, toPath: (agents as NSString).appendingPathComponent(name))
            try tenants.write(toFile: (directory as NSString).appendingPathComponent("tenants.yaml"), atomically: true, encoding: .utf8)
            let snapshot = try registries.configLoader(directory: directory, environment: environment).load()
            return try await start(snapshot: snapshot, registries: registries, clock: clock, probes: probes, temporaryDirectory: directory, logger: logger)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Runs `body` with a kit for one agent file (see `start(agentFile:...)`) and shuts the kit
    /// down afterwards, whether `body` throws or not.
    public static func with<Result: Sendable>(
        agentFile: String, registries: ModuleRegistries = .builtIn(), environment: [String: String] = [:],
        clock: TestClock = TestClock(), probes: [any TurnEffectProbe] = [OperatorRecordsProbe()], _ body: (AgentTestKit) async throws -> Result
    ) async throws -> Result {
        let kit = try await start(agentFile: agentFile, registries: registries, environment: environment, clock: clock, probes: probes)
        return try await kit.running(body)
    }

    /// Runs `body` with a kit over a configuration directory and shuts the kit down afterwards.
    public static func with<Result: Sendable>(
        configDirectory: String, registries: ModuleRegistries = .builtIn(), environment: [String: String] = [:],
        clock: TestClock = TestClock(), probes: [any TurnEffectProbe] = [OperatorRecordsProbe()], _ body: (AgentTestKit) async throws -> Result
    ) async throws -> Result {
        let kit = try await start(configDirectory: configDirectory, registries: registries, environment: environment, clock: clock, probes: probes)
        return try await kit.running(body)
    }

    private func running<Result: Sendable>(_ body: (AgentTestKit) async throws -> Result) async throws -> Result {
        let result: Result
        do {
            result = try await body(self)
        } catch {
            try? await shutdown()
            throw error
        }
        try await shutdown()
        return result
    }

    private static func start(
        snapshot: ConfigSnapshot, registries: ModuleRegistries, clock: TestClock, probes: [any TurnEffectProbe], temporaryDirectory: String?,
        logger: Logger
    ) async throws -> AgentTestKit {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-kit-\(UUID().uuidString).sqlite").path
        let store = try await SQLiteStore.open(path: path, logger: logger)
        let recorder = TurnRecorder()
        do {
            let host = try await LocalHost.start(snapshot: snapshot, stores: store.storeSet, registries: recorder.wrapping(registries), logger: logger)
            return AgentTestKit(
                host: host, databasePath: path, clock: clock, probes: probes, recorder: recorder, temporaryDirectory: temporaryDirectory)
        } catch {
            try? await store.shutdown()
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            throw error
        }
    }

    /// A customer conversation with a chatbot.
    public func conversation(chatbot: String = "test-bot", from phone: String = "+96170000001", name: String? = nil) throws -> TestConversation {
        guard let number = PhoneNumber(normalizing: phone) else { throw ScriptError(description: "'\(phone)' is not a phone number") }
        return TestConversation(
            conversation: try host.conversation(chatbotID: ChatbotID(chatbot), from: number, name: name), clock: clock, recorder: recorder,
            probes: probes)
    }

    /// Plays a script as one customer (default `+96170000001`) with a chatbot (default
    /// `test-bot`, the chatbot of `start(agentFile:)`). Every step runs, then, if any expectation
    /// was not met, it throws `ScriptFailures` listing them all. Returns the reply of every step
    /// that ran a turn.
    @discardableResult
    public func run(_ script: ConversationScript, chatbot: String = "test-bot", from phone: String = "+96170000001") async throws -> [TurnReply] {
        let conversation = try conversation(chatbot: chatbot, from: phone)
        var replies: [TurnReply] = []
        var failures: [ScriptFailure] = []
        for (index, step) in script.steps.enumerated() {
            let reply: TurnReply?
            switch step.action {
            case .customerMessage(let text):
                reply = try await conversation.send(text)
            case .addInstruction(let text, let expiresIn):
                try await conversation.addInstruction(text, expiresIn: expiresIn)
                reply = nil
            case .advanceClock(let duration):
                clock.advance(by: duration)
                reply = nil
            case .operation(let operation):
                reply = try await operation.body(ScriptContext(kit: self, conversation: conversation, key: try await conversation.key()))
            }
            guard let reply else {
                for expectation in step.expectations {
                    failures.append(
                        ScriptFailure(step: index + 1, sent: step.label, expectation: expectation, replies: [], intent: nil, found: "this step ran no turn"))
                }
                continue
            }
            replies.append(reply)
            for expectation in step.expectations {
                if case .unmet(let found) = expectation.check(reply) {
                    failures.append(
                        ScriptFailure(step: index + 1, sent: step.label, expectation: expectation, replies: reply.messages, intent: reply.response.intent, found: found))
                }
            }
        }
        if !failures.isEmpty { throw ScriptFailures(failures: failures) }
        return replies
    }

    /// Closes the store and deletes the temporary files.
    public func shutdown() async throws {
        try await host.stores.lifecycle.shutdown()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
        if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) }
    }
}

/// One customer talking to one chatbot in a test.
public struct TestConversation: Sendable {
    public let conversation: LocalConversation
    /// The kit's clock: messages are received, and instructions created, at its time.
    public let clock: TestClock
    let recorder: TurnRecorder
    let probes: [any TurnEffectProbe]

    /// Sends a customer message through the full pipeline and store, at the clock's time;
    /// returns the bot's answer with the turn the agent received.
    public func send(_ text: String) async throws -> TurnReply {
        let chatbot = conversation.chatbot.id
        let phone = conversation.phone
        _ = recorder.take(chatbot: chatbot, phone: phone)
        let result = try await conversation.send(text, at: clock.now)
        let reply = TurnReply(sent: text, response: result.response, outbox: result.outbox, turn: recorder.take(chatbot: chatbot, phone: phone))
        return try await observed(reply)
    }

    /// `reply` with what the kit's probes report about its turn.
    func observed(_ reply: TurnReply) async throws -> TurnReply {
        guard !probes.isEmpty else { return reply }
        var reply = reply
        let key = try await key()
        for probe in probes {
            reply.effects += try await probe.effects(of: reply, in: key, stores: conversation.host.stores)
        }
        return reply
    }

    /// Adds an operator instruction to this conversation at the clock's time, expiring
    /// `expiresIn` later (never when `nil`).
    @discardableResult
    public func addInstruction(_ text: String, expiresIn: Duration? = nil) async throws -> ConversationInstruction {
        let now = clock.now
        return try await conversation.host.stores.instructions.addInstruction(
            try await key(), text: text, expiresAt: expiresIn.map { now.addingTimeInterval($0.timeInterval) }, at: now)
    }

    /// The conversation's tenant, chatbot and contact (the contact is created if it has not written yet).
    public func key() async throws -> ConversationKey {
        let contact = try await conversation.host.stores.contacts.upsertContact(
            tenantID: conversation.chatbot.tenantID, phone: conversation.phone, name: conversation.name)
        return ConversationKey(tenantID: conversation.chatbot.tenantID, chatbotID: conversation.chatbot.id, contactID: contact.id)
    }
}
