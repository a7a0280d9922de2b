import SwiftRepliesCore

/// An immutable, fully validated configuration: what every turn runs on. A reload builds a new
/// snapshot and swaps one reference; turns keep the snapshot they started with.
public struct ConfigSnapshot: Sendable {
    /// Goes up by one each time a configuration is applied.
    public var revision: Int
    public let tenants: [TenantDefinition]
    public let agents: [AgentID: AgentDefinition]
    public let accounts: [String: ProviderAccount]
    public let runtime: RuntimeSettings
    public let switches: HostSwitches
    public let routing: RoutingTable
    /// Warnings found while loading (unset secrets that disabled channels, ...).
    public let warnings: [ConfigDiagnostic]
    private let tenantsByID: [TenantID: TenantDefinition]
    private let chatbotsByID: [ChatbotID: ChatbotDefinition]
    /// Enabled accounts per provider, sorted by id: every webhook's signature check reads them.
    private let enabledAccounts: [ProviderKind: [ProviderAccount]]

    public init(
        revision: Int, tenants: [TenantDefinition], agents: [AgentID: AgentDefinition], accounts: [String: ProviderAccount],
        runtime: RuntimeSettings, switches: HostSwitches, warnings: [ConfigDiagnostic] = []
    ) {
        self.revision = revision
        self.tenants = tenants
        self.agents = agents
        self.accounts = accounts
        self.runtime = runtime
        self.switches = switches
        self.warnings = warnings
        self.routing = RoutingTable(tenants: tenants)
        var tenantsByID: [TenantID: TenantDefinition] = [:]
        var chatbotsByID: [ChatbotID: ChatbotDefinition] = [:]
        for tenant in tenants {
            tenantsByID[tenant.id] = tenant
            for chatbot in tenant.chatbots { chatbotsByID[chatbot.id] = chatbot }
        }
        self.tenantsByID = tenantsByID
        self.chatbotsByID = chatbotsByID
        self.enabledAccounts = Dictionary(grouping: accounts.values.filter(\.isEnabled), by: \.provider).mapValues { $0.sorted { $0.id < $1.id } }
    }

    /// Whether `other` configures the same tenants, agents, accounts, runtime settings and host
    /// switches (revisions and warnings aside): a reload that finds nothing changed.
    public func hasSameContent(as other: ConfigSnapshot) -> Bool {
        tenants == other.tenants && agents == other.agents && accounts == other.accounts && runtime == other.runtime
            && switches == other.switches
    }

    public func tenant(_ id: TenantID) -> TenantDefinition? { tenantsByID[id] }
    public func chatbot(_ id: ChatbotID) -> ChatbotDefinition? { chatbotsByID[id] }
    public func agent(_ id: AgentID) -> AgentDefinition? { agents[id] }

    /// Every chatbot of every tenant.
    public var chatbots: [ChatbotDefinition] { tenants.flatMap(\.chatbots) }

    /// The enabled accounts of a provider.
    public func accounts(for provider: ProviderKind) -> [ProviderAccount] {
        enabledAccounts[provider] ?? []
    }

    /// Channels that cannot send or receive, with the reason, for `/health`.
    public var disabledChannels: [(chatbot: ChatbotID, account: String, reason: String)] {
        chatbots.flatMap { chatbot in
            chatbot.channels.compactMap { binding in binding.disabledReason.map { (chatbot.id, binding.accountID, $0) } }
        }
    }
}
