import SwiftRepliesAgents
import SwiftRepliesCore
import SwiftRepliesCustomAgents
import SwiftRepliesMiddleware
import SwiftRepliesRemoteAgents

/// The agent modules and middleware a host knows. Start from `builtIn()` and register your own.
public struct ModuleRegistries: Sendable {
    public var agents: AgentModuleRegistry
    public var middleware: MiddlewareRegistry

    public init(agents: AgentModuleRegistry = AgentModuleRegistry(), middleware: MiddlewareRegistry = MiddlewareRegistry()) {
        self.agents = agents
        self.middleware = middleware
    }

    /// Everything this package ships (`sales`, `http`, `llm`; `knowledge_base`,
    /// `conversation_instructions`, ...) plus this deployment's custom agent modules.
    public static func builtIn() -> ModuleRegistries {
        var registries = ModuleRegistries()
        BuiltInAgents.register(into: &registries.agents)
        RemoteAgents.register(into: &registries.agents)
        CustomAgents.register(into: &registries.agents)
        BuiltInMiddleware.register(into: &registries.middleware)
        return registries
    }
}
