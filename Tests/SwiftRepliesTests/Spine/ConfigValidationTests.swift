import Foundation
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import Testing

/// The configuration loader on the shipped `tenants.yaml` + `agents/`, and every validation error
/// DESIGN.md lists, each pinned to its file, line and column in YAML written by the test.
@Suite struct ConfigValidationTests {
    // MARK: - The shipped configuration

    @Test func shippedConfigurationLoadsWithWarningsForUnsetSecrets() throws {
        let snapshot = try ConfigFixture.loadShipped(environment: [:])
        #expect(snapshot.warnings.allSatisfy { $0.severity == .warning })
        let tenantsText = try String(contentsOfFile: ConfigFixture.shippedTenantsPath, encoding: .utf8)
        for variable in [
            "META_APP_SECRET", "META_VERIFY_TOKEN", "META_ACCESS_TOKEN", "INFOBIP_API_KEY", "INFOBIP_WEBHOOK_SECRET", "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN", "PUBLIC_URL",
        ] {
            let warning = try #require(snapshot.warnings.first { $0.message.contains("${\(variable)}") }, "no warning for \(variable)")
            let (line, column) = try #require(ConfigFixture.position(of: "${\(variable)}", in: tenantsText))
            #expect(warning.file.hasSuffix("tenants.yaml"))
            #expect(warning.line == line && warning.column == column, "\(warning)")
        }
        #expect(snapshot.warnings.count == 8, "\(snapshot.warnings.map(\.description))")
        // Every channel of the shipped file uses an account with an unset secret: all disabled.
        #expect(snapshot.disabledChannels.count == 4)
        #expect(snapshot.accounts.values.allSatisfy { !$0.isEnabled })
    }

    @Test func shippedConfigurationFailsUnderStrictWithoutSecrets() throws {
        let error = try #require(ConfigFixture.loadShippedError(environment: [:], strict: true))
        #expect(error.errors.count == 8)
        #expect(error.errors.allSatisfy { $0.message.contains("is not set") && $0.file.hasSuffix("tenants.yaml") })
        // With every secret set, strict passes and nothing is disabled.
        let snapshot = try ConfigFixture.loadShipped(environment: ConfigFixture.allSecrets, strict: true)
        #expect(snapshot.warnings.isEmpty)
        #expect(snapshot.disabledChannels.isEmpty)
    }

    @Test func shippedSeedFacts() throws {
        let snapshot = try ConfigFixture.loadShipped(environment: [:])
        #expect(snapshot.tenants.map(\.id) == ["swiftreplies", "astrosouks"])
        let ecla = try #require(snapshot.chatbot("ecla-main"))
        let astro = try #require(snapshot.chatbot("astrosouks-bot"))
        #expect(ecla.tenantID == "swiftreplies")
        #expect(astro.tenantID == "astrosouks")
        #expect(ecla.agentID == "ecla_sales_agent")
        #expect(astro.agentID == "astrosouks_sales_agent")
        #expect(Set(ecla.channels.map(\.number.digits)) == ["96179374241"])
        #expect(Set(astro.channels.map(\.number.digits)) == ["9613451652"])
        #expect(Set(ecla.channels.map(\.provider)) == [.meta, .infobip])
        #expect(Set(snapshot.agents.keys) == ["ecla_sales_agent", "astrosouks_sales_agent"])
        #expect(snapshot.agent("ecla_sales_agent")?.module == "sales")
        #expect(snapshot.agent("astrosouks_sales_agent")?.module == "sales")

        // The platform's own tenant is on `unlimited`: no limit at all.
        let platform = try #require(snapshot.tenant("swiftreplies"))
        #expect(platform.subscription.plan == "unlimited")
        for key in SubscriptionLimits.keys {
            #expect(platform.subscription.limits[key] == nil, "unlimited plan has a \(key) limit")
        }
        // AstroSouks is on `starter`: the defaults plus the plan's own limits.
        let astroSouks = try #require(snapshot.tenant("astrosouks"))
        let limits = astroSouks.subscription.limits
        #expect(astroSouks.subscription.plan == "starter")
        #expect(limits.dailyMessages == 1000)
        #expect(limits.monthlyMessages == 30000)
        #expect(limits.dailyCampaigns == 10)
        #expect(limits.monthlyCampaigns == 300)
        #expect(limits.maxChatbots == 2)
        #expect(astroSouks.subscription.features.isEnabled("orders"))
        #expect(!astroSouks.subscription.features.isEnabled("otp"))

        #expect(snapshot.runtime.debounceSeconds == 3)
        #expect(snapshot.runtime.maxWorkers == 5)
        #expect(snapshot.runtime.busyThreshold == 3)
    }

