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

/// Destination number (and Meta phone number id) to chatbot, per provider. Built once per
/// configuration snapshot; lookups are dictionary reads.
public struct RoutingTable: Sendable {
    private struct Key: Hashable {
        var provider: ProviderKind
        var number: String
    }

    private var byNumber: [Key: Route] = [:]
    private var byPhoneNumberID: [String: Route] = [:]
    /// Any provider: the first binding of each number, for `chat` and reports.
    private var anyProvider: [String: Route] = [:]

    public init(tenants: [TenantDefinition]) {
        for tenant in tenants {
            for chatbot in tenant.chatbots {
                for binding in chatbot.channels {
                    let route = Route(tenantID: tenant.id, chatbotID: chatbot.id, binding: binding)
                    let key = Key(provider: binding.provider, number: binding.number.digits)
                    if byNumber[key] == nil { byNumber[key] = route }
                    if anyProvider[binding.number.digits] == nil { anyProvider[binding.number.digits] = route }
                    if let phoneNumberID = binding.phoneNumberID, byPhoneNumberID[phoneNumberID] == nil {
                        byPhoneNumberID[phoneNumberID] = route
                    }
                }
            }
        }
    }

    /// The route of a message sent to `number` (or Meta's `phoneNumberID`) through `provider`.
    /// A number configured for another provider of the same chatbot still routes (the reply then
    /// goes out through the channel the message came in on when it is configured, else the first).
    public func route(provider: ProviderKind, number: PhoneNumber?, phoneNumberID: String? = nil) -> Route? {
        if let number, let route = byNumber[Key(provider: provider, number: number.digits)] { return route }
        if let phoneNumberID, let route = byPhoneNumberID[phoneNumberID] { return route }
        if let number, let route = anyProvider[number.digits] { return route }
        return nil
    }

    /// The number of routable numbers.
    public var count: Int { anyProvider.count }
}
