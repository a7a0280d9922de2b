import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import SwiftRepliesStores

/// Drives agents through the real configuration loader, middleware pipeline and a temporary
/// SQLite store, the way production runs them. Call `shutdown()` when done (it deletes the
/// temporary database).
public struct AgentTestKit: Sendable {
    public let host: LocalHost
    /// The temporary database file.
    public let databasePath: String
    private let temporaryDirectory: String?

    /// A kit over a configuration directory (`tenants.yaml` + `agents/`).
    public static func start(
        configDirectory: String, registries: ModuleRegistries = .builtIn(), environment: [String: String] = [:],
        logger: Logger = Logger(label: "swiftreplies.testkit")
    ) async throws -> AgentTestKit {
        let snapshot = try registries.configLoader(directory: configDirectory, environment: environment).load()
        return try await start(snapshot: snapshot, registries: registries, temporaryDirectory: nil, logger: logger)
    }

    /// A kit for one agent file alone: it runs in a test tenant (`test`) whose chatbot
    /// `test-bot` answers +10000000000 with that agent.
    public static func start(
        agentFile: String, registries: ModuleRegistries = .builtIn(), environment: [String: String] = [:],
        logger: Logger = Logger(label: "swiftreplies.testkit")
    ) async throws -> AgentTestKit {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-kit-\(UUID().uuidString)").path
        let agents = (directory as NSString).appendingPathComponent("agents")
        try FileManager.default.createDirectory(atPath: agents, withIntermediateDirectories: true)
        let name = (agentFile as NSString).lastPathComponent
        let agentID = (name as NSString).deletingPathExtension
        try FileManager.default.copyItem(atPath: agentFile, toPath: (agents as NSString).appendingPathComponent(name))
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
            try tenants.write(toFile: (directory as NSString).appendingPathComponent("tenants.yaml"), atomically: true, encoding: .utf8)
            let snapshot = try registries.configLoader(directory: directory, environment: environment).load()
            return try await start(snapshot: snapshot, registries: registries, temporaryDirectory: directory, logger: logger)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private static func start(snapshot: ConfigSnapshot, registries: ModuleRegistries, temporaryDirectory: String?, logger: Logger) async throws -> AgentTestKit {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-kit-\(UUID().uuidString).sqlite").path
        let store = try await SQLiteStore.open(path: path, logger: logger)
        let host = try await LocalHost.start(snapshot: snapshot, store: store, registries: registries, logger: logger)
        return AgentTestKit(host: host, databasePath: path, temporaryDirectory: temporaryDirectory)
    }

    /// A customer conversation with a chatbot.
    public func conversation(chatbot: String = "test-bot", from phone: String = "+96170000001") throws -> TestConversation {
        guard let number = PhoneNumber(normalizing: phone) else { throw ScriptError(description: "'\(phone)' is not a phone number") }
        return TestConversation(conversation: try host.conversation(chatbotID: ChatbotID(chatbot), from: number))
    }

    /// Runs a script; throws the first `ScriptFailure` after collecting every answer.
    @discardableResult
    public func run(_ script: ConversationScript, chatbot: String = "test-bot", from phone: String = "+96170000001") async throws -> [TurnReply] {
        let conversation = try conversation(chatbot: chatbot, from: phone)
        var replies: [TurnReply] = []
        var failures: [ScriptFailure] = []
        for (index, step) in script.steps.enumerated() {
            let reply = try await conversation.send(step.text)
            replies.append(reply)
            for expectation in step.expectations where !expectation.isMet(by: reply) {
                failures.append(ScriptFailure(step: index + 1, sent: step.text, expectation: expectation, replies: reply.messages, intent: reply.response.intent))
            }
        }
        if !failures.isEmpty { throw ScriptFailures(failures: failures) }
        return replies
    }

    /// Closes the store and deletes the temporary files.
    public func shutdown() async throws {
        try await host.store.shutdown()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
        if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) }
    }
}

/// One customer talking to one chatbot in a test.
public struct TestConversation: Sendable {
    public let conversation: LocalConversation

    /// Sends a customer message through the full pipeline and store; returns the bot's answer.
    public func send(_ text: String) async throws -> TurnReply {
        let result = try await conversation.send(text)
        return TurnReply(sent: text, response: result.response, outbox: result.outbox)
    }
}

/// Every unmet expectation of a script.
public struct ScriptFailures: Error, CustomStringConvertible, Sendable {
    public var failures: [ScriptFailure]
    public var description: String { failures.map(\.description).joined(separator: "\n") }
}

/// A misuse of the kit.
public struct ScriptError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
