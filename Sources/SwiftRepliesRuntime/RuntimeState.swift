import SwiftRepliesConfig
import SwiftRepliesCore

/// A configuration snapshot with the pipelines built for its agents: what one turn runs on.
/// Immutable; a reload builds a new one and swaps it in.
public struct RuntimeState: Sendable {
    public let snapshot: ConfigSnapshot
    public let pipelines: [AgentID: TurnPipeline]

    public init(snapshot: ConfigSnapshot, pipelines: [AgentID: TurnPipeline]) {
        self.snapshot = snapshot
        self.pipelines = pipelines
    }

    /// Builds pipelines for every agent of `snapshot`, reusing those of `previous` whose
    /// definition did not change (a changed agent YAML rebuilds only that agent).
    public static func build(snapshot: ConfigSnapshot, registries: ModuleRegistries, stores: StoreSet, reusing previous: RuntimeState? = nil) throws -> RuntimeState {
        var pipelines: [AgentID: TurnPipeline] = [:]
        for (id, definition) in snapshot.agents {
            if let previous, previous.snapshot.agent(id) == definition, let pipeline = previous.pipelines[id] {
                pipelines[id] = pipeline
                continue
            }
            let agent = try registries.agents.makeAgent(AgentBuildContext(definition: definition, stores: stores))
            let middleware = try definition.middleware.map { name in
                try registries.middleware.makeMiddleware(name, context: MiddlewareBuildContext(agent: definition, stores: stores))
            }
            pipelines[id] = TurnPipeline(middleware: middleware, agent: agent)
        }
        return RuntimeState(snapshot: snapshot, pipelines: pipelines)
    }
}
