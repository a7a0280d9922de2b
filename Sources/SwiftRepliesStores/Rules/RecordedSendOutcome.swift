import Foundation
import SwiftRepliesCore

/// One send attempt's outcome on its way into the store.
struct RecordedSendOutcome: Sendable {
    var id: MessageID
    var outcome: SendOutcome
    var date: Date

    /// The `send_attempts.outcome` label.
    var label: String {
        switch outcome {
        case .accepted: return "accepted"
        case .retry: return "retry"
        case .failed: return "failed"
        }
    }

    /// The `send_attempts.detail`: the provider's id, the error, or the code and message.
    var detail: String? {
        switch outcome {
        case .accepted(let providerMessageID): return providerMessageID
        case .retry(let error, _, _): return error
        case .failed(let code, let message): return [code, message].compactMap { $0 }.joined(separator: ": ")
        }
    }
}
