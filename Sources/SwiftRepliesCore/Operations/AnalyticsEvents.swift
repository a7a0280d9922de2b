import Foundation

/// An analytics event to record (`action.created`, `usage.limit_exceeded`, ...).
public struct AnalyticsEventDraft: Sendable, Hashable {
    public var tenantID: TenantID
    public var chatbotID: ChatbotID?
    public var contactID: ContactID?
    public var type: String
    /// Flat facts, stored as a JSON object.
    public var data: [String: String]
    public var at: Date

    public init(tenantID: TenantID, chatbotID: ChatbotID? = nil, contactID: ContactID? = nil, type: String, data: [String: String] = [:], at: Date) {
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.contactID = contactID
        self.type = type
        self.data = data
        self.at = at
    }
}

/// A recorded analytics event.
public struct AnalyticsEventRecord: Sendable, Hashable {
    public var id: Int64
    public var tenantID: TenantID
    public var chatbotID: ChatbotID?
    public var contactID: ContactID?
    public var type: String
    public var data: [String: String]
    public var at: Date

    public init(id: Int64, tenantID: TenantID, chatbotID: ChatbotID?, contactID: ContactID?, type: String, data: [String: String], at: Date) {
        self.id = id
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.contactID = contactID
        self.type = type
        self.data = data
        self.at = at
    }
}
