/// Usage limits of a subscription. `nil` means unlimited.
public struct SubscriptionLimits: Sendable, Hashable {
    public var dailyMessages: Int?
    public var monthlyMessages: Int?
    public var dailyCampaigns: Int?
    public var monthlyCampaigns: Int?
    public var maxChatbots: Int?
    public var maxContacts: Int?
    public var maxAPIKeys: Int?
    public var maxWebhooks: Int?
    public var maxActionsPerDay: Int?
    public var messageHistoryDays: Int?

    public init(
        dailyMessages: Int? = nil, monthlyMessages: Int? = nil, dailyCampaigns: Int? = nil, monthlyCampaigns: Int? = nil,
        maxChatbots: Int? = nil, maxContacts: Int? = nil, maxAPIKeys: Int? = nil, maxWebhooks: Int? = nil,
        maxActionsPerDay: Int? = nil, messageHistoryDays: Int? = nil
    ) {
        self.dailyMessages = dailyMessages
        self.monthlyMessages = monthlyMessages
        self.dailyCampaigns = dailyCampaigns
        self.monthlyCampaigns = monthlyCampaigns
        self.maxChatbots = maxChatbots
        self.maxContacts = maxContacts
        self.maxAPIKeys = maxAPIKeys
        self.maxWebhooks = maxWebhooks
        self.maxActionsPerDay = maxActionsPerDay
        self.messageHistoryDays = messageHistoryDays
    }

    /// No limit at all (the `unlimited` plan).
    public static let unlimited = SubscriptionLimits()

    /// The YAML key of every limit, in documentation order.
    public static let keys = [
        "daily_messages", "monthly_messages", "daily_campaigns", "monthly_campaigns", "max_chatbots",
        "max_contacts", "max_api_keys", "max_webhooks", "max_actions_per_day", "message_history_days",
    ]

    /// Reads or writes a limit by its YAML key.
    public subscript(key: String) -> Int? {
        get {
            switch key {
            case "daily_messages": return dailyMessages
            case "monthly_messages": return monthlyMessages
            case "daily_campaigns": return dailyCampaigns
            case "monthly_campaigns": return monthlyCampaigns
            case "max_chatbots": return maxChatbots
            case "max_contacts": return maxContacts
            case "max_api_keys": return maxAPIKeys
            case "max_webhooks": return maxWebhooks
            case "max_actions_per_day": return maxActionsPerDay
            case "message_history_days": return messageHistoryDays
            default: return nil
            }
        }
        set {
            switch key {
            case "daily_messages": dailyMessages = newValue
            case "monthly_messages": monthlyMessages = newValue
            case "daily_campaigns": dailyCampaigns = newValue
            case "monthly_campaigns": monthlyCampaigns = newValue
            case "max_chatbots": maxChatbots = newValue
            case "max_contacts": maxContacts = newValue
            case "max_api_keys": maxAPIKeys = newValue
            case "max_webhooks": maxWebhooks = newValue
            case "max_actions_per_day": maxActionsPerDay = newValue
            case "message_history_days": messageHistoryDays = newValue
            default: break
            }
        }
    }
}

/// Features a subscription switches on or off for a tenant.
public struct FeatureFlags: Sendable, Hashable {
    /// The YAML key of every feature the runtime knows, in documentation order.
    public static let keys = [
        "actions_center", "live_takeover", "campaigns", "api_access", "webhooks", "analytics", "otp",
        "payment_reminders", "orders",
    ]

    private var enabled: Set<String>

    /// Flags with the given features on.
    public init(enabled: Set<String>) { self.enabled = enabled }

    /// Every feature on.
    public static let all = FeatureFlags(enabled: Set(keys))

    public func isEnabled(_ feature: String) -> Bool { enabled.contains(feature) }

    public mutating func set(_ feature: String, _ on: Bool) {
        if on { enabled.insert(feature) } else { enabled.remove(feature) }
    }

    public var enabledFeatures: [String] { Self.keys.filter { enabled.contains($0) } }
}

/// A tenant's subscription: its plan, with the tenant's overrides applied.
public struct Subscription: Sendable, Hashable {
    public var plan: String
    public var limits: SubscriptionLimits
    public var features: FeatureFlags

    public init(plan: String, limits: SubscriptionLimits, features: FeatureFlags) {
        self.plan = plan
        self.limits = limits
        self.features = features
    }
}

/// Host-wide knobs of the dispatch engine.
public struct RuntimeSettings: Sendable, Hashable {
    /// Messages of one conversation arriving within this window become one turn; 0 disables it.
    public var debounceSeconds: Double
    /// At most this many turns run at once on a host.
    public var maxWorkers: Int
    /// When every worker is busy and at least this many turns wait, waiting customers get a
    /// holding message once per busy period (which lasts until no turn waits); 0 disables it.
    public var busyThreshold: Int
    /// The holding message.
    public var holdingMessage: String

    public init(debounceSeconds: Double = 3, maxWorkers: Int = 5, busyThreshold: Int = 3, holdingMessage: String = RuntimeSettings.defaultHoldingMessage) {
        self.debounceSeconds = debounceSeconds
        self.maxWorkers = maxWorkers
        self.busyThreshold = busyThreshold
        self.holdingMessage = holdingMessage
    }

    public static let defaultHoldingMessage = "We got your message, one moment please."
}

/// Where and how a chatbot is reachable on one provider account.
public struct ChannelBinding: Sendable, Hashable {
    /// The provider account (`accounts:` key in `tenants.yaml`).
    public var accountID: String
    public var provider: ProviderKind
    /// The business's WhatsApp number, canonical.
    public var number: PhoneNumber
    /// Meta's phone number id (required for Meta; unused elsewhere).
    public var phoneNumberID: String?
    /// Why this channel cannot send or receive (for example an unset secret); `nil` when enabled.
    public var disabledReason: String?

    public init(accountID: String, provider: ProviderKind, number: PhoneNumber, phoneNumberID: String? = nil, disabledReason: String? = nil) {
        self.accountID = accountID
        self.provider = provider
        self.number = number
        self.phoneNumberID = phoneNumberID
        self.disabledReason = disabledReason
    }

    public var isEnabled: Bool { disabledReason == nil }
}

/// A chatbot of a tenant: a number (or several) answered by one agent.
public struct ChatbotDefinition: Sendable, Hashable {
    public var id: ChatbotID
    public var tenantID: TenantID
    public var name: String
    public var agentID: AgentID
    public var channels: [ChannelBinding]

    public init(id: ChatbotID, tenantID: TenantID, name: String, agentID: AgentID, channels: [ChannelBinding]) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.agentID = agentID
        self.channels = channels
    }
}

/// A tenant (a business) as configured in `tenants.yaml`.
public struct TenantDefinition: Sendable, Hashable {
    public var id: TenantID
    public var name: String
    public var subscription: Subscription
    public var chatbots: [ChatbotDefinition]

    public init(id: TenantID, name: String, subscription: Subscription, chatbots: [ChatbotDefinition]) {
        self.id = id
        self.name = name
        self.subscription = subscription
        self.chatbots = chatbots
    }
}
