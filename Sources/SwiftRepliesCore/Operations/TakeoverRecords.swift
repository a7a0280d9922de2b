import Foundation

/// A human holding a conversation: the bot stays quiet until it is released.
public struct TakeoverRecord: Sendable, Hashable {
    public var id: Int64
    public var tenantID: TenantID
    public var chatbotID: ChatbotID
    public var contactID: ContactID
    /// Who took it (`api_key:<name>`).
    public var startedBy: String?
    public var startedAt: Date
    public var releasedAt: Date?

    public init(id: Int64, tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID, startedBy: String?, startedAt: Date, releasedAt: Date?) {
        self.id = id
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.contactID = contactID
        self.startedBy = startedBy
        self.startedAt = startedAt
        self.releasedAt = releasedAt
    }

    /// The conversation taken over.
    public var conversation: ConversationKey { ConversationKey(tenantID: tenantID, chatbotID: chatbotID, contactID: contactID) }
}

/// The outcome of `TakeoverStore.startTakeover`.
public enum TakeoverStart: Sendable, Hashable {
    case started(TakeoverRecord)
    /// A takeover of that contact is already active: nothing changed.
    case alreadyActive(TakeoverRecord)
}
