import SwiftRepliesCore
import Yams

/// A chatbot as read from `tenants.yaml`, before cross-file checks; keeps nodes for messages.
struct ChatbotDraft {
    var definition: ChatbotDefinition
    var idNode: Node
    var agentNode: Node?
    var numberNodes: [Node]
}

/// What `tenants.yaml` holds once read.
struct TenantsFileContents {
    var tenants: [TenantDefinition] = []
    var chatbotDrafts: [ChatbotDraft] = []
    var accounts: [String: ProviderAccount] = [:]
    var runtime = RuntimeSettings()
}

/// Reads `tenants.yaml` strictly into definitions, collecting every problem.
struct TenantsFileReader {
    static let topKeys = ["version", "defaults", "plans", "accounts", "tenants"]
    static let defaultsKeys = ["plan", "limits", "features", "runtime"]
    static let runtimeKeys = ["debounce_seconds", "max_workers", "busy_threshold", "holding_message"]
    static let planKeys = ["description", "unlimited", "limits", "features"]
    static let tenantKeys = ["id", "name", "subscription", "chatbots"]
    static let subscriptionKeys = ["plan", "limits", "features"]
    static let chatbotKeys = ["id", "name", "agent", "channels"]
    static let channelKeys = ["account", "number", "phone_number_id"]
    static let accountKeys: [ProviderKind: [String]] = [
        .meta: ["provider", "base_url", "app_secret", "verify_token", "access_token", "api_version"],
        .infobip: ["provider", "base_url", "api_key", "webhook_secret", "webhook_user"],
        .twilio: ["provider", "base_url", "account_sid", "auth_token", "public_url", "status_callback_url"],
    ]
    static let requiredAccountKeys: [ProviderKind: [String]] = [
        .meta: ["app_secret", "verify_token", "access_token"],
        .infobip: ["api_key", "webhook_secret"],
        .twilio: ["account_sid", "auth_token", "public_url"],
    ]
    /// `defaults.limits` keys that the environment may override.
    static let limitEnvironment: [(key: String, variable: String)] = [
        ("daily_messages", "DEFAULT_DAILY_MESSAGE_LIMIT"),
        ("monthly_messages", "DEFAULT_MONTHLY_MESSAGE_LIMIT"),
        ("daily_campaigns", "DEFAULT_DAILY_CAMPAIGN_LIMIT"),
        ("monthly_campaigns", "DEFAULT_MONTHLY_CAMPAIGN_LIMIT"),
    ]

    let collector: DiagnosticCollector
    let interpolation: EnvironmentInterpolation
    let environment: [String: String]
    let strict: Bool

