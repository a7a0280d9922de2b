import Foundation

/// A contact with everything the operator API shows.
public struct ContactRecord: Sendable, Hashable {
    public var id: ContactID
    public var tenantID: TenantID
    public var phone: PhoneNumber
    public var name: String?
    public var tags: [String]
    public var customFields: [String: String]
    /// The chatbot the contact last wrote to.
    public var chatbotID: ChatbotID?
    public var lastInteraction: Date?
    public var createdAt: Date

    public init(
        id: ContactID, tenantID: TenantID, phone: PhoneNumber, name: String?, tags: [String], customFields: [String: String], chatbotID: ChatbotID?,
        lastInteraction: Date?, createdAt: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.phone = phone
        self.name = name
        self.tags = tags
        self.customFields = customFields
        self.chatbotID = chatbotID
        self.lastInteraction = lastInteraction
        self.createdAt = createdAt
    }
}

/// Which contacts to list.
public struct ContactFilter: Sendable, Hashable {
    /// Digits the phone number contains (`9617937` finds `96179374241`).
    public var phoneDigits: String?
    /// Contacts carrying this tag.
    public var tag: String?
    /// Text the name or phone number contains (case-insensitive).
    public var search: String?
    public var limit: Int
    public var offset: Int

    public init(phoneDigits: String? = nil, tag: String? = nil, search: String? = nil, limit: Int = 50, offset: Int = 0) {
        self.phoneDigits = phoneDigits
        self.tag = tag
        self.search = search
        self.limit = limit
        self.offset = offset
    }
}

/// Changes to a contact; `nil` leaves a field as it is.
public struct ContactChanges: Sendable, Hashable {
    public var name: String?
    /// Replaces the tags.
    public var tags: [String]?
    /// Merged into the custom fields; a `nil` value removes that field.
    public var customFields: [String: String?]?

    public init(name: String? = nil, tags: [String]? = nil, customFields: [String: String?]? = nil) {
        self.name = name
        self.tags = tags
        self.customFields = customFields
    }
}
