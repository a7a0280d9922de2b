import Foundation
import SwiftRepliesAgents
import SwiftRepliesCore
import SwiftRepliesRuntime
import Testing

/// The sales agent's answer to a resolution turn: in the customer's language, and an approved
/// discount applied to the order intent of the product the request named.
@Suite struct ResolutionAnswerTests {
    static func turn(_ resolution: ActionResolution, lastCustomerMessage: String, notes: [String: String]) throws -> (SalesAgent, Turn) {
        let snapshot = try ModuleRegistries.builtIn().configLoader(directory: RepositoryPaths.configDirectory, environment: [:]).load()
        let tenant = try #require(snapshot.tenant("swiftreplies"))
        let chatbot = try #require(snapshot.chatbot("ecla-main"))
        let agent = try #require(snapshot.agent("ecla_sales_agent"))
        let contact = Contact(id: ContactID(1), tenantID: tenant.id, phone: PhoneNumber(canonical: "96170000001"))
        let history = [ConversationMessage(id: MessageID(1), direction: .inbound, kind: .text, text: lastCustomerMessage, createdAt: Date())]
        let turn = Turn(
            tenant: tenant, chatbot: chatbot, agent: agent, contact: contact, messages: [], history: history, trigger: .actionResolved(resolution),
            context: TurnContext(notes: notes)
        )
        return (SalesAgent(definition: agent), turn)
    }

    @Test func approvedDiscountIsAppliedToTheOrderIntent() async throws {
        let resolution = ActionResolution(actionID: 7, requestType: "discount_approval", outcome: .approved, requestedAmount: 25)
        let (agent, turn) = try Self.turn(resolution, lastCustomerMessage: "Est-ce que je peux avoir une remise de 25% sur le kit ?", notes: ["action.sku": "ECLA-KIT-01"])
        let response = try await agent.respond(to: turn)
        let intent = try #require(response.orderIntent)
        #expect(intent.discountPercent == 25)
        #expect(intent.lines.map(\.sku) == ["ECLA-KIT-01"])
        #expect(response.intent == "action.approved")
        #expect(response.messages.first?.contains("Bonne nouvelle") == true, "\(response.messages)")
        #expect(response.messages.first?.contains("36.75 USD") == true)
    }

    @Test func deniedAndExpiredCarryNoDiscount() async throws {
        for outcome in [ActionResolution.Outcome.denied, .expired] {
            let resolution = ActionResolution(actionID: 7, requestType: "discount_approval", outcome: outcome, requestedAmount: 25)
            let (agent, turn) = try Self.turn(resolution, lastCustomerMessage: "baddi khasm 25% 3al kit", notes: ["action.sku": "ECLA-KIT-01"])
            let response = try await agent.respond(to: turn)
            #expect(response.orderIntent == nil)
            #expect(response.intent == "action.\(outcome.rawValue)")
            #expect(response.messages.first?.hasPrefix("Sorry, el team") == true, "Arabizi: \(response.messages)")
        }
    }
}