    func read(_ root: Node) -> TenantsFileContents {
        var contents = TenantsFileContents()
        guard var top = YAMLMappingReader(root, what: "tenants.yaml", known: Self.topKeys, collector: collector, interpolation: interpolation) else {
            return contents
        }
        if let version = top.int("version"), version != 1 {
            collector.error("unsupported configuration version \(version)", at: top.node("version"), hint: "this runtime reads version 1")
        }

        // Defaults, then the environment overrides of DESIGN.md.
        var defaultLimits = SubscriptionLimits(dailyMessages: 1000, monthlyMessages: 30000, dailyCampaigns: 10, monthlyCampaigns: 300)
        var defaultFeatures = FeatureFlags.all
        var defaultPlan: String?
        var runtime = RuntimeSettings()
        if let node = top.node("defaults"), var defaults = YAMLMappingReader(node, what: "defaults", known: Self.defaultsKeys, collector: collector, interpolation: interpolation) {
            defaultPlan = defaults.string("plan")
            if let limits = defaults.node("limits") { readLimits(limits, what: "defaults.limits", into: &defaultLimits) }
            if let features = defaults.node("features") { readFeatures(features, what: "defaults.features", into: &defaultFeatures) }
            if let node = defaults.node("runtime"), var reader = YAMLMappingReader(node, what: "defaults.runtime", known: Self.runtimeKeys, collector: collector, interpolation: interpolation) {
                if let value = reader.double("debounce_seconds") { runtime.debounceSeconds = value }
                if let value = reader.int("max_workers", minimum: 1) { runtime.maxWorkers = value }
                if let value = reader.int("busy_threshold", minimum: 0) { runtime.busyThreshold = value }
                if let value = reader.string("holding_message"), !value.isEmpty { runtime.holdingMessage = value }
            }
        }
        for (key, variable) in Self.limitEnvironment {
            guard let text = environment[variable], !text.isEmpty else { continue }
            if let value = Int(text), value >= 0 { defaultLimits[key] = value } else {
                collector.add(.error, "\(variable) must be a whole number, found '\(text)'", at: nil, hint: "unset it or set a number")
            }
        }
        applyRuntimeEnvironment(&runtime)
        contents.runtime = runtime

        // Plans.
        var plans: [String: (limits: SubscriptionLimits, features: FeatureFlags)] = [:]
        if let node = top.node("plans") {
            if let mapping = node.mapping {
                for (keyNode, planNode) in mapping {
                    guard let name = keyNode.scalar?.string else { continue }
                    guard var plan = YAMLMappingReader(planNode, what: "plan '\(name)'", known: Self.planKeys, collector: collector, interpolation: interpolation) else { continue }
                    var limits = defaultLimits
                    if plan.bool("unlimited") == true { limits = .unlimited }
                    if let node = plan.node("limits") { readLimits(node, what: "plan '\(name)' limits", into: &limits) }
                    var features = defaultFeatures
                    if let node = plan.node("features") { readFeatures(node, what: "plan '\(name)' features", into: &features) }
                    plans[name] = (limits, features)
                }
            } else {
                collector.error("plans must be a mapping of plan names, found \(node.kindDescription)", at: node)
            }
        }

        if let defaultPlan, plans[defaultPlan] == nil {
            collector.error(
                "unknown plan '\(defaultPlan)' in defaults", at: top.node("defaults")?.mapping?["plan"],
                hint: Suggestion.closest(to: defaultPlan, in: Array(plans.keys)).map { "did you mean '\($0)'?" } ?? "define it under `plans:`"
            )
        }

        // Provider accounts.
        if let node = top.node("accounts") {
            if let mapping = node.mapping {
                for (keyNode, accountNode) in mapping {
                    guard let id = keyNode.scalar?.string else { continue }
                    if let account = readAccount(id: id, node: accountNode) { contents.accounts[id] = account }
                }
            } else {
                collector.error("accounts must be a mapping of account ids, found \(node.kindDescription)", at: node)
            }
        }

        // Tenants.
        let tenantNodes = top.sequence("tenants", required: true) ?? []
        var seenTenants: [String: Node] = [:]
        for tenantNode in tenantNodes {
            guard var reader = YAMLMappingReader(tenantNode, what: "tenant", known: Self.tenantKeys, collector: collector, interpolation: interpolation) else { continue }
            guard let id = reader.string("id", required: true, hint: "a slug such as `acme`") else { continue }
            let idNode = reader.node("id")
            if !Self.isSlug(id) {
                collector.error("tenant id '\(id)' is not a slug", at: idNode, hint: "use lower-case letters, digits, '-' and '_'")
            }
            if let first = seenTenants[id] {
                collector.error("duplicate tenant id '\(id)'", at: idNode, hint: "first defined at line \(first.mark?.line ?? 0)")
            } else if let idNode {
                seenTenants[id] = idNode
            }
            let name = reader.string("name", required: true) ?? id
            var limits = defaultLimits
            var features = defaultFeatures
            var planName = defaultPlan ?? "default"
            if let node = reader.node("subscription"), var subscription = YAMLMappingReader(node, what: "subscription of tenant '\(id)'", known: Self.subscriptionKeys, collector: collector, interpolation: interpolation) {
                if let plan = subscription.string("plan") { planName = plan }
                if let plan = plans[planName] {
                    limits = plan.limits
                    features = plan.features
                } else if subscription.has("plan") {
                    collector.error(
                        "unknown plan '\(planName)'", at: subscription.node("plan") ?? node,
                        hint: Suggestion.closest(to: planName, in: Array(plans.keys)).map { "did you mean '\($0)'?" } ?? "define it under `plans:`"
                    )
                }
                if let node = subscription.node("limits") { readLimits(node, what: "limits of tenant '\(id)'", into: &limits) }
                if let node = subscription.node("features") { readFeatures(node, what: "features of tenant '\(id)'", into: &features) }
            } else if let plan = plans[planName] {
                limits = plan.limits
                features = plan.features
            }
            var chatbots: [ChatbotDefinition] = []
            for chatbotNode in reader.sequence("chatbots", required: true) ?? [] {
                if let draft = readChatbot(chatbotNode, tenantID: TenantID(id), accounts: contents.accounts) {
                    chatbots.append(draft.definition)
                    contents.chatbotDrafts.append(draft)
                }
            }
            contents.tenants.append(TenantDefinition(id: TenantID(id), name: name, subscription: Subscription(plan: planName, limits: limits, features: features), chatbots: chatbots))
        }
        return contents
    }

