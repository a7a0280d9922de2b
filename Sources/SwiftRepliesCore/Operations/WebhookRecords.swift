import Foundation

/// An outgoing webhook subscription of a tenant.
public struct WebhookRecord: Sendable, Hashable {
    public var id: Int64
    public var tenantID: TenantID
    public var chatbotID: ChatbotID?
    public var url: String
    public var events: [String]
    /// The secret deliveries are signed with.
    public var secret: String?
    public var isActive: Bool
    public var createdAt: Date

    public init(id: Int64, tenantID: TenantID, chatbotID: ChatbotID?, url: String, events: [String], secret: String?, isActive: Bool, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.url = url
        self.events = events
        self.secret = secret
        self.isActive = isActive
        self.createdAt = createdAt
    }
}

/// A new outgoing webhook subscription.
public struct WebhookDraft: Sendable, Hashable {
    public var tenantID: TenantID
    public var chatbotID: ChatbotID?
    public var url: String
    public var events: [String]
    public var secret: String
    public var createdAt: Date

    public init(tenantID: TenantID, chatbotID: ChatbotID?, url: String, events: [String], secret: String, createdAt: Date) {
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.url = url
        self.events = events
        self.secret = secret
        self.createdAt = createdAt
    }
}
