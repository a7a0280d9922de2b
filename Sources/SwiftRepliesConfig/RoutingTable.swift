import SwiftRepliesCore

/// Where an inbound message goes: the chatbot and the channel it arrived on.
public struct Route: Sendable, Hashable {
    public var tenantID: TenantID
    public var chatbotID: ChatbotID
    public var binding: ChannelBinding

    public init(tenantID: TenantID, chatbotID: ChatbotID, binding: ChannelBinding) {
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.binding = binding
    }
}

/// What a destination of a signed webhook is, for the accounts that signed it.
public enum RouteLookup: Sendable, Hashable {
    /// A number one of the signing accounts serves.
    case routed(Route)
    /// A number that a provider account serves, but none of the signing ones: the payload is
    /// refused for it (another business's number).
    case otherAccount
    /// A number no account serves: kept as unroutable.
    case unknown
}

/// Destination number (and Meta phone number id) to chatbot, per provider and account. Built
/// once per configuration snapshot; lookups are dictionary reads.
///
/// A webhook is routed only to numbers that the account which signed it serves: the secret of
/// one business's provider account never reaches another business's chatbot, and a number is
/// never reached through a provider it is not configured for.
public struct RoutingTable: Sendable {
    private struct Key: Hashable {
        var provider: ProviderKind
        var number: String
    }

    /// Every binding of a number on a provider, in configuration order.
    private var byNumber: [Key: [Route]] = [:]
    /// Every binding of a Meta phone number id, in configuration order.
    private var byPhoneNumberID: [String: [Route]] = [:]
    /// Numbers some binding serves, on any provider.
    private var servedNumbers: Set<String> = []
    /// The chatbots each account serves, by provider and account id.
    private var chatbotsByAccount: [String: Set<ChatbotID>] = [:]

    public init(tenants: [TenantDefinition]) {
        for tenant in tenants {
            for chatbot in tenant.chatbots {
                for binding in chatbot.channels {
                    let route = Route(tenantID: tenant.id, chatbotID: chatbot.id, binding: binding)
                    byNumber[Key(provider: binding.provider, number: binding.number.digits), default: []].append(route)
                    servedNumbers.insert(binding.number.digits)
                    if let phoneNumberID = binding.phoneNumberID { byPhoneNumberID[phoneNumberID, default: []].append(route) }
                    chatbotsByAccount[Self.accountKey(binding.provider, binding.accountID), default: []].insert(chatbot.id)
                }
            }
        }
    }

    private static func accountKey(_ provider: ProviderKind, _ accountID: String) -> String { "\(provider.rawValue)/\(accountID)" }

    /// The route of a message sent to `number` (or Meta's `phoneNumberID`) through `provider`,
    /// through any of the provider's accounts. The number wins over the phone number id.
    public func route(provider: ProviderKind, number: PhoneNumber?, phoneNumberID: String? = nil) -> Route? {
        bindings(provider: provider, number: number, phoneNumberID: phoneNumberID).first
    }

    /// The route of a message to `number` (or Meta's `phoneNumberID`) in a webhook that
    /// `accountIDs` signed: routed only through a binding of one of those accounts.
    public func route(provider: ProviderKind, number: PhoneNumber?, phoneNumberID: String?, signedBy accountIDs: Set<String>) -> RouteLookup {
        let candidates = bindings(provider: provider, number: number, phoneNumberID: phoneNumberID)
        if let route = candidates.first(where: { accountIDs.contains($0.binding.accountID) }) { return .routed(route) }
        if !candidates.isEmpty { return .otherAccount }
        if let number, servedNumbers.contains(number.digits) { return .otherAccount }
        return .unknown
    }

    /// The chatbots with a `provider` binding of one of `accountIDs`: the only ones whose sent
    /// messages a delivery status those accounts signed may change.
    public func chatbots(provider: ProviderKind, servedBy accountIDs: Set<String>) -> Set<ChatbotID> {
        var chatbots: Set<ChatbotID> = []
        for accountID in accountIDs { chatbots.formUnion(chatbotsByAccount[Self.accountKey(provider, accountID)] ?? []) }
        return chatbots
    }

    private func bindings(provider: ProviderKind, number: PhoneNumber?, phoneNumberID: String?) -> [Route] {
        if let number, let routes = byNumber[Key(provider: provider, number: number.digits)] { return routes }
        if provider == .meta, let phoneNumberID, let routes = byPhoneNumberID[phoneNumberID] { return routes }
        return []
    }

    /// The number of routable numbers.
    public var count: Int { servedNumbers.count }
}