    @Test func environmentOverridesDefaultsAndRuntimeKnobs() throws {
        let snapshot = try ConfigFixture.loadShipped(environment: [
            "DEFAULT_DAILY_MESSAGE_LIMIT": "50", "DEFAULT_MONTHLY_MESSAGE_LIMIT": "1500", "DEFAULT_DAILY_CAMPAIGN_LIMIT": "2",
            "DEFAULT_MONTHLY_CAMPAIGN_LIMIT": "20", "DEBOUNCE_SECONDS": "0.5", "MAX_WORKERS": "9", "BUSY_THRESHOLD": "7",
        ])
        let limits = try #require(snapshot.tenant("astrosouks")).subscription.limits
        #expect(limits.dailyMessages == 50)
        #expect(limits.monthlyMessages == 1500)
        #expect(limits.dailyCampaigns == 2)
        #expect(limits.monthlyCampaigns == 20)
        #expect(limits.maxChatbots == 2, "plan limits the environment does not name stay")
        // The unlimited plan stays unlimited whatever the defaults.
        #expect(try #require(snapshot.tenant("swiftreplies")).subscription.limits.dailyMessages == nil)
        #expect(snapshot.runtime.debounceSeconds == 0.5)
        #expect(snapshot.runtime.maxWorkers == 9)
        #expect(snapshot.runtime.busyThreshold == 7)
    }

    @Test(arguments: [
        ("DEFAULT_DAILY_MESSAGE_LIMIT", "lots"), ("DEFAULT_MONTHLY_CAMPAIGN_LIMIT", "-3"), ("DEBOUNCE_SECONDS", "soon"),
        ("MAX_WORKERS", "0"), ("BUSY_THRESHOLD", "two"),
    ])
    func badEnvironmentValueIsAnError(variable: String, value: String) throws {
        let error = try #require(ConfigFixture.loadShippedError(environment: [variable: value]))
        #expect(error.errors.count == 1, "\(error)")
        let diagnostic = try #require(error.errors.first)
        #expect(diagnostic.message.contains(variable))
        #expect(diagnostic.message.contains("'\(value)'"))
    }

    @Test func defaultExpansionOfEnvironmentReferences() throws {
        let unset = try ConfigFixture.loadShipped(environment: [:])
        let eclaMeta = try #require(unset.chatbot("ecla-main")?.channels.first { $0.provider == .meta })
        #expect(eclaMeta.phoneNumberID == "961793742410")
        let set = try ConfigFixture.loadShipped(environment: ["ECLA_META_PHONE_NUMBER_ID": "555000111"])
        #expect(set.chatbot("ecla-main")?.channels.first { $0.provider == .meta }?.phoneNumberID == "555000111")
        // AstroSouks keeps its own default.
        #expect(set.chatbot("astrosouks-bot")?.channels.first { $0.provider == .meta }?.phoneNumberID == "96134516520")
        // `:-` also applies to a variable set to the empty string.
        let empty = try ConfigFixture.loadShipped(environment: ["ECLA_META_PHONE_NUMBER_ID": ""])
        #expect(empty.chatbot("ecla-main")?.channels.first { $0.provider == .meta }?.phoneNumberID == "961793742410")
    }

    @Test func unsetSecretDisablesOnlyThatAccountsChannels() throws {
        let environment = ["META_APP_SECRET": "s", "META_VERIFY_TOKEN": "v", "META_ACCESS_TOKEN": "t"]
        let snapshot = try ConfigFixture.loadShipped(environment: environment)
        #expect(snapshot.accounts["meta_main"]?.isEnabled == true)
        #expect(snapshot.accounts["infobip_main"]?.isEnabled == false)
        for chatbot in snapshot.chatbots {
            let meta = try #require(chatbot.channels.first { $0.accountID == "meta_main" })
            let infobip = try #require(chatbot.channels.first { $0.accountID == "infobip_main" })
            #expect(meta.disabledReason == nil, "\(chatbot.id) meta: \(meta.disabledReason ?? "")")
            let reason = try #require(infobip.disabledReason)
            #expect(reason.contains("INFOBIP_API_KEY") && reason.contains("INFOBIP_WEBHOOK_SECRET"))
        }
        #expect(snapshot.disabledChannels.count == 2)
        #expect(snapshot.warnings.allSatisfy { !$0.message.contains("META_") })
        #expect(snapshot.accounts(for: .meta).map(\.id) == ["meta_main"])
        #expect(snapshot.accounts(for: .infobip).isEmpty)
    }

