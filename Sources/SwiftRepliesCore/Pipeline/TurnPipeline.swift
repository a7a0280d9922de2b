/// The chain that runs a turn: the agent's middleware, outermost first, around its module.
public struct TurnPipeline: Sendable {
    public let middleware: [any TurnMiddleware]
    public let agent: any AgentModule
    private let entry: TurnHandler

    public init(middleware: [any TurnMiddleware], agent: any AgentModule) {
        self.middleware = middleware
        self.agent = agent
        var handler = TurnHandler { turn in try await agent.respond(to: turn) }
        for layer in middleware.reversed() {
            let next = handler
            handler = TurnHandler { turn in try await layer.handle(turn, next: next) }
        }
        self.entry = handler
    }

    /// The middleware names in order, for logs and tests.
    public var middlewareNames: [String] { middleware.map(\.name) }

    /// Runs `turn` through the chain.
    public func run(_ turn: Turn) async throws -> AgentResponse {
        try await entry(turn)
    }
}
