import Foundation
import HTTPTypes
import SwiftRepliesChannels
import Testing

/// One business's provider account never reaches another business's chatbot. Each provider has
/// two accounts here, one per tenant (ECLA on `*_main`, AstroSouks on `*_astro`): a webhook signed
/// with one account's secret (Meta app secret, Infobip webhook secret, Twilio auth token) is
/// refused (401, nothing stored, nothing sent) for the other account's numbers and for numbers the
/// provider does not serve at all, a Meta batch is checked entry by entry (dropped entries counted
/// at `/metrics`), and a delivery status changes only messages of the signing account's chatbots.
@Suite(.serialized) struct WebhookAccountTests {
    /// A seed tenant, its number and the secrets of its own account on each provider.
    enum Tenant: String, Sendable {
        case ecla, astro

        var id: String { self == .ecla ? "swiftreplies" : "astrosouks" }
        var chatbot: String { self == .ecla ? "ecla-main" : "astrosouks-bot" }
        var number: String { self == .ecla ? "96179374241" : "9613451652" }
        var metaSecret: String { self == .ecla ? ServerHarness.metaSecret : WebhookAccountTests.astroMetaSecret }
        var infobipSecret: String { self == .ecla ? ServerHarness.infobipSecret : WebhookAccountTests.astroInfobipSecret }
        var twilioToken: String { self == .ecla ? ServerHarness.twilioToken : WebhookAccountTests.astroTwilioToken }
        var other: Tenant { self == .ecla ? .astro : .ecla }
    }

    enum Provider: String, CaseIterable, Sendable { case meta, infobip, twilio }

    static let astroMetaSecret = "test-meta-astro-app-secret"
    static let astroMetaAccessToken = "test-meta-astro-access-token"
    static let astroInfobipKey = "test-infobip-astro-key"
    static let astroInfobipSecret = "test-infobip-astro-webhook-secret"
    static let astroTwilioSID = "ACastro"
    static let astroTwilioToken = "test-twilio-astro-token"

    static let environment = [
        "META_ASTRO_APP_SECRET": astroMetaSecret, "META_ASTRO_VERIFY_TOKEN": "test-astro-verify-token",
        "META_ASTRO_ACCESS_TOKEN": astroMetaAccessToken, "INFOBIP_ASTRO_API_KEY": astroInfobipKey,
        "INFOBIP_ASTRO_WEBHOOK_SECRET": astroInfobipSecret, "TWILIO_ASTRO_ACCOUNT_SID": astroTwilioSID,
        "TWILIO_ASTRO_AUTH_TOKEN": astroTwilioToken,
    ]

