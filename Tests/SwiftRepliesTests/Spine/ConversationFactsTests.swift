import Foundation
import SwiftRepliesCore
import SwiftRepliesMiddleware
import Testing

/// Middleware use the facts a shared store read with the turn's messages (`Turn.facts`) instead
/// of asking the store again, and ask the store when a turn has none. The store here is a real
/// SQLite file that holds no takeover, instruction or stored entry: what the middleware see can
/// only come from the facts.
struct ConversationFactsTests {
    static let tenant: TenantID = "facts"
    static let chatbot: ChatbotID = "facts-bot"

    static func turn(_ text: String, facts: ConversationFacts?) -> Turn {
        let binding = ChannelBinding(accountID: "local", provider: .local, number: PhoneNumber(canonical: "15550001111"))
        let bot = ChatbotDefinition(id: chatbot, tenantID: tenant, name: "Facts bot", agentID: "facts_agent", channels: [binding])
        let definition = TenantDefinition(
            id: tenant, name: "Facts", subscription: Subscription(plan: "test", limits: .unlimited, features: .all), chatbots: [bot]
        )
        let message = ConversationMessage(id: MessageID(1), direction: .inbound, kind: .text, text: text, createdAt: Date())
        return Turn(
            tenant: definition, chatbot: bot, agent: AgentDefinition(id: "facts_agent", module: "test", name: "Facts"),
            contact: Contact(id: ContactID(7), tenantID: tenant, phone: PhoneNumber(canonical: "96170000001")), messages: [message],
            facts: facts
        )
    }

    /// The agent's view: instruction texts and knowledge hit ids.
    static let echo = TurnHandler { turn in
        AgentResponse(
            messages: [turn.context.instructions.map(\.text).joined(separator: "|"), turn.context.knowledgeHits.map(\.entry.id).joined(separator: ",")],
            intent: "echo"
        )
    }

    static func facts(takeover: Bool, at now: Date) -> ConversationFacts {
        ConversationFacts(
            activeTakeover: takeover
                ? TakeoverRecord(id: 3, tenantID: tenant, chatbotID: chatbot, contactID: ContactID(7), startedBy: "ops", startedAt: now, releasedAt: nil)
                : nil,
            instructions: [
                ConversationInstruction(id: 1, tenantID: tenant, chatbotID: chatbot, contactID: ContactID(7), text: "offer free delivery", expiresAt: nil, createdAt: now),
                ConversationInstruction(
                    id: 2, tenantID: tenant, chatbotID: chatbot, contactID: ContactID(7), text: "already over", expiresAt: now.addingTimeInterval(-60),
                    createdAt: now.addingTimeInterval(-120)
                ),
            ],
            knowledge: [
                KnowledgeRecord(
                    id: 41, tenantID: tenant, chatbotID: chatbot, category: "faq", question: "Do you deliver to Tripoli?", answer: "Yes, in two days.",
                    createdAt: now, updatedAt: now
                )
            ],
            readAt: now
        )
    }

    @Test func middlewareUseTheFactsReadWithTheTurn() async throws {
        let database = try await TestDatabase.make(.sqlite)
        let store = try await database.open()
        try await store.lifecycle.migrateUp()
        let now = Date()

        let takeover = LiveTakeoverMiddleware(takeovers: store.takeovers)
        let silenced = try await takeover.handle(Self.turn("hello", facts: Self.facts(takeover: true, at: now)), next: Self.echo)
        #expect(silenced.stoppedBy == "live_takeover" && silenced.messages.isEmpty, "the takeover in the facts silences the bot")
        let free = try await takeover.handle(Self.turn("hello", facts: Self.facts(takeover: false, at: now)), next: Self.echo)
        #expect(free.stoppedBy == nil)

        let instructions = ConversationInstructionsMiddleware(instructions: store.instructions)
        let instructed = try await instructions.handle(Self.turn("hello", facts: Self.facts(takeover: false, at: now)), next: Self.echo)
        #expect(instructed.messages.first == "offer free delivery", "instructions in force only")
        let unread = try await instructions.handle(Self.turn("hello", facts: nil), next: Self.echo)
        #expect(unread.messages.first == "", "without facts the store is asked, and it has none")

        let knowledge = StoreKnowledgeBaseMiddleware(entries: [], knowledge: store.knowledge)
        let found = try await knowledge.handle(Self.turn("Do you deliver to Tripoli?", facts: Self.facts(takeover: false, at: now)), next: Self.echo)
        #expect(found.messages.last == "db-41")
        let notFound = try await knowledge.handle(Self.turn("Do you deliver to Tripoli?", facts: nil), next: Self.echo)
        #expect(notFound.messages.last == "")
        try await store.lifecycle.shutdown()
        await database.remove()
    }
}
