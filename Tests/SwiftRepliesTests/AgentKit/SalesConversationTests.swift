import Foundation
import SwiftRepliesTesting
import Testing

/// The sales agent as a shop assistant, through the shipped configuration and the real pipeline:
/// the customer's language, follow-ups resolved from the stored history, the intent order, and
/// products the shop does not sell.
@Suite struct SalesConversationTests {
    @Test func followUpsResolveAgainstTheConversationInItsLanguage() async throws {
        let script = ConversationScript()
            .send("bonjour, combien coûte le kit de blanchiment ?").expect(.intent("price"), .contains("49 USD"), .contains("seringues de gel"))
            .send("et le stylo ?").expect(.intent("price"), .contains("18 USD"), .contains("Stylo de poche"))
            .send("j'en prends 3").expect(.orderIntent(sku: "ECLA-PEN-01", quantity: 3), .contains("Total : 54 USD"), .contains("Répondez oui"))
            .send("oui").expect(.intent("order.confirmed"), .orderIntent(sku: "ECLA-PEN-01", quantity: 3), .contains("confirmée"))
        try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory) { kit in
            try await kit.run(script, chatbot: "ecla-main")
        }
    }

    @Test func aBarePriceQuestionThenTheProductInArabic() async throws {
        let script = ConversationScript()
            .send("قديش السعر؟").expect(.intent("price.which_product"))
            .send("القلم").expect(.intent("price"), .contains("18 USD"), .contains("قلم جيب"))
        try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory) { kit in
            try await kit.run(script, chatbot: "ecla-main")
        }
    }

    @Test func aComplaintNamingAProductIsARefundNotAnOrder() async throws {
        let script = ConversationScript()
            .send("how much is the kit?").expect(.intent("price"))
            .send("the kit arrived broken, i want my money back").expect(.escalation(type: "refund"), .noOrderIntent, .doesNotContain("49 USD"))
            .send("2").expect(.noEscalation)
        try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory) { kit in
            let replies = try await kit.run(script, chatbot: "ecla-main")
            // After a refund request, a bare number still orders the product under discussion.
            #expect(replies.last?.response.orderIntent?.lines.first?.sku == "ECLA-KIT-01")
        }
    }

    @Test func aProductTheShopDoesNotSellGetsTheClosestOnes() async throws {
        let script = ConversationScript()
            .send("do you sell electric toothbrushes?").expect(.intent("not_sold"), .contains("we don't sell that"), .contains("Toothpaste"), .noEscalation)
            .send("3andkon iphone?").expect(.intent("not_sold"))
            .send("do you have wholesale prices").expect(.intent("faq:wholesale"))
        try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory) { kit in
            try await kit.run(script, chatbot: "ecla-main")
        }
    }

    @Test func aTimeQuestionIsNotAPriceQuestion() async throws {
        let script = ConversationScript()
            .send("je laisse les bandes combien de temps ?").expect(.intent("faq:how_to_use_strips"), .contains("30 minutes"))
            .send("thanks a lot!").expect(.intent("smalltalk.thanks"), .noOrderIntent)
        try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory) { kit in
            try await kit.run(script, chatbot: "ecla-main")
        }
    }

    @Test func theSecondOneAndTheDeliveryDetailsOfAnOrder() async throws {
        let script = ConversationScript()
            .send("how much are the kit and the pen?").expect(.replyCount(2))
            .send("and the second one?").expect(.intent("price"), .contains("18 USD"), .doesNotContain("49 USD"))
            .send("i want 2 of the first one").expect(.orderIntent(sku: "ECLA-KIT-01", quantity: 2))
            .send("my name is rita, deliver to jounieh").expect(.intent("order.details"), .contains("Thanks Rita"), .contains("Jounieh"))
            .send("yes").expect(.intent("order.confirmed"), .orderIntent(sku: "ECLA-KIT-01", quantity: 2), .contains("deliver to Jounieh"))
        try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory) { kit in
            try await kit.run(script, chatbot: "ecla-main")
        }
    }

    /// The state lives in the stored history: the next `chat` run on the same database carries on.
    @Test func theConversationStateSurvivesTheNextChatRun() async throws {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-cli-state")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestDatabase.withServerTestDatabase { database in
            let arguments = ["chat", "--chatbot", "ecla-main", "--database", database.location, "--config-dir", RepositoryPaths.configDirectory]
            let first = try await CommandLineTool.run(arguments, input: "how much is the whitening pen?\n", workingDirectory: directory)
            #expect(first.status == 0 && first.stdout.contains("18 USD"), "\(first)")
            let second = try await CommandLineTool.run(arguments, input: "2\nyes\n", workingDirectory: directory)
            #expect(second.status == 0, "\(second)")
            let lines = second.stdout.split(separator: "\n").map(String.init)
            #expect(lines.filter { $0 == "[order intent: 2 × ECLA-PEN-01]" }.count == 2, "\(second.stdout)")
            #expect(second.stdout.contains("Your order is confirmed"), "\(second.stdout)")
        }
    }
}
