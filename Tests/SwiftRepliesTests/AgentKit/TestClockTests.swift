import Foundation
import SwiftRepliesCore
import SwiftRepliesTesting
import Testing

/// The kit's clock: instructions expire when it passes their expiry, and messages are stored at
/// its time.
@Suite struct TestClockTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01 00:00 UTC

    @Test func movingTheClockPastAnInstructionsExpiryRemovesItFromTheTurn() async throws {
        let script = ConversationScript()
            .instruct("offer free delivery", expiresIn: .seconds(3600))
            .instruct("call her Dr. Haddad")
            .send("how much is the kit?").expect(.instruction(containing: "free delivery"), .instruction(containing: "Haddad"))
            .advanceClock(by: .seconds(3599))
            .send("and the pen?").expect(.instruction(containing: "free delivery"))
            .advanceClock(by: .seconds(2))
            .send("and the strips?").expect(.instruction(containing: "Haddad"), .doesNotContain("free delivery"))
        let clock = TestClock(start: Self.start)
        let replies = try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory, clock: clock) { kit in
            try await kit.run(script, chatbot: "ecla-main")
        }
        #expect(replies.count == 3)
        #expect(replies.last?.turn?.context.instructions.map(\.text) == ["call her Dr. Haddad"])
        #expect(replies.last?.turn?.startedAt == Self.start.addingTimeInterval(3601))
        #expect(clock.now == Self.start.addingTimeInterval(3601))
    }

    @Test func anExpectationOfExpiryFailsWhileTheClockStandsStill() async throws {
        let script = ConversationScript()
            .instruct("offer free delivery", expiresIn: .seconds(60))
            .send("hi").expect(.noInstructions)
        let failures = try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory, clock: TestClock(start: Self.start)) { kit in
            do {
                try await kit.run(script, chatbot: "ecla-main")
                return [ScriptFailure]()
            } catch let error as ScriptFailures {
                return error.failures
            }
        }
        #expect(failures.count == 1)
        #expect(failures.first?.found == "instructions \"offer free delivery\"")
    }

    @Test func messagesAreStoredAtTheClocksTime() async throws {
        let clock = TestClock(start: Self.start)
        try await AgentTestKit.with(configDirectory: RepositoryPaths.configDirectory, clock: clock) { kit in
            let conversation = try kit.conversation(chatbot: "ecla-main")
            _ = try await conversation.send("hi")
            clock.advance(by: .seconds(86_400))
            _ = try await conversation.send("hi again")
            let key = try await conversation.key()
            let stored = try await kit.host.stores.contacts.messages(tenantID: key.tenantID, contactID: key.contactID, limit: 10)
            let inbound = stored.filter { $0.direction == .inbound }.map(\.createdAt)
            #expect(inbound == [Self.start, Self.start.addingTimeInterval(86_400)])
        }
    }
}
