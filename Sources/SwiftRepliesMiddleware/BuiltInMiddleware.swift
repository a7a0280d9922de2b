import Foundation
import SwiftRepliesCore

/// Registers the middleware this package ships.
public enum BuiltInMiddleware {
    public static func register(into registry: inout MiddlewareRegistry) {
        registry.register("knowledge_base") { context in
            StoreKnowledgeBaseMiddleware(entries: context.agent.knowledgeBase, store: context.store, parameters: KnowledgeIndex.Parameters(agent: context.agent))
        }
        registry.register("conversation_instructions") { context in
            ConversationInstructionsMiddleware(store: context.store)
        }
        registry.register("usage_limits") { context in
            UsageLimitsMiddleware(store: context.store)
        }
        registry.register("live_takeover") { context in
            LiveTakeoverMiddleware(store: context.store)
        }
        registry.register("actions_center") { context in
            ActionsCenterMiddleware(store: context.store, timeToLive: TimeInterval(context.agent.escalation.actionTTLSeconds))
        }
    }
}
