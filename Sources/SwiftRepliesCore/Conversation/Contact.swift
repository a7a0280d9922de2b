import Foundation

/// A customer of one tenant. The same phone number in two tenants is two contacts.
public struct Contact: Sendable, Hashable {
    public var id: ContactID
    public var tenantID: TenantID
    public var phone: PhoneNumber
    public var name: String?

    public init(id: ContactID, tenantID: TenantID, phone: PhoneNumber, name: String? = nil) {
        self.id = id
        self.tenantID = tenantID
        self.phone = phone
        self.name = name
    }
}

/// Which way a message went.
public enum MessageDirection: String, Sendable, Codable, Hashable {
    case inbound
    case outbound
}

/// A stored message as the agent sees it in a turn's history.
public struct ConversationMessage: Sendable, Hashable {
    public var id: MessageID
    public var direction: MessageDirection
    public var kind: MessageKind
    public var text: String?
    public var isFromHuman: Bool
    public var createdAt: Date

    public init(id: MessageID, direction: MessageDirection, kind: MessageKind, text: String?, isFromHuman: Bool = false, createdAt: Date) {
        self.id = id
        self.direction = direction
        self.kind = kind
        self.text = text
        self.isFromHuman = isFromHuman
        self.createdAt = createdAt
    }
}

/// An instruction an operator gave the bot for one conversation ("offer free delivery"),
/// active until it expires or is deleted.
public struct ConversationInstruction: Sendable, Hashable {
    public var id: Int64
    public var tenantID: TenantID
    public var chatbotID: ChatbotID
    public var contactID: ContactID
    public var text: String
    public var expiresAt: Date?
    public var createdAt: Date

    public init(id: Int64, tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID, text: String, expiresAt: Date?, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.contactID = contactID
        self.text = text
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }

    /// Whether it applies at `date`.
    public func isActive(at date: Date) -> Bool {
        guard let expiresAt else { return true }
        return expiresAt > date
    }
}
