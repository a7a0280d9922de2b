import Foundation
import SwiftRepliesCore
import SwiftRepliesRuntime
import SwiftRepliesTesting

/// The fake provider of the server tests, as the live runner's reply recorder.
extension FakeProviderServer.Recorder: ProviderRequestRecorder {
    func recordedRequests() async -> [RecordedProviderRequest] {
        requests.map { RecordedProviderRequest(path: $0.path, body: $0.body) }
    }
}

/// Fixtures for the kit's own tests.
enum AgentKitFixture {
    /// A middleware that keeps the bot quiet when the customer writes "shh" (it answers nothing
    /// and never calls the agent), standing in for live takeover or quiet hours.
    struct QuietMiddleware: TurnMiddleware {
        let name = "test_quiet"

        func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
            if turn.text.lowercased().contains("shh") { return .silent(stoppedBy: name, intent: "quiet") }
            return try await next(turn)
        }
    }

    /// The built-in registries plus `test_quiet`.
    static func registries() -> ModuleRegistries {
        var registries = ModuleRegistries.builtIn()
        registries.middleware.register("test_quiet") { _ in QuietMiddleware() }
        return registries
    }

    /// A copy of the ECLA agent file with `test_quiet` as its outermost middleware, in a fresh
    /// temporary directory (the caller removes `file`'s directory).
    static func quietEclaAgentFile() throws -> String {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-agentkit")
        let file = directory.appendingPathComponent("ecla_sales_agent.yaml")
        try FileManager.default.copyItem(at: RepositoryPaths.agentsDirectory.appendingPathComponent("ecla_sales_agent.yaml"), to: file)
        try addQuietMiddleware(to: file)
        return file.path
    }

    /// Puts `test_quiet` first in the middleware list of an agent file.
    static func addQuietMiddleware(to agentFile: URL) throws {
        let source = try String(contentsOf: agentFile, encoding: .utf8)
        try source.replacingOccurrences(of: "middleware:\n", with: "middleware:\n  - test_quiet\n").write(to: agentFile, atomically: true, encoding: .utf8)
    }

    /// A copy of the shipped configuration whose ECLA agent has `test_quiet` first.
    static func quietConfiguration() throws -> URL {
        let directory = try RepositoryPaths.copyOfConfiguration()
        try addQuietMiddleware(to: directory.appendingPathComponent("agents/ecla_sales_agent.yaml"))
        return directory
    }

    static func removeDirectory(of file: String) {
        try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent)
    }

    /// A probe standing in for the Actions Center: it reports an `action_created` effect for
    /// every escalation the agent asked for (the real one will read the actions table).
    struct EscalationAsActionProbe: TurnEffectProbe {
        func effects(of reply: TurnReply, in conversation: ConversationKey, stores: StoreSet) async throws -> [TurnEffect] {
            guard let escalation = reply.response.escalation else { return [] }
            var attributes = ["request_type": escalation.requestType, "tenant": conversation.tenantID.rawValue]
            if let amount = escalation.requestedAmount { attributes["amount"] = String(amount) }
            return [TurnEffect(kind: .actionCreated, attributes: attributes)]
        }
    }
}
