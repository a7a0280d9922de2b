import Foundation
import HTTPTypes
import SwiftRepliesChannels
import Testing

/// The webhook server over real HTTP: fixtures in, rows in SQLite, replies out at a local fake
/// provider.
@Suite(.serialized) struct WebhookServerTests {
    @Test func metaTextIsStoredThenAnsweredThroughTheProvider() async throws {
        try await ServerHarness.with { server in
            let body = try RoutedFixture.meta("inbound_text", id: "wamid.e2e-1", text: "how much is the whitening kit?")
            let response = try await server.postMeta(body)
            #expect(response.status == .ok)
            // Committed before the 200.
            #expect(try await server.count("SELECT count(*) FROM messages WHERE direction = 'inbound' AND provider_message_id = 'wamid.e2e-1' AND chatbot_id = 'ecla-main'") == 1)
            try await server.eventually("the reply at the provider") { await server.sent().count == 1 }
            let sent = try #require(await server.sent().first)
            #expect(sent.path == "/v21.0/\(ServerHarness.eclaPhoneNumberID)/messages")
            #expect(sent.headers["authorization"] == "Bearer \(ServerHarness.metaAccessToken)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any])
            let fixture = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            let customer = ((((fixture["entry"] as? [[String: Any]])?.first?["changes"] as? [[String: Any]])?.first?["value"] as? [String: Any])?["messages"] as? [[String: Any]])?.first?["from"] as? String
            #expect(json["to"] as? String == customer)
            let text = (json["text"] as? [String: Any])?["body"] as? String ?? ""
            #expect(text.contains("ECLA Teeth Whitening Kit"))
            #expect(text.contains("49 USD"))
            try await server.eventually("the reply marked accepted") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'accepted' AND provider_message_id LIKE 'wamid.sent-%'") == 1
            }
            #expect(try await server.count("SELECT count(*) FROM messages WHERE direction = 'inbound' AND status = 'processed' AND ai_processed = TRUE") == 1)
        }
    }

    /// What the hot path counts at `/metrics`: the accepted webhooks, the stored and duplicate
    /// messages by tenant, the answered turn with its duration, the accepted send. The registry is
    /// the process's and other suites run at the same time, so the tenant gets an id of its own
    /// and the test reads each series before and after.
    @Test func theHotPathIsCountedAtMetrics() async throws {
        let tenant = "metrics-\(UInt32.random(in: 0...UInt32.max))"
        let prepare: @Sendable (URL) throws -> Void = { directory in
            let url = directory.appendingPathComponent("tenants.yaml")
            let tenants = try String(contentsOf: url, encoding: .utf8)
            try tenants.replacingOccurrences(of: "  - id: swiftreplies\n", with: "  - id: \(tenant)\n").write(to: url, atomically: true, encoding: .utf8)
        }
        try await ServerHarness.with(prepare: prepare) { server in
            let series: [(name: String, labels: [String])] = [
                ("swiftreplies_webhooks_total", [#"provider="meta""#, #"outcome="accepted""#]),
                ("swiftreplies_inbound_messages_total", [#"provider="meta""#, "tenant=\"\(tenant)\"", #"outcome="stored""#]),
                ("swiftreplies_inbound_messages_total", [#"provider="meta""#, "tenant=\"\(tenant)\"", #"outcome="duplicate""#]),
                ("swiftreplies_turns_total", ["tenant=\"\(tenant)\"", #"outcome="answered""#]),
                ("swiftreplies_turn_duration_seconds_count", ["tenant=\"\(tenant)\""]),
                ("swiftreplies_sends_total", ["tenant=\"\(tenant)\"", #"outcome="accepted""#]),
            ]
            func values() async throws -> [Double] {
                let lines = try await server.get("/metrics").body.split(separator: "\n")
                return series.map { series in
                    let line = lines.first { line in
                        line.hasPrefix(series.name + "{") && series.labels.allSatisfy { line.contains($0) }
                    }
                    return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
                }
            }
            let before = try await values()
            let body = try RoutedFixture.meta("inbound_text", id: "wamid.metrics-1", text: "how much is the whitening kit?", from: "96171009999")
            #expect(try await server.postMeta(body).status == .ok)
            #expect(try await server.postMeta(body).status == .ok)
            try await server.eventually("the reply marked accepted") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'accepted'") == 1
            }
            let after = try await values()
            let increments = zip(before, after).map { $1 - $0 }
            let described = "\(zip(series.map(\.name), increments).map { "\($0) +\($1)" })"
            // Other suites' Meta webhooks count in the first series too; the tenant's are its own.
            #expect(increments[0] >= 2, "\(described)")
            #expect(Array(increments.dropFirst()) == [1, 1, 1, 1, 1], "\(described)")
        }
    }

    @Test func everyMetaFixtureIsStoredAndOnlyUsableKindsAreAnswered() async throws {
        try await ServerHarness.with { server in
            let fixtures: [(String, String, Bool)] = [
                ("inbound_text", "text", true), ("inbound_text_meta_docs", "text", true), ("inbound_interactive_button_reply", "button", true),
                ("inbound_interactive_list_reply", "list_reply", true), ("inbound_template_quick_reply_button", "button", true),
                ("inbound_image", "image", false), ("inbound_video_with_caption", "video", true), ("inbound_document_with_caption", "document", true),
                ("inbound_location", "location", false), ("inbound_reaction", "reaction", false),
            ]
            for (index, fixture) in fixtures.enumerated() {
                // Distinct customers, so each message is its own conversation and turn.
                let body = try RoutedFixture.meta(fixture.0, id: "wamid.kind-\(index)", from: "9617100\(1000 + index)")
                let response = try await server.postMeta(body)
                #expect(response.status == .ok, "\(fixture.0): \(response.body)")
            }
            for (index, fixture) in fixtures.enumerated() {
                let rows = try await server.query("SELECT kind FROM messages WHERE provider_message_id = ?", [.text("wamid.kind-\(index)")])
                #expect(rows.count == 1, "\(fixture.0) stored once")
                #expect(rows.first?.column("kind")?.string == fixture.1, "\(fixture.0) kind")
            }
            let answerable = fixtures.filter(\.2).count
            try await server.eventually("every turn finished") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'inbound' AND status = 'processed'") == fixtures.count
            }
            try await server.eventually("replies for the answerable kinds") { await server.sent().count == answerable }
            try await Task.sleep(for: .milliseconds(300))
            #expect(await server.sent().count == answerable, "reactions, locations and media without caption get no reply")
            let silent = try await server.count("SELECT count(*) FROM messages WHERE direction = 'inbound' AND intent = 'not_answerable'")
            #expect(silent == fixtures.count - answerable)
        }
    }

    @Test func aProviderRetryIsAcknowledgedAndNotAnsweredAgain() async throws {
        try await ServerHarness.with { server in
            let body = try RoutedFixture.meta("inbound_text", id: "wamid.dup-1", text: "hi")
            #expect(try await server.postMeta(body).status == .ok)
            #expect(try await server.postMeta(body).status == .ok)
            try await server.eventually("one reply") { await server.sent().count == 1 }
            #expect(try await server.postMeta(body).status == .ok)
            try await Task.sleep(for: .milliseconds(500))
            #expect(await server.sent().count == 1)
            #expect(try await server.count("SELECT count(*) FROM messages WHERE provider_message_id = 'wamid.dup-1'") == 1)
        }
    }

    @Test func badOrMissingSignaturesAre401AndStoreNothing() async throws {
        try await ServerHarness.with { server in
            let body = try RoutedFixture.meta("inbound_text", id: "wamid.badsig", text: "hi")
            var tampered = body
            tampered[tampered.count / 2] ^= 0x01
            let wrongSecret = MetaSignature.header(body: body, appSecret: "not-the-secret")
            let withoutPrefix = String(MetaSignature.header(body: body, appSecret: ServerHarness.metaSecret).dropFirst("sha256=".count))
            let cases: [(String, [UInt8], String?, Bool)] = [
                ("tampered", tampered, MetaSignature.header(body: body, appSecret: ServerHarness.metaSecret), true),
                ("wrong secret", body, wrongSecret, true), ("no prefix", body, withoutPrefix, true), ("missing", body, nil, false),
            ]
            for (name, payload, signature, sign) in cases {
                let response = try await server.postMeta(payload, signature: signature, sign: sign)
                #expect(response.status == .unauthorized, "\(name)")
                #expect(response.body.contains("signature"), "\(name): clear error")
            }
            #expect(try await server.postInfobip(try RoutedFixture.infobip("inbound_text"), secret: "wrong").status == .unauthorized)
            #expect(try await server.postInfobip(try RoutedFixture.infobip("inbound_text"), secret: nil).status == .unauthorized)
            #expect(try await server.postTwilio(try RoutedFixture.twilio("inbound_text"), sign: false).status == .unauthorized)
            #expect(try await server.count("SELECT count(*) FROM messages") == 0)
            #expect(try await server.count("SELECT count(*) FROM unroutable_messages") == 0)
        }
    }

    @Test func oversizedBodiesAre413AndMalformedOnes400() async throws {
        try await ServerHarness.with(maximumBodyBytes: 16 * 1024) { server in
            let big = Array(repeating: UInt8(ascii: "a"), count: 64 * 1024)
            let oversized = try await server.postMeta(big)
            #expect(oversized.status == .contentTooLarge)
            #expect(oversized.body.contains("larger than"))
            let malformed: [[UInt8]] = [
                Array("not json".utf8), Array("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{\"messages\":\"nope\"}}]}]}".utf8),
                Array("{\"object\":\"page\"}".utf8),
            ]
            for body in malformed {
                let response = try await server.postMeta(body)
                #expect(response.status == .badRequest, "\(String(decoding: body, as: UTF8.self))")
                #expect(response.body.contains("malformed"))
            }
            #expect(try await server.postInfobip(Array("{\"results\": 5}".utf8)).status == .badRequest)
            #expect(try await server.count("SELECT count(*) FROM messages") == 0)
        }
    }

    @Test func unknownNumbersAre200StoredAsUnroutableAndCounted() async throws {
        try await ServerHarness.with { server in
            // The fixture's own destination (Meta's docs number) belongs to no tenant.
            let body = try Array(RoutedFixture.data("meta/inbound_text_meta_docs.json"))
            #expect(try await server.postMeta(body).status == .ok)
            #expect(try await server.postInfobip(Array(try RoutedFixture.data("infobip/inbound_text.json"))).status == .ok)
            #expect(try await server.count("SELECT count(*) FROM unroutable_messages") == 2)
            #expect(try await server.count("SELECT count(*) FROM messages") == 0)
            let metrics = try await server.get("/metrics")
            #expect(metrics.body.contains("swiftreplies_unroutable_messages_total{provider=\"meta\"}"))
            try await Task.sleep(for: .milliseconds(200))
            #expect(await server.sent().isEmpty)
        }
    }

    @Test func aProviderThatAnswersTheSameIDForEverySendStillHasEveryReplyRecorded() async throws {
        try await ServerHarness.with(respond: { _ in FakeProviderServer.json(.ok, #"{"messages":[{"id":"wamid.local"}]}"#) }) { server in
            for index in 0..<3 {
                let body = try RoutedFixture.meta("inbound_text", id: "wamid.same-\(index)", text: "hi", from: "9617300000\(index)")
                #expect(try await server.postMeta(body).status == .ok)
            }
            try await server.eventually("three replies accepted") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'accepted'") == 3
            }
            #expect(await server.sent().count == 3)
        }
    }

    @Test func metaVerifyHandshake() async throws {
        try await ServerHarness.with { server in
            let ok = try await server.get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=\(ServerHarness.metaVerifyToken)")
            #expect(ok.status == .ok)
            #expect(ok.body == "1158201444")
            let wrong = try await server.get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=nope")
            #expect(wrong.status == .forbidden)
            let badMode = try await server.get("/webhooks/meta?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=\(ServerHarness.metaVerifyToken)")
            #expect(badMode.status == .forbidden)
        }
    }

    @Test func deliveryStatusesUpdateTheStoredReply() async throws {
        try await ServerHarness.with { server in
            #expect(try await server.postMeta(try RoutedFixture.meta("inbound_text", id: "wamid.status-in", text: "hi")).status == .ok)
            try await server.eventually("the reply accepted") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'accepted'") == 1
            }
            let rows = try await server.query("SELECT provider_message_id FROM messages WHERE direction = 'outbound'")
            let sentID = try #require(rows.first?.column("provider_message_id")?.string)
            #expect(try await server.postMeta(try RoutedFixture.meta("status_delivered", id: sentID)).status == .ok)
            #expect(try await server.postMeta(try RoutedFixture.meta("status_read", id: sentID)).status == .ok)
            // A late "sent" never moves the status back.
            #expect(try await server.postMeta(try RoutedFixture.meta("status_sent", id: sentID)).status == .ok)
            #expect(try await server.query("SELECT status FROM messages WHERE provider_message_id = ?", [.text(sentID)]).first?.column("status")?.string == "read")

            #expect(try await server.postMeta(try RoutedFixture.meta("inbound_text", id: "wamid.status-in-2", text: "hello", from: "96170999999")).status == .ok)
            try await server.eventually("the second reply accepted") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'accepted'") == 1
            }
            let second = try #require(try await server.query("SELECT provider_message_id FROM messages WHERE direction = 'outbound' AND status = 'accepted'").first?.column("provider_message_id")?.string)
            #expect(try await server.postMeta(try RoutedFixture.meta("status_failed_131047_reengagement", id: second)).status == .ok)
            let failed = try await server.query("SELECT status, error_code FROM messages WHERE provider_message_id = ?", [.text(second)])
            #expect(failed.first?.column("status")?.string == "failed")
            #expect(failed.first?.column("error_code")?.string == "131047")
        }
    }

    @Test func infobipInboundOnBothPathsIsAnsweredThroughInfobip() async throws {
        try await ServerHarness.with { server in
            let first = try RoutedFixture.infobip("inbound_text", id: "ib-in-1", text: "combien coûte le stylo blanchissant ?")
            #expect(try await server.postInfobip(first).status == .ok)
            let legacy = try RoutedFixture.infobip("inbound_text", to: "9613451652", id: "ib-in-2", text: "hi")
            #expect(try await server.postInfobip(legacy, path: "/webhook").status == .ok)
            #expect(try await server.count("SELECT count(*) FROM messages WHERE direction = 'inbound' AND provider = 'infobip'") == 2)
            try await server.eventually("two replies") { await server.sent().count == 2 }
            let sent = await server.sent()
            #expect(sent.allSatisfy { $0.path == "/whatsapp/1/message/text" })
            #expect(sent.allSatisfy { $0.headers["authorization"] == "App \(ServerHarness.infobipKey)" })
            let french = try #require(sent.first { $0.bodyText.contains("96179374241") })
            #expect(french.bodyText.contains("Whitening Pen"))
            #expect(french.bodyText.contains("385919998888"))
            try await server.eventually("both accepted by Infobip") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'accepted' AND provider_message_id LIKE 'ib-sent-%'") == 2
            }
        }
    }

    @Test func twilioInboundIsVerifiedOverThePublicURLAndAnsweredThroughTwilio() async throws {
        try await ServerHarness.with { server in
            let form = try RoutedFixture.twilio("inbound_text", sid: "SMe2e1", body: "how much is the mini projector")
            let response = try await server.postTwilio(form)
            #expect(response.status == .ok)
            #expect(response.body.contains("<Response>"))
            try await server.eventually("the reply through Twilio") { await server.sent().count == 1 }
            let sent = try #require(await server.sent().first)
            #expect(sent.path == "/2010-04-01/Accounts/\(ServerHarness.twilioSID)/Messages.json")
            let params = FormURLEncoding.decode(sent.bodyText)
            #expect(params["To"] == "whatsapp:+919900000000")
            #expect(params["Body"]?.contains("Mini Projector") == true)
            #expect(params["Body"]?.contains("79 USD") == true)
            // A status callback for it moves it forward.
            // The provider answered; its message id is recorded with the accepted status.
            try await server.eventually("accepted") { try await server.count("SELECT count(*) FROM messages WHERE status = 'accepted'") == 1 }
            let rows = try await server.query("SELECT provider_message_id FROM messages WHERE direction = 'outbound'")
            let sid = try #require(rows.first?.column("provider_message_id")?.string)
            let callback = try RoutedFixture.twilio("status_callback_delivered", to: "whatsapp:+919900000000", sid: sid)
            #expect(try await server.postTwilio(callback).status == .ok)
            #expect(try await server.query("SELECT status FROM messages WHERE provider_message_id = ?", [.text(sid)]).first?.column("status")?.string == "delivered")
        }
    }

    @Test func healthReportsConfigurationDatabaseAndQueues() async throws {
        try await ServerHarness.with(environment: ["INFOBIP_API_KEY": ""]) { server in
            let health = try await server.get("/health")
            #expect(health.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
            #expect(json["status"] as? String == "ok")
            let config = try #require(json["config"] as? [String: Any])
            #expect(config["revision"] as? Int == 1)
            #expect(config["tenants"] as? Int == 2)
            let disabled = try #require(config["disabled_channels"] as? [[String: Any]])
            #expect(disabled.contains { ($0["account"] as? String) == "infobip_main" && (($0["reason"] as? String)?.contains("INFOBIP_API_KEY") ?? false) })
            #expect(!disabled.contains { ($0["account"] as? String) == "meta_main" })
            let database = try #require(json["database"] as? [String: Any])
            #expect(database["backend"] as? String == server.database.backend.rawValue)
            #expect(database["reachable"] as? Bool == true)
            #expect((json["queue"] as? [String: Any])?["pending"] as? Int == 0)
            #expect((json["outbox"] as? [String: Any])?["pending"] as? Int == 0)
        }
    }
}

