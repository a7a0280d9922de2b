import Foundation

/// A routed inbound message on its way into the store.
public struct InboundEnvelope: Sendable, Hashable {
    public var tenantID: TenantID
    public var chatbotID: ChatbotID
    public var message: InboundMessage
    public var receivedAt: Date

    public init(tenantID: TenantID, chatbotID: ChatbotID, message: InboundMessage, receivedAt: Date) {
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.message = message
        self.receivedAt = receivedAt
    }
}

/// An inbound message as stored: what the dispatcher needs to run its turn.
public struct StoredInbound: Sendable, Hashable {
    public var id: MessageID
    public var tenantID: TenantID
    public var chatbotID: ChatbotID
    public var contactID: ContactID
    public var contactPhone: PhoneNumber
    public var providerMessageID: String
    public var kind: MessageKind
    public var text: String?
    /// Whether an agent can answer it (see `MessageContent.isAnswerable`).
    public var answerable: Bool
    public var receivedAt: Date
    /// The provider it came through (replies go back the same way).
    public var provider: ProviderKind
    /// The customer's profile name, when known.
    public var contactName: String?

    public init(
        id: MessageID, tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID, contactPhone: PhoneNumber, providerMessageID: String,
        kind: MessageKind, text: String?, answerable: Bool, receivedAt: Date, provider: ProviderKind = .local, contactName: String? = nil
    ) {
        self.provider = provider
        self.contactName = contactName
        self.id = id
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.contactID = contactID
        self.contactPhone = contactPhone
        self.providerMessageID = providerMessageID
        self.kind = kind
        self.text = text
        self.answerable = answerable
        self.receivedAt = receivedAt
    }

    /// The conversation it belongs to.
    public var conversation: ConversationKey { ConversationKey(tenantID: tenantID, chatbotID: chatbotID, contactID: contactID) }
}

/// One conversation: a contact talking to one chatbot.
public struct ConversationKey: Sendable, Hashable, CustomStringConvertible {
    public var tenantID: TenantID
    public var chatbotID: ChatbotID
    public var contactID: ContactID

    public init(tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID) {
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.contactID = contactID
    }

    public var description: String { "\(tenantID)/\(chatbotID)/\(contactID)" }

    /// Hashes the contact's id alone (equality still compares all three). In the built-in stores
    /// it is a row id, unique across tenants, so a contact's conversations with two chatbots are
    /// the only keys that share a hash. The dispatcher and the outbox look conversations up
    /// several times per message; hashing the tenant's and chatbot's ids (strings) as well cost
    /// about 1 % of the server's CPU under load.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(contactID)
    }
}

/// The result of storing one inbound message.
public enum IngestOutcome: Sendable, Hashable {
    /// Newly stored: it needs a turn.
    case stored(StoredInbound)
    /// The provider's id was already stored for that chatbot (a redelivery): nothing to do.
    case duplicate(providerMessageID: String)

    public var stored: StoredInbound? {
        if case .stored(let message) = self { return message }
        return nil
    }
}

/// A message sent to a number no tenant has: answered 200, kept for the operator.
public struct UnroutableMessage: Sendable, Hashable {
    public var provider: ProviderKind
    public var providerMessageID: String
    /// The destination as the provider gave it (number or phone number id).
    public var destination: String
    public var from: String
    public var text: String?
    public var receivedAt: Date

    public init(provider: ProviderKind, providerMessageID: String, destination: String, from: String, text: String?, receivedAt: Date) {
        self.provider = provider
        self.providerMessageID = providerMessageID
        self.destination = destination
        self.from = from
        self.text = text
        self.receivedAt = receivedAt
    }
}

/// Why an outbound message exists.
public enum OutboundPurpose: String, Sendable, Codable, Hashable {
    /// The agent's answer to a turn.
    case reply
    /// "We got your message, one moment" while every worker is busy.
    case holding
    /// Typed by a human operator (live takeover).
    case human
}

/// What a finished turn leaves behind, committed atomically: its inbound messages are marked
/// processed and its replies enter the outbox.
public struct TurnCompletion: Sendable {
    public var conversation: ConversationKey
    public var inboundIDs: [MessageID]
    public var replies: [String]
    /// Whether the agent produced the answer (false when middleware stopped the chain).
    public var aiProcessed: Bool
    public var processingMilliseconds: Int
    /// The label of how the answer was found (`AgentResponse.intent`).
    public var intent: String?
    public var configRevision: Int
    public var completedAt: Date
    /// Where the replies go, when the caller knows (saves a look-up): the customer's number and
    /// the provider their message came through.
    public var replyTo: (phone: PhoneNumber, provider: ProviderKind)?
    /// The holder whose conversation lease the commit gives up (a turn on a shared database):
    /// the lease ends in the transaction that queues the replies, without another round trip.
    public var releasingLeaseOf: String?
    /// Usage the commit counts (`AgentResponse.metering`); only meterings without limits, which
    /// need no decision. Counted only when the commit is the one that answers the messages.
    public var meterings: [MessageMetering] = []

