import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import Testing

/// The routing table of the shipped configuration: destination number (or Meta phone number id)
/// to tenant and chatbot.
@Suite struct RoutingTests {
    private static func shippedSnapshot(environment: [String: String] = [:]) throws -> ConfigSnapshot {
        try ModuleRegistries.builtIn().configLoader(directory: RepositoryPaths.configDirectory, environment: environment).load()
    }

    @Test(arguments: [
        ("+96179374241", "swiftreplies", "ecla-main"), ("0096179374241", "swiftreplies", "ecla-main"),
        ("whatsapp:+96179374241", "swiftreplies", "ecla-main"), ("961 79 374 241", "swiftreplies", "ecla-main"),
        ("+9613451652", "astrosouks", "astrosouks-bot"), ("009613451652", "astrosouks", "astrosouks-bot"),
        ("whatsapp:+961 3 451 652", "astrosouks", "astrosouks-bot"), ("961-3-451-652", "astrosouks", "astrosouks-bot"),
    ])
    func seedNumbersRouteToTheirChatbot(written: String, tenant: String, chatbot: String) throws {
        let snapshot = try Self.shippedSnapshot()
        let number = try #require(PhoneNumber(normalizing: written))
        for provider in [ProviderKind.meta, .infobip] {
            let route = try #require(snapshot.routing.route(provider: provider, number: number), "\(written) via \(provider)")
            #expect(route.tenantID == TenantID(tenant))
            #expect(route.chatbotID == ChatbotID(chatbot))
            #expect(route.binding.provider == provider, "the binding of the provider the message came through")
        }
    }

    @Test func metaPhoneNumberIDRoutesWithoutANumber() throws {
        let snapshot = try Self.shippedSnapshot()
        let ecla = try #require(snapshot.routing.route(provider: .meta, number: nil, phoneNumberID: "961793742410"))
        #expect(ecla.tenantID == "swiftreplies")
        #expect(ecla.chatbotID == "ecla-main")
        #expect(ecla.binding.accountID == "meta_main")
        let astroSouks = try #require(snapshot.routing.route(provider: .meta, number: nil, phoneNumberID: "96134516520"))
        #expect(astroSouks.chatbotID == "astrosouks-bot")
        #expect(snapshot.routing.route(provider: .meta, number: nil, phoneNumberID: "123") == nil)
    }

    @Test func phoneNumberIDFollowsTheEnvironment() throws {
        let snapshot = try Self.shippedSnapshot(environment: ["ASTROSOUKS_META_PHONE_NUMBER_ID": "777000"])
        #expect(snapshot.routing.route(provider: .meta, number: nil, phoneNumberID: "777000")?.chatbotID == "astrosouks-bot")
        #expect(snapshot.routing.route(provider: .meta, number: nil, phoneNumberID: "96134516520") == nil)
    }

    @Test func unknownNumberRoutesNowhere() throws {
        let snapshot = try Self.shippedSnapshot()
        let stranger = try #require(PhoneNumber(normalizing: "+961 70 000 000"))
        for provider in ProviderKind.allCases {
            #expect(snapshot.routing.route(provider: provider, number: stranger) == nil)
        }
        #expect(snapshot.routing.route(provider: .meta, number: nil, phoneNumberID: nil) == nil)
        // A number that only shares a prefix or suffix with a seed number is another number.
        #expect(snapshot.routing.route(provider: .infobip, number: PhoneNumber(normalizing: "9617937424")) == nil)
        #expect(snapshot.routing.route(provider: .infobip, number: PhoneNumber(normalizing: "79374241")) == nil)
        #expect(snapshot.routing.count == 2)
    }

    @Test func providerSpecificBindings() throws {
        let snapshot = try Self.shippedSnapshot()
        let ecla = try #require(PhoneNumber(normalizing: "96179374241"))
        let viaMeta = try #require(snapshot.routing.route(provider: .meta, number: ecla))
        #expect(viaMeta.binding.accountID == "meta_main")
        #expect(viaMeta.binding.phoneNumberID == "961793742410")
        let viaInfobip = try #require(snapshot.routing.route(provider: .infobip, number: ecla))
        #expect(viaInfobip.binding.accountID == "infobip_main")
        #expect(viaInfobip.binding.phoneNumberID == nil)
        // Twilio has no binding for the number: nothing reaches it through Twilio.
        #expect(snapshot.routing.route(provider: .twilio, number: ecla) == nil)
        #expect(snapshot.routing.route(provider: .twilio, number: ecla, phoneNumberID: nil, signedBy: ["twilio_main"]) == .otherAccount)
        // The number wins over a phone number id of another chatbot.
        let astroSouks = try #require(PhoneNumber(normalizing: "9613451652"))
        #expect(snapshot.routing.route(provider: .meta, number: astroSouks, phoneNumberID: "961793742410")?.chatbotID == "astrosouks-bot")
    }

