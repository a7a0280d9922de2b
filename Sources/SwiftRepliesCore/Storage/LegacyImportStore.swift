import Foundation

/// A store that can take in the data of the old single-tenant database (seed 000) for one
/// tenant: `swiftreplies import-legacy`.
///
/// Every write is keyed by the legacy row's id, so importing the same rows again adds nothing:
/// messages, orders and campaigns by `(tenant_id, legacy_id)`, contacts by `(tenant_id,
/// phone_number)` (a contact that live traffic already created is matched, never duplicated).
/// Imported messages are history, not work: inbound ones are stored as processed and outbound
/// ones as delivered, so the dispatcher never answers or sends them.
public protocol LegacyImportStore: Sendable {
    /// Matches each contact to the tenant's contact with the same phone number, creating the
    /// missing ones; returns one match per contact whose phone number is valid, in input order.
    /// Contacts sharing a phone number once normalised map to the same contact (created at most
    /// once). A matched contact gets the legacy id, name and thread id it lacks.
    func importLegacyContacts(
        _ contacts: [LegacyContact], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date
    ) async throws -> [LegacyContactMatch]

    /// Inserts the messages not imported before (by legacy id) into the conversation of each
    /// message's contact with `chatbotID`; returns how many were inserted. `contactIDs` maps
    /// legacy contact ids to the tenant's contacts and must hold every message's contact.
    func importLegacyMessages(
        _ messages: [LegacyMessage], contactIDs: [Int64: ContactID], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date
    ) async throws -> Int

    /// Inserts the orders not imported before (by legacy id), each with one order item for its
    /// product; returns how many orders were inserted. An order whose contact is not in
    /// `contactIDs` is stored without a contact.
    func importLegacyOrders(
        _ orders: [LegacyOrder], contactIDs: [Int64: ContactID], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date
    ) async throws -> Int

    /// Inserts the campaigns not imported before (by legacy id); returns how many were inserted.
    func importLegacyCampaigns(_ campaigns: [LegacyCampaign], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date) async throws -> Int
}

/// A row of the legacy `contacts` table.
public struct LegacyContact: Sendable, Hashable {
    /// `contacts.id` in the legacy database.
    public var legacyID: Int64
    /// The phone number as the legacy database stored it.
    public var phoneNumber: String
    /// The legacy conversation thread id (unique per tenant once imported).
    public var threadID: String?
    public var name: String?
    public var createdAt: Date?

    public init(legacyID: Int64, phoneNumber: String, threadID: String?, name: String?, createdAt: Date?) {
        self.legacyID = legacyID
        self.phoneNumber = phoneNumber
        self.threadID = threadID
        self.name = name
        self.createdAt = createdAt
    }

    /// The phone number normalised; `nil` when the stored value is not a phone number.
    public var phone: PhoneNumber? { PhoneNumber(normalizing: phoneNumber) }
}

/// What importing one legacy contact resolved to.
public struct LegacyContactMatch: Sendable, Hashable {
    /// `contacts.id` in the legacy database.
    public var legacyID: Int64
    /// The tenant's contact it is now.
    public var contactID: ContactID
    /// Whether the contact was created by this import (`false`: it was already there).
    public var created: Bool

    public init(legacyID: Int64, contactID: ContactID, created: Bool) {
        self.legacyID = legacyID
        self.contactID = contactID
        self.created = created
    }
}

/// A row of the legacy `messages` table.
public struct LegacyMessage: Sendable, Hashable {
    /// `messages.id` in the legacy database.
    public var legacyID: Int64
    /// `messages.contact_id`: the legacy contact.
    public var legacyContactID: Int64
    /// The legacy `direction` value as stored (see `parsedDirection`).
    public var direction: String
    public var text: String?
    public var sentAt: Date?

    public init(legacyID: Int64, legacyContactID: Int64, direction: String, text: String?, sentAt: Date?) {
        self.legacyID = legacyID
        self.legacyContactID = legacyContactID
        self.direction = direction
        self.text = text
        self.sentAt = sentAt
    }

    /// The direction: `incoming`, `inbound`, `in`, `received`, `user`, `customer` or `human`
    /// are inbound; `outgoing`, `outbound`, `out`, `sent`, `assistant`, `bot` or `ai` are
    /// outbound (any case); anything else is `nil`.
    public var parsedDirection: MessageDirection? {
        switch direction.trimmingCharactersInWhitespace().lowercased() {
        case "incoming", "inbound", "in", "received", "user", "customer", "human": return .inbound
        case "outgoing", "outbound", "out", "sent", "assistant", "bot", "ai": return .outbound
        default: return nil
        }
    }
}

/// A row of the legacy `orders` table: one product per order.
public struct LegacyOrder: Sendable, Hashable {
    /// `orders.id` in the legacy database.
    public var legacyID: Int64
    /// `orders.contact_id`, when the order has a contact.
    public var legacyContactID: Int64?
    public var productName: String?
    public var quantity: Int
    /// The order's total (`orders.total_price`).
    public var total: Double?
    public var status: String
    public var createdAt: Date?

    public init(legacyID: Int64, legacyContactID: Int64?, productName: String?, quantity: Int, total: Double?, status: String, createdAt: Date?) {
        self.legacyID = legacyID
        self.legacyContactID = legacyContactID
        self.productName = productName
        self.quantity = quantity
        self.total = total
        self.status = status
        self.createdAt = createdAt
    }
}

/// A row of the legacy `campaigns` table.
public struct LegacyCampaign: Sendable, Hashable {
    /// `campaigns.id` in the legacy database.
    public var legacyID: Int64
    public var name: String
    /// The campaign's message text (`campaigns.message`).
    public var message: String?
    public var status: String
    public var createdAt: Date?

    public init(legacyID: Int64, name: String, message: String?, status: String, createdAt: Date?) {
        self.legacyID = legacyID
        self.name = name
        self.message = message
        self.status = status
        self.createdAt = createdAt
    }
}
