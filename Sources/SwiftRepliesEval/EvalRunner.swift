import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import SwiftRepliesTesting

/// Runs scenario files through the real configuration loader, middleware pipeline, conversation
/// engine and a throwaway SQLite store (the `AgentTestKit`, the code path of `chat`), offline.
///
/// Each case is a new customer (its own phone number, so no history carries over) on a day of
/// its own (the kit's clock moves a day before each case, so a tenant's daily message and
/// Actions Center limits do not run out over a long set).
public struct EvalRunner: Sendable {
    public var configDirectory: String
    public var registries: ModuleRegistries
    public var environment: [String: String]
    public var logger: Logger

    public init(configDirectory: String, registries: ModuleRegistries = .builtIn(), environment: [String: String] = [:], logger: Logger = Logger(label: "swiftreplies.eval")) {
        self.configDirectory = configDirectory
        self.registries = registries
        self.environment = environment
        self.logger = logger
    }

    /// A chatbot cannot be chosen for a file.
    public struct ChatbotNotFound: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs every case of `files` in one throwaway database.
    public func run(_ files: [EvalFile]) async throws -> EvalReport {
        let clock = TestClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        return try await AgentTestKit.with(configDirectory: configDirectory, registries: registries, environment: environment, clock: clock) { kit in
            var results: [EvalCaseResult] = []
            var customer = 0
            for file in files {
                let chatbot = try Self.chatbot(for: file, in: kit.host.state.current.snapshot)
                for evalCase in file.cases {
                    customer += 1
                    clock.advance(by: .seconds(86_400))
                    let phone = "+9617\(String(format: "%07d", customer))"
                    results.append(try await run(evalCase, file: file, chatbot: chatbot, phone: phone, kit: kit))
                }
                logger.debug("eval file done", metadata: ["eval.file": "\(file.path)", "eval.cases": "\(file.cases.count)"])
            }
            return EvalReport(results: results)
        }
    }

    private func run(_ evalCase: EvalCase, file: EvalFile, chatbot: ChatbotID, phone: String, kit: AgentTestKit) async throws -> EvalCaseResult {
        let conversation = try kit.conversation(chatbot: chatbot.rawValue, from: phone)
        var failures: [EvalFailure] = []
        var effects: [TurnEffect] = []
        var lastOrder: OrderIntent?
        var languageChecks = 0
        var turn = 0
        for step in evalCase.steps {
            switch step.action {
            case .instruct(let text):
                try await conversation.addInstruction(text)
            case .say(let text):
                turn += 1
                let reply = try await conversation.send(text)
                effects += reply.effects
                if let order = reply.response.orderIntent { lastOrder = order }
                var checks = step.checks
                // The case's language applies to every reply that has no language check of its own.
                if let language = evalCase.language, !checks.contains(where: \.isLanguage), !checks.contains(.silent), !reply.messages.isEmpty {
                    checks.append(.language(language))
                }
                for check in checks {
                    if check.isLanguage { languageChecks += 1 }
                    if let found = check.failure(on: reply) {
                        failures.append(EvalFailure(turn: turn, sent: text, expected: check.description, actual: found, isLanguage: check.isLanguage))
                    }
                }
            }
        }
        for check in evalCase.after {
            if let found = check.failure(effects: effects, lastOrder: lastOrder) {
                failures.append(EvalFailure(turn: nil, sent: nil, expected: check.description, actual: found, isLanguage: false))
            }
        }
        return EvalCaseResult(file: file.path, name: evalCase.name, line: evalCase.line, language: evalCase.language, failures: failures, checksLanguage: languageChecks > 0)
    }

    /// The chatbot a file talks to: the one it names; else the chatbot of the agent it names, or
    /// of the agent its folder is named after (`Tests/Eval/<agent id>/`); else the only chatbot.
    static func chatbot(for file: EvalFile, in snapshot: ConfigSnapshot) throws -> ChatbotID {
        let chatbots = snapshot.chatbots
        if let name = file.chatbot {
            guard let chatbot = chatbots.first(where: { $0.id.rawValue == name }) else {
                throw ChatbotNotFound(description: "\(file.path): unknown chatbot '\(name)'; known: \(chatbots.map(\.id.rawValue).sorted().joined(separator: ", "))")
            }
            return chatbot.id
        }
        let folder = ((file.path as NSString).deletingLastPathComponent as NSString).lastPathComponent
        for agent in [file.agent, folder].compactMap({ $0 }) {
            if let chatbot = chatbots.first(where: { $0.agentID.rawValue == agent }) { return chatbot.id }
            if agent == file.agent {
                throw ChatbotNotFound(description: "\(file.path): no chatbot runs agent '\(agent)'")
            }
        }
        if chatbots.count == 1, let only = chatbots.first { return only.id }
        throw ChatbotNotFound(
            description: "\(file.path): say which chatbot it talks to (`chatbot:` or `agent:` at the top, or put it in a folder named after the agent); chatbots: \(chatbots.map(\.id.rawValue).sorted().joined(separator: ", "))"
        )
    }
}
