import SwiftRepliesCore

/// Registers the agent modules this package ships that need no network.
public enum BuiltInAgents {
    public static func register(into registry: inout AgentModuleRegistry) {
        registry.register("sales") { context in SalesAgent(definition: context.definition) }
    }
}
