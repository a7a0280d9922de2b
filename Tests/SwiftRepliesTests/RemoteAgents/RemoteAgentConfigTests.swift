import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRemoteAgents
import SwiftRepliesRuntime
import SwiftRepliesStores
import SwiftRepliesTesting
import Testing

/// Agent YAML with `module: http` and `module: llm` through the real configuration loader and
/// registries: every documented setting is accepted, mistakes are reported at file:line:column,
/// and an `http` agent answers through the full pipeline (middleware included).
@Suite struct RemoteAgentConfigTests {
    static let tenants = """
        version: 1
        accounts:
          meta_main:
            provider: meta
            app_secret: test-secret
            verify_token: test-verify
            access_token: test-token
            base_url: http://127.0.0.1:9
        tenants:
          - id: acme
            name: Acme
            chatbots:
              - id: acme-http
                name: Acme remote bot
                agent: http_agent
                channels:
                  - account: meta_main
                    number: "+961 79 374 241"
                    phone_number_id: "1001"
              - id: acme-llm
                name: Acme LLM bot
                agent: llm_agent
                channels:
                  - account: meta_main
                    number: "+961 3 451 652"
                    phone_number_id: "1002"

        """

    /// Line numbers matter: the tests point at them.
    static let httpAgent = """
        id: http_agent
        module: http
        name: Remote assistant
        fallback: Sorry, I can't answer that.
        settings:
          url: https://bot.example.com/turn
          secret: ${HTTP_AGENT_SECRET}
          timeout_seconds: 4.5
          retries: 3
          history_limit: 5
          fallback_message: Our assistant is busy; a team member will reply.

        """

    static let llmAgent = """
        id: llm_agent
        module: llm
        name: LLM assistant
        persona: You are a helpful shop assistant.
        settings:
          base_url: ${LLM_BASE_URL:-https://api.openai.com/v1}
          model: gpt-4o-mini
          api_key: ${LLM_API_KEY}
          temperature: 0.4
          max_tokens: 300
          timeout_seconds: 20
          retries: 1
          history_limit: 12
          fallback_message: One moment please.

        """

    static let environment = ["HTTP_AGENT_SECRET": "shared-secret", "LLM_API_KEY": "sk-test"]

