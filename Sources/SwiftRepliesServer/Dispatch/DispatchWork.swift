import Foundation
import SwiftRepliesCore

/// One turn's worth of work that the `TurnQueue` hands to a worker: a conversation's waiting
/// messages, or an Actions Center outcome to tell in it.
struct DispatchWork: Sendable {
    /// What the turn does.
    enum Kind: Sendable {
        /// Answers these messages (`MessageTurns`).
        case messages([StoredInbound])
        /// Tells an action's outcome (`ResolutionTurns`).
        case resolution(ResolutionWork)
    }

    /// How a turn ended.
    enum Outcome: Sendable {
        /// It ran. `unanswered`: messages of the work it did not cover (another process answered
        /// older ones first), queued again at once.
        case done(unanswered: [StoredInbound])
        /// It did not run (it failed, or another process holds the conversation's lease): its
        /// work goes back in front of the conversation's queue and runs again after `after`
        /// seconds.
        case retry(after: TimeInterval)
    }

    var conversation: ConversationKey
    var kind: Kind
}
