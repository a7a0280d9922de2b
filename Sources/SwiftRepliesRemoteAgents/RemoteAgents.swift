import AsyncHTTPClient
import SwiftRepliesCore

/// Agent modules that answer through the network: `http` (a remote agent server) and `llm` (an
/// OpenAI-compatible chat-completions endpoint).
///
/// Every agent of both modules shares one `HTTPClient`, and so one connection pool, across
/// agents and configuration reloads: `sharedHTTPClient` unless the host passes its own to
/// `register(into:httpClient:)`.
public enum RemoteAgents {
    /// The client remote agents use by default. Like `HTTPClient.shared` it lives as long as the
    /// process, runs on the shared event loop group and is never shut down; unlike it, it does
    /// not follow redirects (a signed POST goes only where the YAML says) and reports a refused
    /// connection at once instead of retrying it until the deadline, so the modules' own short
    /// retries apply.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Registers the remote agent modules, sending with `sharedHTTPClient`.
    public static func register(into registry: inout AgentModuleRegistry) {
        register(into: &registry, httpClient: sharedHTTPClient)
    }

    /// Registers the remote agent modules, sending with `httpClient`. The client must stay open
    /// while agents built from the registry answer turns.
    public static func register(into registry: inout AgentModuleRegistry, httpClient: HTTPClient) {
        registry.register("http") { context in try HTTPAgent(definition: context.definition, httpClient: httpClient) }
        registry.register("llm") { context in try LLMAgent(definition: context.definition, httpClient: httpClient) }
    }
}
