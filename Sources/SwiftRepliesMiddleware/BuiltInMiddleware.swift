import Foundation
import SwiftRepliesCore

/// Registers the middleware this package ships.
public enum BuiltInMiddleware {
    public static func register(into registry: inout MiddlewareRegistry) {
        registry.register("knowledge_base") { context in
            StoreKnowledgeBaseMiddleware(
                entries: context.agent.knowledgeBase, knowledge: context.stores.knowledge, parameters: KnowledgeIndex.Parameters(agent: context.agent)
            )
        }
        registry.register("conversation_instructions") { context in
            ConversationInstructionsMiddleware(instructions: context.stores.instructions)
        }
        registry.register("usage_limits") { context in
            UsageLimitsMiddleware(usage: context.stores.usage, contacts: context.stores.contacts)
        }
        registry.register("live_takeover") { context in
            LiveTakeoverMiddleware(takeovers: context.stores.takeovers)
        }
        registry.register("actions_center") { context in
            ActionsCenterMiddleware(actions: context.stores.actions, turns: context.stores.turns, timeToLive: TimeInterval(context.agent.escalation.actionTTLSeconds))
        }
    }
}
