import SwiftRepliesCore

/// The agent modules written for this deployment (scaffolded by
/// `swift package --allow-writing-to-package-directory new-agent <name>`).
public enum CustomAgents {
    /// Registers every custom agent module.
    public static func register(into registry: inout AgentModuleRegistry) {}
}
