import SwiftRepliesCore

/// What the sales agent remembers of a conversation: the product under discussion, an order
/// waiting for the customer's yes, and the question the bot asked last.
///
/// It is not stored apart: each turn rebuilds it from the conversation's stored history (which
/// the turn carries) by reading the customer's earlier messages again, oldest first, with the
/// same rules that answered them. So it survives a restart, another replica and the next `chat`
/// run on the same database, and costs a few short messages' reading per turn.
struct SalesConversationState: Sendable, Hashable {
    /// What the bot asked and waits for.
    enum Question: Sendable, Hashable {
        /// "Which product do you mean?" after a price question without one.
        case productForPrice
        /// "Which product would you like?" after an order without one.
        case productForOrder
    }

    /// The product the conversation is about (the last one named).
    var product: Product?
    /// Products named together last ("the kit and the pen"), for "the second one".
    var products: [Product] = []
    /// An order noted and waiting for the customer's yes.
    var pendingOrder: [OrderLine]?
    var question: Question?
    /// The delivery place and name the customer gave, if any.
    var place: String?
    var name: String?
    /// The language the customer last showed, for follow-ups that show none ("2", "serum violet").
    var language: CustomerLanguage?

    static let empty = SalesConversationState()

    /// The state after the customer messages of `history` (oldest first), read by `agent`.
    static func rebuilt(from history: [ConversationMessage], agent: SalesAgent) -> SalesConversationState {
        var state = SalesConversationState.empty
        for message in history where message.direction == .inbound && !message.isFromHuman {
            guard let text = message.text, !text.isEmpty else { continue }
            state = agent.decide(SalesMessage(text, agent: agent, state: state), state: state, hits: []).state
        }
        return state
    }
}