    @Test func routingTableBuiltFromDefinitions() {
        let a = PhoneNumber(canonical: "15550001111")
        let b = PhoneNumber(canonical: "15550002222")
        let tenants = [
            TenantDefinition(
                id: "one", name: "One", subscription: Subscription(plan: "p", limits: .unlimited, features: .all),
                chatbots: [
                    ChatbotDefinition(
                        id: "one-bot", tenantID: "one", name: "One bot", agentID: "x",
                        channels: [
                            ChannelBinding(accountID: "tw", provider: .twilio, number: a),
                            ChannelBinding(accountID: "ib", provider: .infobip, number: b),
                        ]
                    )
                ]
            ),
            TenantDefinition(
                id: "two", name: "Two", subscription: Subscription(plan: "p", limits: .unlimited, features: .all),
                chatbots: [
                    ChatbotDefinition(
                        id: "two-bot", tenantID: "two", name: "Two bot", agentID: "x",
                        channels: [ChannelBinding(accountID: "meta", provider: .meta, number: PhoneNumber(canonical: "15550003333"), phoneNumberID: "pn-2")]
                    )
                ]
            ),
        ]
        let table = RoutingTable(tenants: tenants)
        #expect(table.count == 3)
        #expect(table.route(provider: .twilio, number: a)?.binding.accountID == "tw")
        #expect(table.route(provider: .infobip, number: b)?.binding.accountID == "ib")
        #expect(table.route(provider: .meta, number: nil, phoneNumberID: "pn-2")?.tenantID == "two")
        #expect(table.route(provider: .meta, number: PhoneNumber(canonical: "15550009999"), phoneNumberID: "pn-2")?.chatbotID == "two-bot")
        #expect(table.route(provider: .meta, number: PhoneNumber(canonical: "15550009999")) == nil)
    }

    @Test func aWebhookRoutesOnlyToNumbersOfTheAccountsThatSignedIt() {
        let shared = PhoneNumber(canonical: "15550001111")
        let acmeNumber = PhoneNumber(canonical: "15550002222")
        let globexNumber = PhoneNumber(canonical: "15550003333")
        let acme = TenantDefinition(
            id: "acme", name: "Acme", subscription: Subscription(plan: "pro", limits: .unlimited, features: .all),
            chatbots: [
                ChatbotDefinition(
                    id: "acme-bot", tenantID: "acme", name: "Acme", agentID: "sales",
                    channels: [
                        ChannelBinding(accountID: "meta_acme", provider: .meta, number: acmeNumber, phoneNumberID: "100"),
                        ChannelBinding(accountID: "meta_shared", provider: .meta, number: shared, phoneNumberID: "300"),
                    ]
                )
            ]
        )
        let globex = TenantDefinition(
            id: "globex", name: "Globex", subscription: Subscription(plan: "pro", limits: .unlimited, features: .all),
            chatbots: [
                ChatbotDefinition(
                    id: "globex-bot", tenantID: "globex", name: "Globex", agentID: "sales",
                    channels: [ChannelBinding(accountID: "meta_globex", provider: .meta, number: globexNumber, phoneNumberID: "200")]
                )
            ]
        )
        let table = RoutingTable(tenants: [acme, globex])
        guard case .routed(let route) = table.route(provider: .meta, number: acmeNumber, phoneNumberID: "100", signedBy: ["meta_acme"]) else {
            Issue.record("acme's own account routes to acme")
            return
        }
        #expect(route.chatbotID == "acme-bot" && route.binding.accountID == "meta_acme")
        #expect(table.route(provider: .meta, number: acmeNumber, phoneNumberID: "100", signedBy: ["meta_globex"]) == .otherAccount)
        #expect(table.route(provider: .meta, number: nil, phoneNumberID: "100", signedBy: ["meta_globex"]) == .otherAccount)
        #expect(table.route(provider: .meta, number: globexNumber, phoneNumberID: nil, signedBy: ["meta_acme", "meta_shared"]) == .otherAccount)
        #expect(table.route(provider: .infobip, number: acmeNumber, phoneNumberID: nil, signedBy: ["meta_acme"]) == .otherAccount, "no other provider")
        #expect(table.route(provider: .meta, number: PhoneNumber(canonical: "15559999999"), phoneNumberID: nil, signedBy: ["meta_acme"]) == .unknown)
        if case .routed(let viaShared) = table.route(provider: .meta, number: shared, phoneNumberID: nil, signedBy: ["meta_shared"]) {
            #expect(viaShared.binding.accountID == "meta_shared")
        } else {
            Issue.record("the shared account routes its own number")
        }
        #expect(table.chatbots(provider: .meta, servedBy: ["meta_acme"]) == ["acme-bot"])
        #expect(table.chatbots(provider: .meta, servedBy: ["meta_globex", "meta_shared"]) == ["globex-bot", "acme-bot"])
        #expect(table.chatbots(provider: .twilio, servedBy: ["meta_acme"]).isEmpty)
    }
}