    @Test func unsetReferenceInOneChannelDisablesOnlyThatChannel() throws {
        let fixture = try ConfigFixture(
            tenants: ConfigFixture.baseTenants.replacingLine(47, expecting: "phone_number_id", with: "            phone_number_id: ${BETA_PHONE_ID}")
        )
        let snapshot = try fixture.load()
        let beta = try #require(snapshot.chatbot("beta-bot")?.channels.first)
        let acme = try #require(snapshot.chatbot("acme-bot")?.channels.first)
        #expect(beta.disabledReason?.contains("BETA_PHONE_ID") == true)
        #expect(acme.disabledReason == nil)
        // The unset id is no id at all: nothing routes by an empty Meta phone number id.
        #expect(beta.phoneNumberID == nil)
        #expect(snapshot.routing.route(provider: .meta, number: nil, phoneNumberID: "") == nil)
        #expect(snapshot.routing.route(provider: .meta, number: nil, phoneNumberID: "1001")?.chatbotID == "acme-bot")
        let warning = try #require(snapshot.warnings.first)
        #expect(snapshot.warnings.count == 1)
        #expect((warning.file, warning.line, warning.column) == (fixture.tenantsPath, 47, 30))
        // Under strict it is an error at the same place.
        let error = try #require(fixture.loadError(strict: true))
        #expect(error.errors.map(\.line) == [47])
    }

    @Test func multiTenantSwitchOffServesOnlyTheFirstTenant() throws {
        let snapshot = try ConfigFixture.loadShipped(environment: ["ENABLE_MULTI_TENANT": "false"])
        #expect(snapshot.tenants.map(\.id) == ["swiftreplies"])
        #expect(snapshot.chatbot("astrosouks-bot") == nil)
        #expect(snapshot.routing.route(provider: .infobip, number: PhoneNumber(normalizing: "9613451652")) == nil)
        #expect(snapshot.routing.route(provider: .infobip, number: PhoneNumber(normalizing: "96179374241"))?.chatbotID == "ecla-main")
        #expect(!snapshot.switches.multiTenant)
        let on = try ConfigFixture.loadShipped(environment: ["ENABLE_MULTI_TENANT": "true"])
        #expect(on.tenants.count == 2)
    }

    // MARK: - Every validation error, with its position

    @Test func fixtureBaseIsValid() throws {
        let fixture = try ConfigFixture()
        let snapshot = try fixture.load()
        #expect(snapshot.warnings.isEmpty, "\(snapshot.warnings)")
        #expect(snapshot.tenants.map(\.id) == ["acme", "beta"])
        #expect(snapshot.runtime.maxWorkers == 5)
        #expect(snapshot.tenant("beta")?.subscription.limits.dailyMessages == 50)
        #expect(snapshot.tenant("beta")?.subscription.features.isEnabled("orders") == false)
    }

    @Test func unsetSecretsOfFixtureAreStrictErrorsWithPositions() throws {
        let fixture = try ConfigFixture()
        let error = try #require(fixture.loadError(environment: [:], strict: true))
        #expect(error.errors.count == 3)
        try expectError(error, file: fixture.tenantsPath, line: 16, column: 17, contains: "${META_APP_SECRET} is not set")
        try expectError(error, file: fixture.tenantsPath, line: 17, column: 19, contains: "${META_VERIFY_TOKEN} is not set")
        try expectError(error, file: fixture.tenantsPath, line: 18, column: 19, contains: "${META_ACCESS_TOKEN} is not set")
        // Not strict: the same three are warnings and the configuration loads.
        let snapshot = try fixture.load(environment: [:])
        #expect(snapshot.warnings.map(\.line) == [16, 17, 18])
        #expect(snapshot.warnings.allSatisfy { $0.severity == .warning })
    }

