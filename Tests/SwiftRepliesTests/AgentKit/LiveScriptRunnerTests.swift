import Foundation
import SwiftRepliesChannels
import SwiftRepliesCore
import SwiftRepliesTesting
import Testing

/// One script, played in-process by the kit and against a live server over signed Meta webhooks,
/// gives the same replies.
@Suite struct LiveScriptRunnerTests {
    static let script = ConversationScript()
        .send("hi").expect(.intent("greeting"), .contains("ECLA"))
        .send("how much is the whitening kit?").expect(.contains("ECLA Teeth Whitening Kit"), .contains("49 USD"))
        .send("how long does delivery take?").expect(.intent("faq:shipping_time"), .contains("working days"))
        .send("I want to order 2 whitening pens").expect(.orderIntent(sku: "ECLA-PEN-01", quantity: 2), .contains("36 USD"))
        .send("shh").expect(.silent, .stoppedBy("test_quiet"))
        .send("do you sell cars?").expect(.intent("not_sold"), .contains("we don't sell that"))

    @Test func theSameScriptGivesTheSameRepliesInProcessAndOverTheChannel() async throws {
        // The shipped configuration, with a middleware that keeps the bot quiet on "shh".
        let configuration = try AgentKitFixture.quietConfiguration()
        defer { try? FileManager.default.removeItem(at: configuration) }
        let inProcess = try await AgentTestKit.with(configDirectory: configuration.path, registries: AgentKitFixture.registries()) { kit in
            try await kit.run(Self.script, chatbot: "ecla-main", from: "+96170123456")
        }
        #expect(inProcess.count == 6)
        #expect(inProcess[4].messages.isEmpty)

        try await ServerHarness.with(
            registries: AgentKitFixture.registries(),
            prepare: { directory in try AgentKitFixture.addQuietMiddleware(to: directory.appendingPathComponent("agents/ecla_sales_agent.yaml")) }
        ) { server in
            do {
                let port = try #require(server.client.port)
                let runner = try LiveScriptRunner(
                    baseURL: try #require(URL(string: "http://127.0.0.1:\(port)")), appSecret: ServerHarness.metaSecret,
                    chatbotNumber: "+961 79 374 241", phoneNumberID: ServerHarness.eclaPhoneNumberID, recorder: server.provider
                )
                let live = try await runner.run(Self.script, from: "+96170123456")
                #expect(live.replies.map(\.messages) == inProcess.map(\.messages))
                #expect(live.replies.filter(\.messages.isEmpty).count == 1, "only \"shh\" goes unanswered")
                // Intents, order intents and middleware names are not visible over the channel:
                // listed, not failed.
                #expect(live.unchecked.count == 5, "\(live.unchecked)")
                #expect(live.unchecked.first == "step 1: intent greeting (not visible over the channel)")

                // A wrong expectation fails over the channel too, with what was sent.
                let wrong = ConversationScript().send("how much is the whitening pen?").expect(.contains("99 USD")).send("shh").expect(.silent)
                do {
                    try await runner.run(wrong, from: "+96170123457")
                    Issue.record("a wrong expectation passed over the channel")
                } catch let error as ScriptFailures {
                    #expect(error.failures.map(\.step) == [1])
                    #expect(error.failures.first?.replies.first?.contains("18 USD") == true, "\(error)")
                }
            } catch {
                Issue.record("live run failed: \(error)")
            }
        }
    }

    @Test func webhookSignatureMatchesTheServers() {
        let bodies: [[UInt8]] = [[], Array("{\"object\":\"whatsapp_business_account\"}".utf8), Array(repeating: 0x61, count: 1_000)]
        for secret in ["test-meta-app-secret", String(repeating: "k", count: 100)] {
            for body in bodies {
                let signature = WebhookSigning.metaSignature(body: body, appSecret: secret)
                #expect(signature == MetaSignature.header(body: body, appSecret: secret))
                #expect(MetaSignature.isValid(header: signature, body: body, appSecret: secret))
            }
        }
    }
}
