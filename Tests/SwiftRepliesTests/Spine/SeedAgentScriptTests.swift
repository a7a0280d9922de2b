import Foundation
import SwiftRepliesCore
import SwiftRepliesRuntime
import SwiftRepliesTesting
import Testing

/// Scripted conversations with both seed bots through the test kit: the real configuration,
/// middleware chain and a temporary SQLite store.
@Suite struct SeedAgentScriptTests {
    @Test func eclaConversation() async throws {
        let kit = try await AgentTestKit.start(configDirectory: RepositoryPaths.configDirectory)
        defer { Task { try? await kit.shutdown() } }
        let script = ConversationScript()
            .send("hi").expect(.intent("greeting"), .contains("ECLA"))
            .send("how much is the whitening kit?").expect(.intent("price"), .contains("ECLA Teeth Whitening Kit"), .contains("49 USD"))
            .send("combien coûte le stylo blanchissant ?").expect(.contains("Whitening Pen"), .contains("18 USD"), .contains("coûte"))
            .send("قديش سعر القلم").expect(.contains("Whitening Pen"), .contains("18 USD"))
            .send("2adde el strips?").expect(.contains("Whitening Strips"), .contains("25 USD"))
            .send("how long does delivery take?").expect(.intent("faq:shipping_time"))
            .send("can I get a 25% discount on the kit?").expect(.escalation(type: "discount_approval"), .contains("25%"))
            .send("can i get 5% off").expect(.intent("discount.granted"), .noEscalation)
            .send("I want to order 2 whitening pens").expect(.orderIntent(sku: "ECLA-PEN-01"), .contains("36 USD"))
            .send("do you sell cars?").expect(.intent("not_sold"), .contains("we don't sell that"), .noEscalation)
            .send("I want to speak to a human").expect(.escalation(type: "human_handoff"))
        try await kit.run(script, chatbot: "ecla-main")
    }

    @Test func astroSouksConversation() async throws {
        let kit = try await AgentTestKit.start(configDirectory: RepositoryPaths.configDirectory)
        defer { Task { try? await kit.shutdown() } }
        let script = ConversationScript()
            .send("marhaba").expect(.intent("greeting"), .contains("AstroSouks"))
            .send("kam se3er el earbuds").expect(.intent("price"), .contains("Earbuds"), .contains("35 USD"))
            .send("how much is the mini projector").expect(.contains("Mini Projector"), .contains("79 USD"))
            .send("what is your return policy?").expect(.intent("faq:returns_policy"))
            .send("can you give me 20% off the smart watch").expect(.escalation(type: "discount_approval"))
            .send("who won the football match yesterday").expect(.intent("fallback"), .noEscalation, .doesNotContain("USD"))
        try await kit.run(script, chatbot: "astrosouks-bot")
    }

    /// The 25 % discount to ECLA asks for a decision because the agent's own limit is 10 %.
    @Test func discountAboveLimitAsksForDecision() async throws {
        let kit = try await AgentTestKit.start(configDirectory: RepositoryPaths.configDirectory)
        defer { Task { try? await kit.shutdown() } }
        let reply = try await kit.conversation(chatbot: "ecla-main").send("can I get a 25% discount on the kit?")
        let escalation = try #require(reply.response.escalation)
        #expect(escalation.requestType == "discount_approval")
        #expect(escalation.requestedAmount == 25)
        #expect(escalation.context["sku"] == "ECLA-KIT-01")
        let withinLimit = try await kit.conversation(chatbot: "ecla-main", from: "+96170000002").send("I'd like a 10% discount")
        #expect(withinLimit.response.escalation == nil)
        #expect(withinLimit.response.intent == "discount.granted")
    }

    /// Every labelled question through the whole agent: how many get the right FAQ answer.
    @Test(arguments: [("ecla_sales_agent", "ecla-main"), ("astrosouks_sales_agent", "astrosouks-bot")])
    func labelledQuestionsGetTheRightAnswer(agent: String, chatbot: String) async throws {
        let kit = try await AgentTestKit.start(configDirectory: RepositoryPaths.configDirectory)
        defer { Task { try? await kit.shutdown() } }
        let set = try KnowledgeRankingTests.labelled(agent)
        var right = 0
        for (index, item) in set.enumerated() {
            let reply = try await kit.conversation(chatbot: chatbot, from: "+9617100\(String(format: "%04d", index))").send(item.question)
            if reply.response.intent == "faq:\(item.expectedID)" { right += 1 } else {
                print("  \(agent) [\(item.language)] \(item.question) -> \(reply.response.intent ?? "-")")
            }
        }
        print("end to end \(agent): \(right)/\(set.count) answered with the right FAQ entry")
        #expect(Double(right) / Double(set.count) >= 0.7)
    }
}
