import Foundation
import SwiftRepliesCore

/// The outbox's state changes, decided once: what a send attempt's outcome, an interrupted
/// send or an answered holding message changes on an outbox entry. Each backend writes the
/// change it is given (grouped its own way), inside its own transaction.
///
/// An entry's life: `queued` → `sending` (`beginSendAttempts`) → `accepted` (the provider took
/// it), back to `queued` (a retry, or a send a stopped process left), or `failed` for good; a
/// holding message whose customer was answered before it left becomes `dropped`. Only entries
/// still `queued` or `sending` change (`OutboxTransition.changeableStatuses`): an accepted or
/// failed entry is final, so a late or repeated outcome changes nothing.
struct OutboxTransition: Sendable, Equatable {
    /// An outbox entry's status, as stored in `messages.status`.
    enum Status: String, Sendable {
        case queued, sending, accepted, failed, dropped
    }

    /// What happens to a column the change may leave alone.
    enum ErrorCodeChange: Sendable, Equatable {
        /// Left as it is (a retry keeps the code of an earlier refusal, if any).
        case keep
        /// Cleared (an accepted entry has no error).
        case clear
        /// Set to the provider's code.
        case set(String)
    }

    /// The statuses an outcome may change.
    static let changeableStatuses: [Status] = [.queued, .sending]

    /// The new status.
    var status: Status
    /// The provider's id of the accepted message (set only when accepted).
    var providerMessageID: String?
    /// When it was accepted (set only when accepted).
    var sentAt: Date?
    /// When a requeued entry is due again (set only when queued).
    var nextAttemptAt: Date?
    /// Whether the entry may reach the customer twice from now on (a retry after an attempt of
    /// unknown outcome): once set it stays set.
    var marksPossiblyDuplicated: Bool
    /// The error code column.
    var errorCode: ErrorCodeChange
    /// The error message: the last failed attempt's error, or `nil` (cleared) once accepted.
    var errorMessage: String?
    /// When the change happened (`updated_at`).
    var at: Date

    /// The change a send attempt's outcome makes.
    init(_ outcome: SendOutcome, at date: Date) {
        at = date
        switch outcome {
        case .accepted(let providerMessageID):
            status = .accepted
            self.providerMessageID = providerMessageID
            sentAt = date
            nextAttemptAt = nil
            marksPossiblyDuplicated = false
            errorCode = .clear
            errorMessage = nil
        case .retry(let error, let retryAt, let possiblyDelivered):
            status = .queued
            providerMessageID = nil
            sentAt = nil
            nextAttemptAt = retryAt
            marksPossiblyDuplicated = possiblyDelivered
            errorCode = .keep
            errorMessage = error
        case .failed(let code, let message):
            status = .failed
            providerMessageID = nil
            sentAt = nil
            nextAttemptAt = nil
            marksPossiblyDuplicated = false
            errorCode = code.map(ErrorCodeChange.set) ?? .keep
            errorMessage = message
        }
    }

    /// Whether an entry in `status` may still change.
    static func isChangeable(_ status: Status) -> Bool { changeableStatuses.contains(status) }

    /// `'queued', 'sending'`: the changeable statuses as SQL literals (fixed words, no input).
    static var changeableStatusesSQL: String { changeableStatuses.map { "'\($0.rawValue)'" }.joined(separator: ", ") }
}

extension RecordedSendOutcome {
    /// The change this outcome makes to its outbox entry.
    var transition: OutboxTransition { OutboxTransition(outcome, at: date) }
}
