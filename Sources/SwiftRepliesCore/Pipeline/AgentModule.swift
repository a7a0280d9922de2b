/// An agent module: given a turn, it decides what the bot says.
///
/// A module is registered under a name (`sales`, `http`, `llm`, or your own) that agent YAML
/// files refer to with `module:`. One instance is built per agent definition and reused for every
/// turn of that agent until the definition changes, so it must be `Sendable` and keep no
/// per-conversation state (the conversation is in the turn).
public protocol AgentModule: Sendable {
    /// Answers one turn. Throwing makes the runtime send the agent's fallback message.
    func respond(to turn: Turn) async throws -> AgentResponse

    /// How many earlier messages of the conversation the module wants in `turn.history`
    /// (default 20). A module that never looks at history returns 0 and saves a database read
    /// per turn.
    var historyLimit: Int { get }
}

extension AgentModule {
    public var historyLimit: Int { 20 }
}

/// What a module factory gets to build an agent.
public struct AgentBuildContext: Sendable {
    public var definition: AgentDefinition
    /// The stores of the database, for modules that look things up (each takes the aggregate it
    /// needs, such as `stores.contacts`).
    public var stores: StoreSet

    public init(definition: AgentDefinition, stores: StoreSet) {
        self.definition = definition
        self.stores = stores
    }
}

/// An error raised while building an agent or middleware from its definition.
public struct ModuleBuildError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The agent modules a host knows, by name.
public struct AgentModuleRegistry: Sendable {
    /// Builds an agent for a definition.
    public typealias Factory = @Sendable (AgentBuildContext) throws -> any AgentModule

    private var factories: [String: Factory] = [:]

    public init() {}

    /// Registers (or replaces) the module `name`.
    public mutating func register(_ name: String, factory: @escaping Factory) {
        factories[name] = factory
    }

    /// The registered module names, sorted.
    public var names: [String] { factories.keys.sorted() }

    public func contains(_ name: String) -> Bool { factories[name] != nil }

    /// Builds the agent for `context.definition` with its module's factory.
    public func makeAgent(_ context: AgentBuildContext) throws -> any AgentModule {
        guard let factory = factories[context.definition.module] else {
            throw ModuleBuildError("unknown agent module '\(context.definition.module)' (known: \(names.joined(separator: ", ")))")
        }
        return try factory(context)
    }
}
