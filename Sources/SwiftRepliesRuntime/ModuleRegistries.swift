import SwiftRepliesAgents
import SwiftRepliesCore
import SwiftRepliesMiddleware

/// The agent modules and middleware a host knows. Start from `builtIn()` and register your own.
public struct ModuleRegistries: Sendable {
    public var agents: AgentModuleRegistry
    public var middleware: MiddlewareRegistry

    public init(agents: AgentModuleRegistry = AgentModuleRegistry(), middleware: MiddlewareRegistry = MiddlewareRegistry()) {
        self.agents = agents
        self.middleware = middleware
    }

    /// Everything this package ships that needs no network (`sales`; `knowledge_base`,
    /// `conversation_instructions`).
    public static func builtIn() -> ModuleRegistries {
        var registries = ModuleRegistries()
        BuiltInAgents.register(into: &registries.agents)
        BuiltInMiddleware.register(into: &registries.middleware)
        return registries
    }
}