    @Test func unknownKeyWithDidYouMean() throws {
        let fixture = try ConfigFixture(tenants: ConfigFixture.baseTenants.replacingLine(6, expecting: "max_workers", with: "    max_worker: 5"))
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        let diagnostic = try expectError(error, file: fixture.tenantsPath, line: 6, column: 5, contains: "unknown key 'max_worker'")
        #expect(diagnostic.hint == "did you mean 'max_workers'?")
    }

    @Test func unknownKeyInAgentFileWithDidYouMean() throws {
        let fixture = try ConfigFixture(
            agents: ["acme_agent": ConfigFixture.acmeAgent.replacingLine(3, expecting: "name:", with: "nmae: Acme assistant")]
        )
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        let diagnostic = try expectError(error, file: fixture.agentPath("acme_agent"), line: 3, column: 1, contains: "unknown key 'nmae'")
        #expect(diagnostic.hint == "did you mean 'name'?")
    }

    @Test func missingField() throws {
        let fixture = try ConfigFixture(tenants: ConfigFixture.baseTenants.replacingLine(27, expecting: "agent: acme_agent", with: "        # no agent"))
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        try expectError(error, file: fixture.tenantsPath, line: 25, column: 9, contains: "missing field 'agent'")
    }

    @Test func missingFieldInAgentFile() throws {
        let fixture = try ConfigFixture(agents: ["beta_agent": ConfigFixture.betaAgent.replacingLine(2, expecting: "module", with: "# no module")])
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        try expectError(error, file: fixture.agentPath("beta_agent"), line: 1, column: 1, contains: "missing field 'module'")
    }