    /// A configuration directory with the two agents (either replaced by `agents`).
    static func directory(agents: [String: String] = [:]) throws -> URL {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-remote-config")
        let agentsDirectory = directory.appendingPathComponent("agents")
        try FileManager.default.createDirectory(at: agentsDirectory, withIntermediateDirectories: true)
        try tenants.write(to: directory.appendingPathComponent("tenants.yaml"), atomically: true, encoding: .utf8)
        for (name, text) in ["http_agent": httpAgent, "llm_agent": llmAgent].merging(agents, uniquingKeysWith: { $1 }) {
            try text.write(to: agentsDirectory.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
        return directory
    }

    static func load(_ directory: URL, environment: [String: String] = environment) throws -> ConfigSnapshot {
        try ModuleRegistries.builtIn().configLoader(directory: directory.path, environment: environment).load()
    }

    static func loadError(_ directory: URL, environment: [String: String] = environment) -> ConfigError? {
        do {
            _ = try load(directory, environment: environment)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            return nil
        }
    }

    @Test func httpAndLLMAgentsLoadValidateAndBuildWithEverySetting() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let snapshot = try Self.load(directory)
        #expect(snapshot.warnings.isEmpty, "\(snapshot.warnings)")

        let registries = ModuleRegistries.builtIn()
        #expect(registries.agents.contains("http") && registries.agents.contains("llm"))
        let store = try await SQLiteStore.open(path: directory.appendingPathComponent("build.sqlite").path, logger: Logger(label: "test"))
        let built = Result {
            try ["http_agent", "llm_agent"].map { id in
                try registries.agents.makeAgent(AgentBuildContext(definition: try #require(snapshot.agent(AgentID(id))), stores: store.storeSet))
            }
        }
        try await store.shutdown()
        let agents = try built.get()

        let http = try #require(agents[0] as? HTTPAgent)
        #expect(http.settings.url == "https://bot.example.com/turn")
        #expect(http.settings.secret == "shared-secret")
        #expect(http.settings.timeout == .milliseconds(4500))
        #expect(http.settings.retries == 3)
        #expect(http.historyLimit == 5)
        #expect(http.settings.fallbackMessage == "Our assistant is busy; a team member will reply.")

        let llm = try #require(agents[1] as? LLMAgent)
        #expect(llm.settings.chatCompletionsURL == "https://api.openai.com/v1/chat/completions")
        #expect(llm.settings.model == "gpt-4o-mini")
        #expect(llm.settings.apiKey == "sk-test")
        #expect(llm.settings.temperature == 0.4)
        #expect(llm.settings.maxTokens == 300)
        #expect(llm.settings.timeout == .seconds(20))
        #expect(llm.settings.retries == 1)
        #expect(llm.historyLimit == 12)
        #expect(llm.settings.fallbackMessage == "One moment please.")
    }

    @Test func aMissingURLIsAnErrorAtItsSettings() throws {
        let directory = try Self.directory(agents: ["http_agent": Self.httpAgent.replacingOccurrences(of: "  url: https://bot.example.com/turn\n", with: "")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(Self.loadError(directory))
        let diagnostic = try #require(error.errors.first { $0.message.contains("missing field 'url'") }, "\(error)")
        #expect(diagnostic.file.hasSuffix("agents/http_agent.yaml"))
        // The settings mapping starts on line 6 (its first key, `secret:`), column 3.
        #expect(diagnostic.line == 6 && diagnostic.column == 3, "\(diagnostic)")
        #expect(diagnostic.description.contains("http_agent.yaml:6:3: missing field 'url' in settings of module 'http'"))
        #expect(error.errors.count == 1, "\(error)")
    }

    @Test func mistakesInRemoteSettingsArePinpointed() throws {
        let http = Self.httpAgent
            .replacingOccurrences(of: "timeout_seconds: 4.5", with: "timout_seconds: 4.5")
            .replacingOccurrences(of: "retries: 3", with: "retries: many")
        let llm = Self.llmAgent
            .replacingOccurrences(of: "  model: gpt-4o-mini\n", with: "")
            .replacingOccurrences(of: "temperature: 0.4", with: "temperature: 7")
        let directory = try Self.directory(agents: ["http_agent": http, "llm_agent": llm])
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(Self.loadError(directory))
        let messages = error.errors.map(\.description)
        #expect(messages.contains { $0.contains("http_agent.yaml:8:3: unknown key 'timout_seconds'") && $0.contains("did you mean 'timeout_seconds'?") }, "\(messages)")
        #expect(messages.contains { $0.contains("http_agent.yaml:9:12: 'retries' in settings of module 'http' must be a whole number") }, "\(messages)")
        #expect(messages.contains { $0.contains("llm_agent.yaml:6:3: missing field 'model'") }, "\(messages)")
        #expect(messages.contains { $0.contains("llm_agent.yaml:8:16: 'temperature' in settings of module 'llm' must be between 0 and 2") }, "\(messages)")
        #expect(error.errors.count == 4, "\(messages)")
    }

    @Test func aRemoteModuleWithoutSettingsIsAnErrorAtItsModuleLine() throws {
        let directory = try Self.directory(agents: ["http_agent": "id: http_agent\nmodule: http\nname: Remote\n"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(Self.loadError(directory))
        let diagnostic = try #require(error.errors.first, "\(error)")
        #expect(diagnostic.description.contains("http_agent.yaml:2:9: module 'http' needs settings: url, secret"), "\(diagnostic)")
    }

    @Test func anUnsetSecretIsAWarningAndTheConfigurationStillLoads() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let snapshot = try Self.load(directory, environment: [:])
        let messages = snapshot.warnings.map(\.description)
        #expect(messages.contains { $0.contains("http_agent.yaml:7:11: warning: ${HTTP_AGENT_SECRET} is not set") }, "\(messages)")
        #expect(messages.contains { $0.contains("llm_agent.yaml:8:12: warning: ${LLM_API_KEY} is not set") }, "\(messages)")
        #expect(snapshot.warnings.count == 2, "\(messages)")
    }

    @Test func anHTTPAgentAnswersThroughTheFullPipeline() async throws {
        let agentText = """
            id: remote_shop
            module: http
            name: Remote shop
            knowledge_base:
              - id: delivery
                question: How long does delivery take?
                answer: Two to three working days.
            middleware: [knowledge_base]
            settings:
              url: ${REMOTE_AGENT_URL}
              secret: ${HTTP_AGENT_SECRET}
              timeout_seconds: 2

            """
        try await FakeProviderServer.with(respond: { request in
            guard RemoteAgentFixture.remoteAccepts(request, secret: "pipeline-secret") else { return RemoteAgentFixture.reply(.unauthorized, [:]) }
            let body = RemoteAgentFixture.json(request)
            let hits = (body["context"] as? [String: Any])?["knowledge_hits"] as? [[String: Any]] ?? []
            let answer = hits.first?["answer"] as? String ?? "no knowledge hit"
            return RemoteAgentFixture.reply(["messages": ["Remote says: \(answer)"], "intent": "faq"])
        }) { baseURL, recorder in
            let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-remote-kit")
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("remote_shop.yaml")
            try agentText.write(to: file, atomically: true, encoding: .utf8)
            let kit = try await AgentTestKit.start(
                agentFile: file.path, environment: ["REMOTE_AGENT_URL": baseURL + "/turn", "HTTP_AGENT_SECRET": "pipeline-secret"])
            let reply: TurnReply
            do {
                reply = try await kit.conversation().send("How long does delivery take?")
            } catch {
                try? await kit.shutdown()
                throw error
            }
            try await kit.shutdown()
            #expect(reply.messages == ["Remote says: Two to three working days."])
            #expect(reply.response.intent == "faq")
            #expect(await recorder.requests.count == 1)
        }
    }
}