    /// Replaces everything from `accounts:` on (whatever the harness rewrote there) with two
    /// accounts per provider and each tenant bound to its own account on every provider.
    static let twoAccountsPerProvider: @Sendable (URL) throws -> Void = { directory in
        let url = directory.appendingPathComponent("tenants.yaml")
        let shipped = try String(contentsOf: url, encoding: .utf8)
        guard let accounts = shipped.range(of: "\naccounts:\n") else {
            throw ServerHarnessError(description: "tenants.yaml has no accounts: section")
        }
        let rewritten = String(shipped[..<accounts.lowerBound]) + """

            accounts:
              meta_main:
                provider: meta
                app_secret: ${META_APP_SECRET}
                verify_token: ${META_VERIFY_TOKEN}
                access_token: ${META_ACCESS_TOKEN}
                api_version: v21.0
              meta_astro:
                provider: meta
                app_secret: ${META_ASTRO_APP_SECRET}
                verify_token: ${META_ASTRO_VERIFY_TOKEN}
                access_token: ${META_ASTRO_ACCESS_TOKEN}
                api_version: v21.0
              infobip_main:
                provider: infobip
                api_key: ${INFOBIP_API_KEY}
                webhook_secret: ${INFOBIP_WEBHOOK_SECRET}
              infobip_astro:
                provider: infobip
                api_key: ${INFOBIP_ASTRO_API_KEY}
                webhook_secret: ${INFOBIP_ASTRO_WEBHOOK_SECRET}
              twilio_main:
                provider: twilio
                account_sid: ${TWILIO_ACCOUNT_SID}
                auth_token: ${TWILIO_AUTH_TOKEN}
                public_url: ${PUBLIC_URL}
              twilio_astro:
                provider: twilio
                account_sid: ${TWILIO_ASTRO_ACCOUNT_SID}
                auth_token: ${TWILIO_ASTRO_AUTH_TOKEN}
                public_url: ${PUBLIC_URL}

            tenants:
              - id: swiftreplies
                name: SwiftReplies (ECLA)
                subscription:
                  plan: unlimited
                chatbots:
                  - id: ecla-main
                    name: SwiftReplies main bot
                    agent: ecla_sales_agent
                    channels:
                      - account: meta_main
                        number: "+961 79 374 241"
                        phone_number_id: "\(ServerHarness.eclaPhoneNumberID)"
                      - account: infobip_main
                        number: "96179374241"
                      - account: twilio_main
                        number: "+961 79 374 241"
              - id: astrosouks
                name: AstroSouks
                subscription:
                  plan: starter
                chatbots:
                  - id: astrosouks-bot
                    name: AstroSouks bot
                    agent: astrosouks_sales_agent
                    channels:
                      - account: meta_astro
                        number: "+961 3 451 652"
                        phone_number_id: "\(ServerHarness.astroPhoneNumberID)"
                      - account: infobip_astro
                        number: "9613451652"
                      - account: twilio_astro
                        number: "+961 3 451 652"

            """
        try rewritten.write(to: url, atomically: true, encoding: .utf8)
    }

    static func withTwoAccounts(_ body: @Sendable (ServerHarness) async throws -> Void) async throws {
        try await ServerHarness.with(environment: environment, prepare: twoAccountsPerProvider, body)
    }