    public init(
        conversation: ConversationKey, inboundIDs: [MessageID], replies: [String], aiProcessed: Bool, processingMilliseconds: Int,
        intent: String?, configRevision: Int, completedAt: Date, replyTo: (phone: PhoneNumber, provider: ProviderKind)? = nil,
        releasingLeaseOf: String? = nil
    ) {
        self.replyTo = replyTo
        self.releasingLeaseOf = releasingLeaseOf
        self.conversation = conversation
        self.inboundIDs = inboundIDs
        self.replies = replies
        self.aiProcessed = aiProcessed
        self.processingMilliseconds = processingMilliseconds
        self.intent = intent
        self.configRevision = configRevision
        self.completedAt = completedAt
    }
}

/// An outbound message waiting in the outbox to be sent.
public struct OutboxEntry: Sendable, Hashable {
    public var id: MessageID
    public var conversation: ConversationKey
    public var contactPhone: PhoneNumber
    public var text: String
    public var purpose: OutboundPurpose
    /// Attempts made so far.
    public var attempts: Int
    public var nextAttemptAt: Date
    /// An earlier attempt's outcome was unknown (timeout): the provider may have it already.
    public var possiblyDuplicated: Bool
    /// The provider to answer through: the one the customer last wrote on (`local` when unknown).
    public var provider: ProviderKind

    public init(
        id: MessageID, conversation: ConversationKey, contactPhone: PhoneNumber, text: String, purpose: OutboundPurpose, attempts: Int,
        nextAttemptAt: Date, possiblyDuplicated: Bool, provider: ProviderKind = .local
    ) {
        self.provider = provider
        self.id = id
        self.conversation = conversation
        self.contactPhone = contactPhone
        self.text = text
        self.purpose = purpose
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.possiblyDuplicated = possiblyDuplicated
    }
}

/// The outcome of one attempt to hand an outbox entry to the provider.
public enum SendOutcome: Sendable, Hashable {
    /// The provider accepted it (2xx) and gave its id: it is never sent again.
    case accepted(providerMessageID: String)
    /// It certainly failed, or its outcome is unknown (`possiblyDelivered`): try again at `retryAt`.
    case retry(error: String, retryAt: Date, possiblyDelivered: Bool)
    /// The provider refused it for good (a 4xx other than 429): marked failed with its code.
    case failed(code: String?, message: String)
}

/// A stored message with everything the store knows about it.
public struct StoredMessage: Sendable, Hashable {
    public var id: MessageID
    public var tenantID: TenantID
    public var chatbotID: ChatbotID
    public var contactID: ContactID
    public var direction: MessageDirection
    public var kind: MessageKind
    public var text: String?
    public var provider: ProviderKind
    public var providerMessageID: String?
    /// Inbound: `received` or `processed`; outbound: a `DeliveryState` raw value.
    public var status: String
    public var aiProcessed: Bool
    public var processingMilliseconds: Int?
    public var isFromHuman: Bool
    public var purpose: OutboundPurpose?
    public var attempts: Int
    public var possiblyDuplicated: Bool
    public var errorCode: String?
    public var createdAt: Date

    public init(
        id: MessageID, tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID, direction: MessageDirection, kind: MessageKind,
        text: String?, provider: ProviderKind, providerMessageID: String?, status: String, aiProcessed: Bool, processingMilliseconds: Int?,
        isFromHuman: Bool, purpose: OutboundPurpose?, attempts: Int, possiblyDuplicated: Bool, errorCode: String?, createdAt: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.contactID = contactID
        self.direction = direction
        self.kind = kind
        self.text = text
        self.provider = provider
        self.providerMessageID = providerMessageID
        self.status = status
        self.aiProcessed = aiProcessed
        self.processingMilliseconds = processingMilliseconds
        self.isFromHuman = isFromHuman
        self.purpose = purpose
        self.attempts = attempts
        self.possiblyDuplicated = possiblyDuplicated
        self.errorCode = errorCode
        self.createdAt = createdAt
    }
}

/// Depths and totals for `/health` and `/metrics`.
public struct StoreCounts: Sendable, Hashable {
    /// Inbound messages without a finished turn (the durable dispatch queue).
    public var pendingInbound: Int
    /// Outbound messages not yet accepted by the provider and not failed.
    public var outboxPending: Int
    public var unroutable: Int

    public init(pendingInbound: Int, outboxPending: Int, unroutable: Int) {
        self.pendingInbound = pendingInbound
        self.outboxPending = outboxPending
        self.unroutable = unroutable
    }
}

/// A schema migration state, for `migrate status` and the start-up check.
public struct MigrationStatus: Sendable, Hashable {
    public var applied: [Int]
    public var available: [Int]

    public init(applied: [Int], available: [Int]) {
        self.applied = applied
        self.available = available
    }

    public var pending: [Int] { available.filter { !applied.contains($0) } }
    public var current: Int { applied.max() ?? 0 }
}