    @Test func wrongType() throws {
        let tenants = ConfigFixture.baseTenants
            .replacingLine(6, expecting: "max_workers", with: "    max_workers: many")
            .replacingLine(4, expecting: "daily_messages", with: "    daily_messages: lots")
            .replacingLine(39, expecting: "orders", with: "        orders: maybe")
        let fixture = try ConfigFixture(tenants: tenants)
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 3, "\(error)")
        try expectError(error, file: fixture.tenantsPath, line: 6, column: 18, contains: "'max_workers' in defaults.runtime must be a whole number")
        try expectError(error, file: fixture.tenantsPath, line: 4, column: 21, contains: "limit 'daily_messages' must be a whole number")
        try expectError(error, file: fixture.tenantsPath, line: 39, column: 17, contains: "feature 'orders' must be true or false")
    }

    @Test func wrongTypeListExpected() throws {
        let fixture = try ConfigFixture(
            agents: ["acme_agent": ConfigFixture.acmeAgent.replacingLines(11...13, expecting: "middleware", with: ["middleware: knowledge_base"])]
        )
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        try expectError(error, file: fixture.agentPath("acme_agent"), line: 11, column: 13, contains: "'middleware' in agent must be a list")
    }

    @Test func duplicateNumberAcrossTenantsWrittenDifferently() throws {
        let fixture = try ConfigFixture(
            tenants: ConfigFixture.baseTenants.replacingLine(46, expecting: "number", with: #"            number: "0096179374241""#)
        )
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        let diagnostic = try expectError(
            error, file: fixture.tenantsPath, line: 46, column: 21, contains: "duplicate number 96179374241: already used by chatbot 'acme-bot'"
        )
        #expect(diagnostic.hint?.contains("line 30") == true)
    }

    @Test func duplicateChatbotID() throws {
        let fixture = try ConfigFixture(tenants: ConfigFixture.baseTenants.replacingLine(41, expecting: "beta-bot", with: "      - id: acme-bot"))
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        let diagnostic = try expectError(error, file: fixture.tenantsPath, line: 41, column: 13, contains: "duplicate chatbot id 'acme-bot'")
        #expect(diagnostic.hint?.contains("line 25") == true)
    }

    @Test func unknownAgent() throws {
        let fixture = try ConfigFixture(tenants: ConfigFixture.baseTenants.replacingLine(43, expecting: "beta_agent", with: "        agent: beta_agnt"))
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        let diagnostic = try expectError(error, file: fixture.tenantsPath, line: 43, column: 16, contains: "unknown agent 'beta_agnt'")
        #expect(diagnostic.hint == "did you mean 'beta_agent'?")
    }

    @Test func unknownModule() throws {
        let fixture = try ConfigFixture(agents: ["beta_agent": ConfigFixture.betaAgent.replacingLine(2, expecting: "module", with: "module: salse")])
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        let diagnostic = try expectError(error, file: fixture.agentPath("beta_agent"), line: 2, column: 9, contains: "unknown module 'salse'")
        #expect(diagnostic.hint == "did you mean 'sales'?")
    }

    @Test func unknownMiddleware() throws {
        let fixture = try ConfigFixture(
            agents: ["acme_agent": ConfigFixture.acmeAgent.replacingLine(13, expecting: "knowledge_base", with: "  - knowledge_bsae")]
        )
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        let diagnostic = try expectError(error, file: fixture.agentPath("acme_agent"), line: 13, column: 5, contains: "unknown middleware 'knowledge_bsae'")
        #expect(diagnostic.hint == "did you mean 'knowledge_base'?")
    }

    @Test func unknownProviderAccount() throws {
        let fixture = try ConfigFixture(
            tenants: ConfigFixture.baseTenants.replacingLine(45, expecting: "account", with: "          - account: meta_mian")
        )
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        let diagnostic = try expectError(error, file: fixture.tenantsPath, line: 45, column: 22, contains: "unknown provider account 'meta_mian'")
        #expect(diagnostic.hint == "did you mean 'meta_main'?")
    }

    @Test func badNumber() throws {
        let fixture = try ConfigFixture(tenants: ConfigFixture.baseTenants.replacingLine(46, expecting: "number", with: #"            number: "961x79""#))
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        try expectError(error, file: fixture.tenantsPath, line: 46, column: 21, contains: "bad number '961x79'")
    }

    @Test func limitTheRuntimeDoesNotEnforce() throws {
        let fixture = try ConfigFixture(
            tenants: ConfigFixture.baseTenants.replacingLine(37, expecting: "daily_messages", with: "        max_team_members: 5")
        )
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        try expectError(error, file: fixture.tenantsPath, line: 37, column: 9, contains: "limit 'max_team_members' in limits of tenant 'beta' is not enforced")
    }

    @Test func featureTheRuntimeDoesNotEnforce() throws {
        let fixture = try ConfigFixture(tenants: ConfigFixture.baseTenants.replacingLine(12, expecting: "orders", with: "      voice_calls: true"))
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        try expectError(error, file: fixture.tenantsPath, line: 12, column: 7, contains: "feature 'voice_calls' in plan 'starter' features is not enforced")
    }

    @Test func duplicateTenantID() throws {
        let fixture = try ConfigFixture(tenants: ConfigFixture.baseTenants.replacingLine(32, expecting: "- id: beta", with: "  - id: acme"))
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        let diagnostic = try expectError(error, file: fixture.tenantsPath, line: 32, column: 9, contains: "duplicate tenant id 'acme'")
        #expect(diagnostic.hint?.contains("line 20") == true)
    }

    @Test func yamlSyntaxErrorWithParserPosition() throws {
        let fixture = try ConfigFixture(tenants: ConfigFixture.baseTenants.replacingLine(21, expecting: "name: Acme", with: "    name: Acme: Corp"))
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        try expectError(error, file: fixture.tenantsPath, line: 21, column: 15, contains: "YAML syntax error: mapping values are not allowed")
    }

    @Test func yamlSyntaxErrorInAgentFile() throws {
        let fixture = try ConfigFixture(
            agents: ["beta_agent": ConfigFixture.betaAgent.replacingLine(3, expecting: "name:", with: #"name: "Beta assistant"#)]
        )
        let error = try #require(fixture.loadError())
        // The agent file is unreadable, so the chatbot that uses it names an unknown agent too.
        let diagnostic = try #require(error.errors.first { $0.file == fixture.agentPath("beta_agent") })
        #expect(diagnostic.message.hasPrefix("YAML syntax error"))
        // libyaml finds the unclosed quote at the end of the file; the hint names where it opened.
        #expect((diagnostic.line, diagnostic.column) == (9, 1), "\(diagnostic)")
        #expect(diagnostic.hint?.contains("while scanning a quoted scalar started at line 3, column 7") == true, "\(diagnostic)")
        try expectError(error, file: fixture.tenantsPath, line: 43, column: 16, contains: "unknown agent 'beta_agent'")
    }

    @Test func agentIDMustMatchFileName() throws {
        let fixture = try ConfigFixture(agents: ["beta_agent": ConfigFixture.betaAgent.replacingLine(1, expecting: "id:", with: "id: beta_agent_v2")])
        let error = try #require(fixture.loadError())
        try expectError(
            error, file: fixture.agentPath("beta_agent"), line: 1, column: 5, contains: "agent id 'beta_agent_v2' does not match its file name 'beta_agent.yaml'"
        )
    }

    @Test func duplicateSKU() throws {
        let fixture = try ConfigFixture(agents: ["acme_agent": ConfigFixture.acmeAgent.replacingLine(8, expecting: "ACME-2", with: "  - sku: ACME-1")])
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 1, "\(error)")
        let diagnostic = try expectError(error, file: fixture.agentPath("acme_agent"), line: 8, column: 10, contains: "duplicate sku 'ACME-1'")
        #expect(diagnostic.hint?.contains("line 5") == true)
    }

    @Test func everyErrorIsReportedAtOnce() throws {
        let fixture = try ConfigFixture(
            tenants: ConfigFixture.baseTenants
                .replacingLine(6, expecting: "max_workers", with: "    max_worker: 5")
                .replacingLine(46, expecting: "number", with: #"            number: "+96179374241""#),
            agents: [
                "acme_agent": ConfigFixture.acmeAgent.replacingLine(13, expecting: "knowledge_base", with: "  - knowledge_bsae"),
                "beta_agent": ConfigFixture.betaAgent.replacingLine(2, expecting: "module", with: "module: salse"),
            ]
        )
        let error = try #require(fixture.loadError())
        #expect(error.errors.count == 4, "\(error)")
        #expect(Set(error.errors.map(\.file)) == [fixture.tenantsPath, fixture.agentPath("acme_agent"), fixture.agentPath("beta_agent")])
        try expectError(error, file: fixture.tenantsPath, line: 6, column: 5, contains: "unknown key 'max_worker'")
        try expectError(error, file: fixture.tenantsPath, line: 46, column: 21, contains: "duplicate number 96179374241")
        try expectError(error, file: fixture.agentPath("acme_agent"), line: 13, column: 5, contains: "unknown middleware")
        try expectError(error, file: fixture.agentPath("beta_agent"), line: 2, column: 9, contains: "unknown module")
        // The printed form lists each as file:line:column: message.
        let lines = error.description.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines.contains { $0.hasPrefix("\(fixture.tenantsPath):6:5: unknown key 'max_worker'") })
        #expect(lines.contains { $0.hasPrefix("\(fixture.agentPath("beta_agent")):2:9: unknown module 'salse'") })
    }
}

// MARK: - Helpers

/// Asserts that `error` has an error at `file:line:column` whose message contains `text`.
@discardableResult
private func expectError(
    _ error: ConfigError, file: String, line: Int, column: Int, contains text: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> ConfigDiagnostic {
    let diagnostic = try #require(
        error.errors.first { $0.message.contains(text) }, "no error containing \"\(text)\" in:\n\(error)", sourceLocation: sourceLocation
    )
    #expect(diagnostic.file == file, sourceLocation: sourceLocation)
    #expect(diagnostic.line == line, "\(diagnostic)", sourceLocation: sourceLocation)
    #expect(diagnostic.column == column, "\(diagnostic)", sourceLocation: sourceLocation)
    #expect(diagnostic.description.hasPrefix("\(file):\(line):\(column): "), sourceLocation: sourceLocation)
    return diagnostic
}

/// A configuration directory written by a test, with known line numbers; removed when released.
private final class ConfigFixture {
    static let allSecrets = [
        "META_APP_SECRET": "app-secret", "META_VERIFY_TOKEN": "verify", "META_ACCESS_TOKEN": "token", "INFOBIP_API_KEY": "key",
        "INFOBIP_WEBHOOK_SECRET": "webhook", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "auth", "PUBLIC_URL": "https://example.test",
    ]

    static var shippedTenantsPath: String { RepositoryPaths.root.appendingPathComponent("tenants.yaml").path }

    static func loadShipped(environment: [String: String], strict: Bool = false) throws -> ConfigSnapshot {
        try ModuleRegistries.builtIn().configLoader(directory: RepositoryPaths.configDirectory, environment: environment, strict: strict).load()
    }

    static func loadShippedError(environment: [String: String], strict: Bool = false) -> ConfigError? {
        do {
            _ = try loadShipped(environment: environment, strict: strict)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    /// 1-based line and column of the first occurrence of `needle` in `text`.
    static func position(of needle: String, in text: String) -> (Int, Int)? {
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if let range = line.range(of: needle) {
                return (index + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1)
            }
        }
        return nil
    }

    /// Line numbers matter: the tests point at them.
    static let baseTenants = """
        version: 1
        defaults:
          limits:
            daily_messages: 1000
          runtime:
            max_workers: 5
        plans:
          starter:
            limits:
              max_chatbots: 2
            features:
              orders: true
        accounts:
          meta_main:
            provider: meta
            app_secret: ${META_APP_SECRET}
            verify_token: ${META_VERIFY_TOKEN}
            access_token: ${META_ACCESS_TOKEN}
        tenants:
          - id: acme
            name: Acme
            subscription:
              plan: starter
            chatbots:
              - id: acme-bot
                name: Acme bot
                agent: acme_agent
                channels:
                  - account: meta_main
                    number: "+961 79 374 241"
                    phone_number_id: "1001"
          - id: beta
            name: Beta
            subscription:
              plan: starter
              limits:
                daily_messages: 50
              features:
                orders: false
            chatbots:
              - id: beta-bot
                name: Beta bot
                agent: beta_agent
                channels:
                  - account: meta_main
                    number: "+961 3 451 652"
                    phone_number_id: "1002"

        """

    static let acmeAgent = """
        id: acme_agent
        module: sales
        name: Acme assistant
        catalogue:
          - sku: ACME-1
            name: Acme Widget
            price: 10
          - sku: ACME-2
            name: Acme Gadget
            price: 20
        middleware:
          - conversation_instructions
          - knowledge_base

        """

    static let betaAgent = """
        id: beta_agent
        module: sales
        name: Beta assistant
        knowledge_base:
          - id: hours
            question: When are you open?
            answer: Every day from 9 to 5.
        middleware: [knowledge_base]

        """

    let directory: URL

    init(tenants: String = ConfigFixture.baseTenants, agents: [String: String] = [:]) throws {
        directory = try RepositoryPaths.temporaryDirectory("swiftreplies-config-validation")
        let agentsDirectory = directory.appendingPathComponent("agents")
        try FileManager.default.createDirectory(at: agentsDirectory, withIntermediateDirectories: true)
        try tenants.write(to: directory.appendingPathComponent("tenants.yaml"), atomically: true, encoding: .utf8)
        let files = ["acme_agent": Self.acmeAgent, "beta_agent": Self.betaAgent].merging(agents) { $1 }
        for (name, text) in files {
            try text.write(to: agentsDirectory.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var tenantsPath: String { directory.appendingPathComponent("tenants.yaml").path }
    func agentPath(_ name: String) -> String { directory.appendingPathComponent("agents").appendingPathComponent("\(name).yaml").path }

    func load(environment: [String: String] = ConfigFixture.allSecrets, strict: Bool = false) throws -> ConfigSnapshot {
        try ModuleRegistries.builtIn().configLoader(directory: directory.path, environment: environment, strict: strict).load()
    }

    func loadError(environment: [String: String] = ConfigFixture.allSecrets, strict: Bool = false) -> ConfigError? {
        do {
            let snapshot = try load(environment: environment, strict: strict)
            Issue.record("expected configuration errors; loaded \(snapshot.tenants.count) tenants")
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }
}

extension String {
    /// The text with 1-based line `number` replaced; traps in the test when that line does not
    /// contain `expecting` (the fixture changed under the test).
    fileprivate func replacingLine(_ number: Int, expecting: String, with replacement: String) -> String {
        replacingLines(number...number, expecting: expecting, with: [replacement])
    }

    fileprivate func replacingLines(_ numbers: ClosedRange<Int>, expecting: String, with replacement: [String]) -> String {
        var lines = components(separatedBy: "\n")
        precondition(lines[numbers.lowerBound - 1].contains(expecting), "line \(numbers.lowerBound) is '\(lines[numbers.lowerBound - 1])'")
        lines.replaceSubrange((numbers.lowerBound - 1)...(numbers.upperBound - 1), with: replacement)
        return lines.joined(separator: "\n")
    }
}