    private func applyRuntimeEnvironment(_ runtime: inout RuntimeSettings) {
        if let text = environment["DEBOUNCE_SECONDS"], !text.isEmpty {
            if let value = Double(text), value >= 0 { runtime.debounceSeconds = value } else {
                collector.add(.error, "DEBOUNCE_SECONDS must be a number of seconds, found '\(text)'", at: nil)
            }
        }
        if let text = environment["MAX_WORKERS"], !text.isEmpty {
            if let value = Int(text), value >= 1 { runtime.maxWorkers = value } else {
                collector.add(.error, "MAX_WORKERS must be a whole number of at least 1, found '\(text)'", at: nil)
            }
        }
        if let text = environment["BUSY_THRESHOLD"], !text.isEmpty {
            if let value = Int(text), value >= 0 { runtime.busyThreshold = value } else {
                collector.add(.error, "BUSY_THRESHOLD must be a whole number (0 disables the holding message), found '\(text)'", at: nil)
            }
        }
    }

    private func readLimits(_ node: Node, what: String, into limits: inout SubscriptionLimits) {
        guard let mapping = node.mapping else {
            collector.error("\(what) must be a mapping, found \(node.kindDescription)", at: node)
            return
        }
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else { continue }
            guard SubscriptionLimits.keys.contains(key) else {
                let suggestion = Suggestion.closest(to: key, in: SubscriptionLimits.keys)
                collector.error(
                    "limit '\(key)' in \(what) is not enforced by this runtime", at: keyNode,
                    hint: suggestion.map { "did you mean '\($0)'?" } ?? "enforced limits: \(SubscriptionLimits.keys.joined(separator: ", "))"
                )
                continue
            }
            guard let text = valueNode.scalar.map({ interpolation.expand($0.string).value }) else {
                collector.error("limit '\(key)' must be a whole number or `unlimited`, found \(valueNode.kindDescription)", at: valueNode)
                continue
            }
            if text == "unlimited" || text == "null" || text == "~" {
                limits[key] = nil
            } else if let value = Int(text.filter { $0 != "_" && $0 != "," }), value >= 0 {
                limits[key] = value
            } else {
                collector.error("limit '\(key)' must be a whole number or `unlimited`, found '\(text)'", at: valueNode)
            }
        }
    }

    private func readFeatures(_ node: Node, what: String, into features: inout FeatureFlags) {
        guard let mapping = node.mapping else {
            collector.error("\(what) must be a mapping of feature: true|false, found \(node.kindDescription)", at: node)
            return
        }
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else { continue }
            guard FeatureFlags.keys.contains(key) else {
                let suggestion = Suggestion.closest(to: key, in: FeatureFlags.keys)
                collector.error(
                    "feature '\(key)' in \(what) is not enforced by this runtime", at: keyNode,
                    hint: suggestion.map { "did you mean '\($0)'?" } ?? "known features: \(FeatureFlags.keys.joined(separator: ", "))"
                )
                continue
            }
            switch valueNode.scalar?.string.lowercased() {
            case "true", "yes", "on": features.set(key, true)
            case "false", "no", "off": features.set(key, false)
            default: collector.error("feature '\(key)' must be true or false", at: valueNode)
            }
        }
    }

    private func readAccount(id: String, node: Node) -> ProviderAccount? {
        let providerName = node.mapping?["provider"]?.scalar?.string
        guard let providerName else {
            collector.error("missing field 'provider' in account '\(id)'", at: node, hint: "one of meta, infobip, twilio")
            return nil
        }
        guard let provider = ProviderKind(rawValue: providerName), provider != .local, let known = Self.accountKeys[provider] else {
            collector.error("unknown provider '\(providerName)' in account '\(id)'", at: node.mapping?["provider"], hint: "one of meta, infobip, twilio")
            return nil
        }
        guard var reader = YAMLMappingReader(node, what: "account '\(id)'", known: known, collector: collector, interpolation: interpolation) else { return nil }
        var settings: [String: String] = [:]
        for key in known where key != "provider" && key != "base_url" {
            if let value = reader.string(key), !value.isEmpty { settings[key] = value }
        }
        var disabledReason: String?
        let unset = reader.unsetReferences
        if !unset.isEmpty {
            let names = unset.map(\.name)
            disabledReason = "\(names.joined(separator: ", ")) \(names.count == 1 ? "is" : "are") not set"
            for reference in unset {
                collector.add(
                    strict ? .error : .warning, "${\(reference.name)} is not set: the channels of account '\(id)' are disabled", at: reference.node.mark,
                    hint: "export \(reference.name)=... before starting"
                )
            }
        }
        for key in Self.requiredAccountKeys[provider] ?? [] where !reader.has(key) {
            collector.error("missing field '\(key)' in account '\(id)'", at: node, hint: "write `\(key): ${\(id.uppercased())_\(key.uppercased())}`")
        }
        var baseURL = ProviderAccount.defaultBaseURL(for: provider)
        if let variable = ProviderAccount.baseURLEnvironmentVariable(for: provider), let value = environment[variable], !value.isEmpty {
            baseURL = value
        } else if let value = reader.string("base_url"), !value.isEmpty {
            baseURL = value
        }
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        if !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
            collector.error("base_url of account '\(id)' must start with http:// or https://", at: reader.node("base_url") ?? node)
        }
        return ProviderAccount(id: id, provider: provider, baseURL: baseURL, settings: settings, disabledReason: disabledReason)
    }

    private func readChatbot(_ node: Node, tenantID: TenantID, accounts: [String: ProviderAccount]) -> ChatbotDraft? {
        guard var reader = YAMLMappingReader(node, what: "chatbot of tenant '\(tenantID)'", known: Self.chatbotKeys, collector: collector, interpolation: interpolation) else { return nil }
        guard let id = reader.string("id", required: true), let idNode = reader.node("id") else { return nil }
        if !Self.isSlug(id) {
            collector.error("chatbot id '\(id)' is not a slug", at: idNode, hint: "use lower-case letters, digits, '-' and '_'")
        }
        let name = reader.string("name") ?? id
        let agent = reader.string("agent", required: true, hint: "the id of a file in agents/") ?? ""
        var bindings: [ChannelBinding] = []
        var numberNodes: [Node] = []
        for channelNode in reader.sequence("channels", required: true) ?? [] {
            guard var channel = YAMLMappingReader(channelNode, what: "channel of chatbot '\(id)'", known: Self.channelKeys, collector: collector, interpolation: interpolation) else { continue }
            let accountID = channel.string("account", required: true)
            let numberText = channel.string("number", required: true)
            // An unset `${VAR}` expands to "": no id, rather than a route for the empty id.
            let phoneNumberID = channel.string("phone_number_id").flatMap { $0.isEmpty ? nil : $0 }
            guard let accountID, let numberText, let numberNode = channel.node("number") else { continue }
            guard let number = PhoneNumber(normalizing: numberText) else {
                collector.error("bad number '\(numberText)'", at: numberNode, hint: "international format with country code, e.g. +961 79 374 241")
                continue
            }
            guard let account = accounts[accountID] else {
                collector.error(
                    "unknown provider account '\(accountID)'", at: channel.node("account"),
                    hint: Suggestion.closest(to: accountID, in: Array(accounts.keys)).map { "did you mean '\($0)'?" } ?? "define it under `accounts:`"
                )
                continue
            }
            var disabledReason = account.disabledReason.map { "account '\(accountID)': \($0)" }
            if !channel.unsetReferences.isEmpty {
                let names = channel.unsetReferences.map(\.name).joined(separator: ", ")
                disabledReason = disabledReason ?? "\(names) not set"
                for reference in channel.unsetReferences {
                    collector.add(strict ? .error : .warning, "${\(reference.name)} is not set: this channel is disabled", at: reference.node.mark)
                }
            }
            if account.provider == .meta, phoneNumberID == nil, channel.unsetReferences.isEmpty {
                collector.error("missing field 'phone_number_id' in Meta channel of chatbot '\(id)'", at: channelNode, hint: "Meta sends to /{version}/{phone_number_id}/messages")
            }
            bindings.append(ChannelBinding(accountID: accountID, provider: account.provider, number: number, phoneNumberID: phoneNumberID, disabledReason: disabledReason))
            numberNodes.append(numberNode)
        }
        let definition = ChatbotDefinition(id: ChatbotID(id), tenantID: tenantID, name: name, agentID: AgentID(agent), channels: bindings)
        return ChatbotDraft(definition: definition, idNode: idNode, agentNode: reader.node("agent"), numberNodes: numberNodes)
    }

    static func isSlug(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.properties.isLowercase || ("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }
}
