import Foundation

/// A customer's message as a channel parsed it from a provider webhook, before routing.
public struct InboundMessage: Sendable, Hashable {
    public var provider: ProviderKind
    /// The provider's id of the message (`wamid...`, Infobip `messageId`, Twilio `MessageSid`).
    public var providerMessageID: String
    /// The customer.
    public var from: PhoneNumber
    /// The business number it was sent to, when the provider says (Meta `display_phone_number`,
    /// Infobip `to`, Twilio `To`).
    public var to: PhoneNumber?
    /// Meta's phone number id of the destination.
    public var toPhoneNumberID: String?
    /// The customer's profile name, when the provider sends one.
    public var contactName: String?
    public var content: MessageContent
    /// When the provider says the customer sent it.
    public var sentAt: Date?

    public init(
        provider: ProviderKind, providerMessageID: String, from: PhoneNumber, to: PhoneNumber?, toPhoneNumberID: String? = nil,
        contactName: String? = nil, content: MessageContent, sentAt: Date? = nil
    ) {
        self.provider = provider
        self.providerMessageID = providerMessageID
        self.from = from
        self.to = to
        self.toPhoneNumberID = toPhoneNumberID
        self.contactName = contactName
        self.content = content
        self.sentAt = sentAt
    }
}

/// The delivery state of an outbound message, in the order it normally advances.
public enum DeliveryState: String, Sendable, Codable, Hashable, CaseIterable {
    /// Stored in the outbox, not yet accepted by the provider.
    case queued
    /// Accepted by the provider's API.
    case accepted
    case sent
    case delivered
    case read
    case failed
    /// A holding message whose customer was answered before it could leave: never sent.
    case dropped

    /// Higher ranks never go back to lower ones (a late `delivered` after `read` is ignored).
    public var rank: Int {
        switch self {
        case .queued: return 0
        case .accepted: return 1
        case .sent: return 2
        case .delivered: return 3
        case .read: return 4
        case .failed, .dropped: return 5
        }
    }
}

/// A provider's report about an outbound message (Meta statuses, Infobip delivery and seen
/// reports, Twilio status callbacks).
public struct DeliveryStatusUpdate: Sendable, Hashable {
    public var provider: ProviderKind
    public var providerMessageID: String
    public var state: DeliveryState
    /// The provider's error code for a failure (Meta `131047`, Twilio `21211`, ...).
    public var errorCode: String?
    public var errorMessage: String?
    /// The business number or phone number id it concerns, when known.
    public var businessNumber: PhoneNumber?
    public var businessPhoneNumberID: String?
    public var recipient: PhoneNumber?
    public var at: Date?

    public init(
        provider: ProviderKind, providerMessageID: String, state: DeliveryState, errorCode: String? = nil, errorMessage: String? = nil,
        businessNumber: PhoneNumber? = nil, businessPhoneNumberID: String? = nil, recipient: PhoneNumber? = nil, at: Date? = nil
    ) {
        self.provider = provider
        self.providerMessageID = providerMessageID
        self.state = state
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.businessNumber = businessNumber
        self.businessPhoneNumberID = businessPhoneNumberID
        self.recipient = recipient
        self.at = at
    }
}
