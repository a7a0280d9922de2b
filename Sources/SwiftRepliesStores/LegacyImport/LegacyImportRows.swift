import Foundation
import SwiftRepliesCore

/// Values both stores write for imported rows.
enum LegacyImportValues {
    /// The legacy schema has no payment information: imported orders say so rather than claim
    /// `pending` (which would invite payment reminders for orders settled long ago).
    static let paymentStatus = "unknown"
}

/// A batch of legacy contacts grouped by normalised phone number: the first contact of each
/// number is the one written; later ones with the same number map to the same contact.
struct LegacyContactPlan {
    /// Distinct normalised phone numbers (canonical digits), in input order.
    let phones: [String]
    /// The first contact of each phone number.
    let first: [String: LegacyContact]
    /// Every contact with a valid phone number, with its number, in input order.
    let valid: [(contact: LegacyContact, phone: String)]

    init(_ contacts: [LegacyContact]) {
        var phones: [String] = []
        var first: [String: LegacyContact] = [:]
        var valid: [(contact: LegacyContact, phone: String)] = []
        for contact in contacts {
            guard let phone = contact.phone?.digits else { continue }
            valid.append((contact, phone))
            if first[phone] == nil {
                first[phone] = contact
                phones.append(phone)
            }
        }
        self.phones = phones
        self.first = first
        self.valid = valid
    }

    /// One match per valid contact: created only for the first contact of a number that the
    /// import inserted.
    func matches(contactIDs: [String: ContactID], created: Set<String>) throws -> [LegacyContactMatch] {
        try valid.map { contact, phone in
            guard let id = contactIDs[phone] else {
                throw LegacyImportError.unexpected("no contact for phone number \(phone) after the import")
            }
            let wasCreated = created.contains(phone) && first[phone]?.legacyID == contact.legacyID
            return LegacyContactMatch(legacyID: contact.legacyID, contactID: id, created: wasCreated)
        }
    }
}

/// A legacy message as it is stored: history, never work for the dispatcher or the outbox.
struct LegacyMessageRow {
    var legacyID: Int64
    var contactID: ContactID
    var direction: MessageDirection
    /// `text`, or `unsupported` when the legacy row has no text (a media message).
    var kind: MessageKind
    var text: String?
    var answerable: Bool
    /// Inbound: `processed` (its turn is long over); outbound: `delivered`.
    var status: String
    var purpose: OutboundPurpose?
    /// When it was sent (the import time when the legacy row has none).
    var at: Date

    /// The rows for `messages`; fails when a message's contact or direction cannot be resolved
    /// (the importer leaves such messages out before calling the store).
    static func rows(_ messages: [LegacyMessage], contactIDs: [Int64: ContactID], importedAt: Date) throws -> [LegacyMessageRow] {
        try messages.map { message in
            guard let contactID = contactIDs[message.legacyContactID] else {
                throw LegacyImportError.unresolvedMessage(legacyID: message.legacyID, reason: "its contact \(message.legacyContactID) was not imported")
            }
            guard let direction = message.parsedDirection else {
                throw LegacyImportError.unresolvedMessage(legacyID: message.legacyID, reason: "unknown direction '\(message.direction)'")
            }
            let text = message.text
            return LegacyMessageRow(
                legacyID: message.legacyID, contactID: contactID, direction: direction, kind: text == nil ? .unsupported : .text, text: text,
                answerable: direction == .inbound && text != nil, status: direction == .inbound ? "processed" : DeliveryState.delivered.rawValue,
                purpose: direction == .outbound ? .reply : nil, at: message.sentAt ?? importedAt
            )
        }
    }
}
