import SwiftRepliesCore

/// Agent modules that answer through the network: `http` (a remote agent server) and `llm` (an
/// OpenAI-compatible chat-completions endpoint).
public enum RemoteAgents {
    /// Registers the remote agent modules.
    public static func register(into registry: inout AgentModuleRegistry) {}
}
