import Foundation
import SwiftRepliesCore

/// What one ingest batch writes, decided before a statement runs, and what each envelope's
/// outcome is once the backend has written it: the de-duplication and contact-merge rules of
/// the hot path, the same on every backend.
///
/// - Contacts: one row per (tenant, phone) of the batch, in order of first appearance. The
///   latest name given in the batch wins (an envelope without a name keeps the one before it);
///   the first-seen time is the earliest arrival and the last interaction the latest. A backend
///   upserts them so that an existing contact keeps its name when the batch has none, and its
///   last interaction only moves forward.
/// - Messages: only the first envelope of each (chatbot, provider message id) pair is inserted;
///   later ones in the batch are duplicates of it, and so is an envelope whose insert the
///   database skipped (the pair was already stored).
struct IngestPlan: Sendable {
    /// A contact as the batch identifies it.
    struct ContactKey: Hashable, Sendable {
        var tenantID: TenantID
        var phone: PhoneNumber
    }

    /// An inbound message as the database de-duplicates it.
    struct MessageKey: Hashable, Sendable {
        var chatbotID: ChatbotID
        var providerMessageID: String
    }

    /// The contact row to upsert for one (tenant, phone).
    struct ContactRow: Sendable, Equatable {
        var key: ContactKey
        /// The chatbot of the contact's first envelope in the batch (a new contact's chatbot).
        var chatbotID: ChatbotID
        var name: String?
        var firstSeen: Date
        var lastInteraction: Date
    }

    let batch: [InboundEnvelope]
    /// The contacts to upsert, in order of first appearance in the batch.
    let contacts: [ContactRow]
    /// Indexes into `batch` of the envelopes to insert, in batch order.
    let inserts: [Int]
    private let contactIndex: [ContactKey: Int]
    private let firstIndex: [MessageKey: Int]

    init(_ batch: [InboundEnvelope]) {
        var contacts: [ContactRow] = []
        var contactIndex: [ContactKey: Int] = [:]
        var firstIndex: [MessageKey: Int] = [:]
        var inserts: [Int] = []
        for (index, envelope) in batch.enumerated() {
            let key = ContactKey(tenantID: envelope.tenantID, phone: envelope.message.from)
            if let existing = contactIndex[key] {
                contacts[existing].name = envelope.message.contactName ?? contacts[existing].name
                contacts[existing].firstSeen = min(contacts[existing].firstSeen, envelope.receivedAt)
                contacts[existing].lastInteraction = max(contacts[existing].lastInteraction, envelope.receivedAt)
            } else {
                contactIndex[key] = contacts.count
                contacts.append(
                    ContactRow(
                        key: key, chatbotID: envelope.chatbotID, name: envelope.message.contactName, firstSeen: envelope.receivedAt,
                        lastInteraction: envelope.receivedAt
                    )
                )
            }
            let messageKey = Self.messageKey(envelope)
            if firstIndex[messageKey] == nil {
                firstIndex[messageKey] = index
                inserts.append(index)
            }
        }
        self.batch = batch
        self.contacts = contacts
        self.inserts = inserts
        self.contactIndex = contactIndex
        self.firstIndex = firstIndex
    }

    /// The contact key of `envelope`.
    static func contactKey(_ envelope: InboundEnvelope) -> ContactKey {
        ContactKey(tenantID: envelope.tenantID, phone: envelope.message.from)
    }

    /// The de-duplication key of `envelope`.
    static func messageKey(_ envelope: InboundEnvelope) -> MessageKey {
        MessageKey(chatbotID: envelope.chatbotID, providerMessageID: envelope.message.providerMessageID)
    }

    /// The contact id of the envelope at `index`, from the ids the contact upsert returned.
    func contactID(ofEnvelopeAt index: Int, in contactIDs: [ContactKey: ContactID]) throws -> ContactID {
        let envelope = batch[index]
        guard let id = contactIDs[Self.contactKey(envelope)] else { throw IngestPlanError.missingContact(envelope.tenantID, envelope.message.from) }
        return id
    }

    /// Each envelope's outcome, in batch order, given the contact ids the upsert returned and the
    /// message ids the insert returned (a pair it did not return was already stored).
    func outcomes(contactIDs: [ContactKey: ContactID], inserted: [MessageKey: MessageID]) throws -> [IngestOutcome] {
        try batch.enumerated().map { index, envelope in
            let message = envelope.message
            let key = Self.messageKey(envelope)
            guard firstIndex[key] == index, let id = inserted[key] else {
                return .duplicate(providerMessageID: message.providerMessageID)
            }
            let contactKey = Self.contactKey(envelope)
            return .stored(
                StoredInbound(
                    id: id, tenantID: envelope.tenantID, chatbotID: envelope.chatbotID,
                    contactID: try contactID(ofEnvelopeAt: index, in: contactIDs), contactPhone: message.from,
                    providerMessageID: message.providerMessageID, kind: message.content.kind, text: message.content.text,
                    answerable: message.content.isAnswerable, receivedAt: envelope.receivedAt, provider: message.provider,
                    contactName: message.contactName ?? contactIndex[contactKey].flatMap { contacts[$0].name }
                )
            )
        }
    }
}

/// A backend's writes did not match its ingest plan.
enum IngestPlanError: Error, CustomStringConvertible {
    /// The contact upsert returned no id for a contact of the batch.
    case missingContact(TenantID, PhoneNumber)

    var description: String {
        switch self {
        case .missingContact(let tenant, let phone): "the contact upsert returned no id for \(tenant)/\(phone)"
        }
    }
}
