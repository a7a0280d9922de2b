import Foundation
import SwiftRepliesCore
import SwiftRepliesTesting
import Testing

/// Scripts that involve an operator: Actions Center requests created, approved, denied and
/// expired, and a takeover, checked through the kit's default probe on the ECLA agent.
@Suite struct OperatorStepsTests {
    @Test func requestsAreCreatedResolvedAndExpiredAndATakeoverSilencesTheBot() async throws {
        let script = ConversationScript()
            .send("can I get a 25% discount on the kit?")
            .expect(.escalation(type: "discount_approval", amount: 25), .actionCreated(type: "discount_approval"))
            .expect(.effect(kind: "action_created", attributes: ["amount": "25", "status": "pending"]))
            .operatorDecides(.approved, response: "Enjoy!")
            .expect(.actionResolved(outcome: "approved"), .intent("action.approved"), .noEscalation)
            .send("can I get 30% off the whitening strips?").expect(.actionCreated(type: "discount_approval"))
            .operatorDecides(.denied).expect(.actionResolved(outcome: "denied"), .intent("action.denied"))
            .send("I want a refund").expect(.actionCreated(type: "refund"), .escalation(type: "refund"))
            .advanceClock(by: .seconds(61 * 60))
            .expirePendingActions().expect(.actionResolved(outcome: "expired"), .intent("action.expired"))
            .operatorTakesOver()
            .send("hello? anyone?").expect(.silent, .stoppedBy("live_takeover"), .takeover)
            .operatorReleases()
            .send("hi").expect(.intent("greeting"), .noEscalation)
        try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory) { kit in
            let replies = try await kit.run(script, chatbot: "ecla-main")
            #expect(replies.count == 8)
            // What was checked is real: the approval reached the agent as a resolution turn.
            guard case .actionResolved(let resolution)? = replies[1].turn?.trigger else {
                Issue.record("the approval did not run a resolution turn: \(String(describing: replies[1].turn?.trigger))")
                return
            }
            #expect(resolution.outcome == .approved)
            #expect(resolution.response == "Enjoy!")
        }
    }

    @Test func actionExpectationsFailWhenNothingHappened() async throws {
        let script = ConversationScript()
            .send("hi").expect(.actionCreated(), .takeover)
            .send("can I get a 25% discount on the kit?").expect(.actionCreated(type: "refund"), .actionResolved())
        let failures = try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory) { kit in
            do {
                try await kit.run(script, chatbot: "ecla-main")
                return [ScriptFailure]()
            } catch let error as ScriptFailures {
                return error.failures
            }
        }
        #expect(failures.map(\.step) == [1, 1, 2, 2])
        #expect(failures[2].found?.contains("action_created(") == true, "\(failures[2])")
    }

    @Test func decidingWithoutAPendingRequestIsAMisuse() async throws {
        await #expect(throws: ScriptError.self) {
            try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory) { kit in
                try await kit.run(ConversationScript().send("hi").operatorDecides(.approved), chatbot: "ecla-main")
            }
        }
    }
}
