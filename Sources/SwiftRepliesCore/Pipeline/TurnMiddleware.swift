/// The rest of the chain, as seen by a middleware: call it to let the turn go on.
public struct TurnHandler: Sendable {
    private let body: @Sendable (Turn) async throws -> AgentResponse

    public init(_ body: @escaping @Sendable (Turn) async throws -> AgentResponse) {
        self.body = body
    }

    public func callAsFunction(_ turn: Turn) async throws -> AgentResponse {
        try await body(turn)
    }
}

/// Middleware around the agent call, in the order the agent's YAML lists them (Bot Framework
/// and Hummingbird style): each can act before the next one (add to `turn.context`), after it
/// (see and change what the bot says: outgoing replies pass back through the chain), or stop the
/// chain by returning without calling `next`.
public protocol TurnMiddleware: Sendable {
    /// The name the YAML uses (`knowledge_base`, ...), for logs and `AgentResponse.stoppedBy`.
    var name: String { get }
    func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse
}

/// What a middleware factory gets to build a middleware for one agent.
public struct MiddlewareBuildContext: Sendable {
    public var agent: AgentDefinition
    /// The stores of the database; a middleware keeps the aggregates it needs (`stores.actions`).
    public var stores: StoreSet

    public init(agent: AgentDefinition, stores: StoreSet) {
        self.agent = agent
        self.stores = stores
    }
}

/// The middleware a host knows, by name.
public struct MiddlewareRegistry: Sendable {
    /// Builds a middleware for one agent.
    public typealias Factory = @Sendable (MiddlewareBuildContext) throws -> any TurnMiddleware

    private var factories: [String: Factory] = [:]

    public init() {}

    public mutating func register(_ name: String, factory: @escaping Factory) {
        factories[name] = factory
    }

    public var names: [String] { factories.keys.sorted() }

    public func contains(_ name: String) -> Bool { factories[name] != nil }

    public func makeMiddleware(_ name: String, context: MiddlewareBuildContext) throws -> any TurnMiddleware {
        guard let factory = factories[name] else {
            throw ModuleBuildError("unknown middleware '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        return try factory(context)
    }
}
