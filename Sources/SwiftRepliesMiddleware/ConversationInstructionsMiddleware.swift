import SwiftRepliesCore

/// `conversation_instructions`: hands the agent the operator's active, unexpired instructions for
/// this conversation ("offer free delivery to this customer").
public struct ConversationInstructionsMiddleware: TurnMiddleware {
    public let name = "conversation_instructions"
    public let instructions: any InstructionStore

    public init(instructions: any InstructionStore) { self.instructions = instructions }

    public func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        var turn = turn
        let conversation = ConversationKey(tenantID: turn.tenant.id, chatbotID: turn.chatbot.id, contactID: turn.contact.id)
        if let facts = turn.facts {
            turn.context.instructions = facts.instructions.filter { $0.expiresAt.map { $0 > turn.startedAt } ?? true }
        } else {
            turn.context.instructions = try await instructions.activeInstructions(conversation, at: turn.startedAt)
        }
        return try await next(turn)
    }
}
