import SwiftRepliesCore

/// Registers the middleware this package ships.
public enum BuiltInMiddleware {
    public static func register(into registry: inout MiddlewareRegistry) {
        registry.register("knowledge_base") { context in
            KnowledgeBaseMiddleware(entries: context.agent.knowledgeBase)
        }
        registry.register("conversation_instructions") { context in
            ConversationInstructionsMiddleware(store: context.store)
        }
    }
}
