import SwiftRepliesCore

/// The agent modules written for this deployment, scaffolded by
/// `swift package --allow-writing-to-package-directory new-agent <name>`.
///
/// `ModuleRegistries.builtIn()` calls `register(into:)`, so `swiftreplies validate`, `chat` and
/// `serve` know every module listed in `CustomAgentList.swift`.
public enum CustomAgents {
    /// Registers every custom agent module under its name.
    public static func register(into registry: inout AgentModuleRegistry) {
        for module in modules {
            registry.register(module.name, factory: module.factory)
        }
    }

    /// The names of the custom agent modules, in the order they are listed.
    public static var names: [String] { modules.map(\.name) }
}

/// A custom agent module: the name agent files use in `module:` and how to build it.
public struct CustomAgentModule: Sendable {
    /// The module name (snake_case).
    public var name: String
    /// Builds the module for one agent definition.
    public var factory: AgentModuleRegistry.Factory

    public init(name: String, factory: @escaping AgentModuleRegistry.Factory) {
        self.name = name
        self.factory = factory
    }
}
