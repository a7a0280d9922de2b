import Foundation
import SwiftRepliesCore
import SwiftRepliesTesting
import Testing

/// Every expectation of the kit, met by one real reply and not met by another (so none of them
/// passes vacuously), on the ECLA agent behind the real middleware and store.
@Suite struct ReplyExpectationTests {
    /// Real replies of the ECLA agent (with `test_quiet` in front), by name.
    static func replies(probes: [any TurnEffectProbe] = []) async throws -> [String: TurnReply] {
        let file = try AgentKitFixture.quietEclaAgentFile()
        defer { AgentKitFixture.removeDirectory(of: file) }
        return try await AgentTestKit.with(agentFile: file, registries: AgentKitFixture.registries(), probes: probes) { kit in
            let conversation = try kit.conversation()
            var replies: [String: TurnReply] = [:]
            replies["greeting"] = try await conversation.send("hi")
            replies["discount"] = try await conversation.send("can I get a 25% discount on the kit?")
            replies["order"] = try await conversation.send("I want to order 2 whitening pens")
            replies["small discount"] = try await conversation.send("can I get 5% off the whitening pen?")
            replies["faq"] = try await conversation.send("how long does delivery take?")
            replies["quiet"] = try await conversation.send("shh")
            try await conversation.addInstruction("offer free delivery", expiresIn: .seconds(600))
            replies["instructed"] = try await conversation.send("how much is the kit?")
            return replies
        }
    }

    /// (expectation, the reply that meets it, a reply that does not).
    static let cases: [(ReplyExpectation, String, String)] = [
        (.contains("ecla"), "greeting", "quiet"),
        (.doesNotContain("USD"), "greeting", "instructed"),
        (.matches(#"\b49 USD\b"#), "instructed", "greeting"),
        (.replyCount(1), "greeting", "quiet"),
        (.silent, "quiet", "greeting"),
        (.intent("greeting"), "greeting", "faq"),
        (.stoppedBy("test_quiet"), "quiet", "greeting"),
        (.escalation(), "discount", "greeting"),
        (.escalation(type: "discount_approval"), "discount", "greeting"),
        (.escalation(type: "discount_approval", amount: 25), "discount", "order"),
        (.noEscalation, "greeting", "discount"),
        (.orderIntent(), "order", "greeting"),
        (.orderIntent(sku: "ECLA-PEN-01", quantity: 2), "order", "small discount"),
        (.orderDiscount(percent: 5), "small discount", "order"),
        (.noOrderIntent, "greeting", "order"),
        (.instruction(containing: "FREE delivery"), "instructed", "greeting"),
        (.noInstructions, "greeting", "instructed"),
        (.knowledgeHit(id: "shipping_time"), "faq", "greeting"),
    ]

    @Test func everyExpectationCanPassAndFail() async throws {
        let replies = try await Self.replies()
        for (expectation, meeting, failing) in Self.cases {
            let met = try #require(replies[meeting])
            let unmet = try #require(replies[failing])
            #expect(expectation.isMet(by: met), "\(expectation) should be met by \"\(met.sent)\": \(met.messages), \(met.response)")
            #expect(!expectation.isMet(by: unmet), "\(expectation) should not be met by \"\(unmet.sent)\": \(unmet.messages)")
        }
        // Amounts and quantities are compared, not only present.
        let discount = try #require(replies["discount"])
        #expect(!ReplyExpectation.escalation(type: "discount_approval", amount: 20).isMet(by: discount))
        #expect(!ReplyExpectation.escalation(type: "refund").isMet(by: discount))
        let order = try #require(replies["order"])
        #expect(!ReplyExpectation.orderIntent(sku: "ECLA-PEN-01", quantity: 3).isMet(by: order))
        #expect(!ReplyExpectation.orderIntent(sku: "ECLA-KIT-01").isMet(by: order))
        // The silenced turn never reached the agent; the others carry the turn it received.
        #expect(replies["quiet"]?.turn == nil)
        #expect(replies["quiet"]?.outbox.isEmpty == true)
        #expect(replies["greeting"]?.turn?.text == "hi")
    }

    /// `actionCreated`, `actionResolved` and `takeover` are extension points: without a probe
    /// they fail and say why; a probe's effects make them pass.
    @Test func effectExpectationsNeedAProbe() async throws {
        let without = try #require(try await Self.replies()["discount"])
        guard case .unmet(let found) = ReplyExpectation.actionCreated(type: "discount_approval").check(without) else {
            Issue.record("actionCreated met without any probe")
            return
        }
        #expect(found.contains("TurnEffectProbe"))
        #expect(!ReplyExpectation.takeover.isMet(by: without))

        let withProbe = try await Self.replies(probes: [AgentKitFixture.EscalationAsActionProbe()])
        let discount = try #require(withProbe["discount"])
        #expect(discount.effects.first?.attributes["amount"] == "25.0")
        #expect(ReplyExpectation.actionCreated(type: "discount_approval").isMet(by: discount))
        #expect(!ReplyExpectation.actionCreated(type: "refund").isMet(by: discount))
        #expect(!ReplyExpectation.actionCreated().isMet(by: try #require(withProbe["greeting"])))
        #expect(!ReplyExpectation.actionResolved(outcome: "approved").isMet(by: discount))
    }

    /// A script reports every unmet expectation at once, with its step and what was found.
    @Test func scriptListsEveryFailureWithWhatWasFound() async throws {
        let script = ConversationScript()
            .send("hi").expect(.intent("greeting"), .escalation(type: "human_handoff"))
            .send("can I get a 25% discount on the kit?").expect(.escalation(type: "discount_approval", amount: 10))
            .instruct("call her Dr. Haddad").expect(.contains("Haddad"))
            .send("how much is the kit?").expect(.instruction(containing: "Haddad"), .contains("49 USD"))
        let outcome = try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory) { kit in
            do {
                try await kit.run(script, chatbot: "ecla-main")
                return [ScriptFailure]()
            } catch let failures as ScriptFailures {
                return failures.failures
            }
        }
        #expect(outcome.map(\.step) == [1, 2, 3])
        #expect(outcome.first?.description.contains("expected an escalation of type human_handoff") == true)
        #expect(outcome.first?.found == "no escalation")
        #expect(outcome.dropFirst().first?.found == "an escalation of type discount_approval for 25", "\(outcome)")
        #expect(outcome.last?.found == "this step ran no turn")
    }

    /// A custom step (the extension point for operator actions) can run a turn whose reply the
    /// following expectations check.
    @Test func customStepsCanRunATurn() async throws {
        let script = ConversationScript()
            .perform("customer sends a voice note transcript") { context in
                try await context.conversation.send("how long does delivery take?")
            }
            .expect(.intent("faq:shipping_time"))
            .perform("operator looks at the conversation") { context in
                #expect(context.key.chatbotID == "ecla-main")
                return nil
            }
        _ = try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory) { kit in
            try await kit.run(script, chatbot: "ecla-main")
        }
    }
}