    @Test(arguments: Provider.allCases)
    func oneTenantsSecretIsRefusedForTheOtherTenantsNumber(provider: Provider) async throws {
        try await Self.withTwoAccounts { server in
            let before = try await Self.dropped(provider, server)
            let toAstro = try await Self.postText(provider, to: .astro, signedBy: .ecla, id: "x-\(provider)-1", server)
            #expect(toAstro.status == .unauthorized, "\(toAstro.body)")
            #expect(toAstro.body.contains("does not serve"), "\(toAstro.body)")
            let toECLA = try await Self.postText(provider, to: .ecla, signedBy: .astro, id: "x-\(provider)-2", server)
            #expect(toECLA.status == .unauthorized, "\(toECLA.body)")
            #expect(try await Self.dropped(provider, server) - before == 2)
            #expect(try await server.count("SELECT count(*) FROM messages") == 0)
            #expect(try await server.count("SELECT count(*) FROM contacts") == 0)
            #expect(try await server.count("SELECT count(*) FROM unroutable_messages") == 0)
            try await Task.sleep(for: .milliseconds(300))
            #expect(await server.sent().isEmpty, "nothing answered for a refused webhook")

            // The same message signed with AstroSouks' own secret is stored and answered.
            let own = try await Self.postText(provider, to: .astro, signedBy: .astro, id: "x-\(provider)-3", server)
            #expect(own.status == .ok, "\(own.body)")
            #expect(
                try await server.count(
                    "SELECT count(*) FROM messages WHERE direction = 'inbound' AND provider_message_id = ? AND tenant_id = 'astrosouks' AND chatbot_id = 'astrosouks-bot'",
                    [.text("x-\(provider)-3")]
                ) == 1
            )
            #expect(try await server.count("SELECT count(*) FROM messages WHERE tenant_id <> 'astrosouks'") == 0)
            try await server.eventually("AstroSouks' reply at the provider") { await !server.sent().isEmpty }
            let sent = try #require(await server.sent().first)
            switch provider {
            case .meta:
                #expect(sent.path == "/v21.0/\(ServerHarness.astroPhoneNumberID)/messages")
                #expect(sent.headers["authorization"] == "Bearer \(Self.astroMetaAccessToken)")
            case .infobip:
                #expect(sent.path == "/whatsapp/1/message/text")
                #expect(sent.headers["authorization"] == "App \(Self.astroInfobipKey)")
            case .twilio:
                #expect(sent.path == "/2010-04-01/Accounts/\(Self.astroTwilioSID)/Messages.json")
            }
        }
    }

    @Test func aMetaBatchIsCheckedEntryByEntry() async throws {
        try await Self.withTwoAccounts { server in
            let before = try await Self.dropped(.meta, server)
            let batch = try Self.metaBatch([
                RoutedFixture.meta("inbound_text", to: "ecla", id: "wamid.batch-ecla", text: "hi"),
                RoutedFixture.meta("inbound_text", to: "astro", id: "wamid.batch-astro", text: "hi"),
            ])
            let response = try await server.postMeta(batch)
            #expect(response.status == .ok, "\(response.body)")
            #expect(try await Self.dropped(.meta, server) - before == 1)
            let stored = try await server.query("SELECT provider_message_id, tenant_id, chatbot_id FROM messages WHERE direction = 'inbound'")
            #expect(stored.count == 1)
            #expect(stored.first?.column("provider_message_id")?.string == "wamid.batch-ecla")
            #expect(stored.first?.column("tenant_id")?.string == "swiftreplies")
            #expect(stored.first?.column("chatbot_id")?.string == "ecla-main")
            try await server.eventually("ECLA's reply") { await server.sent().count == 1 }
            #expect(await server.sent().first?.path == "/v21.0/\(ServerHarness.eclaPhoneNumberID)/messages")

            // An entry for a number nobody serves is still accepted (kept as unroutable), so a
            // batch of it and another account's entry is answered 200 and only the latter dropped.
            let unknown = try Array(RoutedFixture.data("meta/inbound_text_meta_docs.json"))
            let mixed = try Self.metaBatch([RoutedFixture.meta("inbound_text", to: "astro", id: "wamid.batch-astro-2", text: "hi"), unknown])
            #expect(try await server.postMeta(mixed).status == .ok)
            #expect(try await Self.dropped(.meta, server) - before == 2)
            #expect(try await server.count("SELECT count(*) FROM unroutable_messages") == 1)
            #expect(try await server.count("SELECT count(*) FROM messages WHERE tenant_id = 'astrosouks'") == 0)
        }
    }

    @Test func aDeliveryStatusChangesOnlyTheSigningAccountsMessages() async throws {
        try await Self.withTwoAccounts { server in
            #expect(try await Self.postText(.meta, to: .astro, signedBy: .astro, id: "wamid.status-astro", server).status == .ok)
            try await server.eventually("AstroSouks' reply accepted") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'accepted' AND chatbot_id = 'astrosouks-bot'") == 1
            }
            let rows = try await server.query("SELECT provider_message_id FROM messages WHERE direction = 'outbound' AND chatbot_id = 'astrosouks-bot'")
            let sentID = try #require(rows.first?.column("provider_message_id")?.string)
            #expect(sentID.hasPrefix("wamid.sent-"))
            func status() async throws -> String? {
                try await server.query("SELECT status FROM messages WHERE provider_message_id = ?", [.text(sentID)]).first?.column("status")?.string
            }

            // Naming AstroSouks' number, signed by ECLA's app: dropped.
            let forAstro = try RoutedFixture.meta("status_failed_131047_reengagement", to: "astro", id: sentID)
            let refused = try await server.postMeta(forAstro, signature: MetaSignature.header(body: forAstro, appSecret: Tenant.ecla.metaSecret))
            #expect(refused.status == .unauthorized, "\(refused.body)")
            #expect(try await status() == "accepted")
            // Naming ECLA's own number but AstroSouks' message: kept, yet it changes nothing.
            let forECLA = try RoutedFixture.meta("status_failed_131047_reengagement", to: "ecla", id: sentID)
            #expect(try await server.postMeta(forECLA, signature: MetaSignature.header(body: forECLA, appSecret: Tenant.ecla.metaSecret)).status == .ok)
            #expect(try await status() == "accepted")

            // Signed by AstroSouks' own app: applied.
            let own = try await server.postMeta(forAstro, signature: MetaSignature.header(body: forAstro, appSecret: Tenant.astro.metaSecret))
            #expect(own.status == .ok, "\(own.body)")
            let failed = try await server.query("SELECT status, error_code FROM messages WHERE provider_message_id = ?", [.text(sentID)])
            #expect(failed.first?.column("status")?.string == "failed")
            #expect(failed.first?.column("error_code")?.string == "131047")
        }
    }

    /// The shipped configuration (plus the harness's Twilio binding for AstroSouks): ECLA's number
    /// is on Meta and Infobip only, so a Twilio message to it is not routed to ECLA's bot.
    @Test func aNumberIsNotReachedThroughAProviderItIsNotConfiguredFor() async throws {
        try await ServerHarness.with { server in
            let before = try await Self.dropped(.twilio, server)
            let form = try RoutedFixture.twilio("inbound_text", to: "whatsapp:+96179374241", sid: "SMcross1", body: "hi")
            let response = try await server.postTwilio(form)
            #expect(response.status == .unauthorized, "\(response.body)")
            #expect(try await Self.dropped(.twilio, server) - before == 1)
            #expect(try await server.count("SELECT count(*) FROM messages") == 0)
            #expect(try await server.count("SELECT count(*) FROM contacts") == 0)
            #expect(try await server.count("SELECT count(*) FROM unroutable_messages") == 0)
            try await Task.sleep(for: .milliseconds(300))
            #expect(await server.sent().isEmpty)
        }
    }

    // MARK: Helpers

    /// Posts a text message to `tenant`'s number through `provider`, signed with `signer`'s secret.
    static func postText(
        _ provider: Provider, to tenant: Tenant, signedBy signer: Tenant, id: String, _ server: ServerHarness
    ) async throws -> (status: HTTPResponse.Status, body: String) {
        switch provider {
        case .meta:
            let body = try RoutedFixture.meta("inbound_text", to: tenant.rawValue, id: id, text: "hi")
            return try await server.postMeta(body, signature: MetaSignature.header(body: body, appSecret: signer.metaSecret))
        case .infobip:
            return try await server.postInfobip(try RoutedFixture.infobip("inbound_text", to: tenant.number, id: id, text: "hi"), secret: signer.infobipSecret)
        case .twilio:
            let form = try RoutedFixture.twilio("inbound_text", to: "whatsapp:+\(tenant.number)", sid: id, body: "hi")
            var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let params = FormURLEncoding.decodePairs(form).map { ($0.name, $0.value) }
            if let name = HTTPField.Name("X-Twilio-Signature") {
                headers[name] = TwilioSignature.compute(authToken: signer.twilioToken, url: ServerHarness.publicURL + "/webhooks/twilio", params: params)
            }
            return try await server.post("/webhooks/twilio", body: Array(form.utf8), headers: headers)
        }
    }

    /// One Meta webhook carrying the `entry[]` items of each of `bodies`.
    static func metaBatch(_ bodies: [[UInt8]]) throws -> [UInt8] {
        let entries = try bodies.flatMap { body in
            (try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["entry"] as? [[String: Any]] ?? []
        }
        return Array(try JSONSerialization.data(withJSONObject: ["object": "whatsapp_business_account", "entry": entries]))
    }

    /// `swiftreplies_webhook_entries_dropped_total` for `provider` and reason `other_account`
    /// (0 before the first drop). The registry is shared with other suites: compare deltas.
    static func dropped(_ provider: Provider, _ server: ServerHarness) async throws -> Double {
        let lines = try await server.get("/metrics").body.split(separator: "\n")
        let line = lines.first { line in
            line.hasPrefix("swiftreplies_webhook_entries_dropped_total{") && line.contains("provider=\"\(provider)\"")
                && line.contains(#"reason="other_account""#)
        }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
    }
}
