import Foundation
import SwiftRepliesCore

/// An Actions Center outcome waiting to be told in its conversation: a work item of the
/// dispatcher's queue (`Dispatcher.tell`), and how the caller waiting for it hears whether it
/// was told.
struct ResolutionWork: Sendable {
    /// The decided (or expired) action.
    let action: ActionRecord
    /// Until when a conversation lease another process holds is waited for (the work item is
    /// retried like a leased message turn); past it the outcome is left to a later sweep.
    let deadline: ContinuousClock.Instant
    /// The conversation's highest message id when it was queued (set by `ConversationQueue`):
    /// the turns of those messages come first.
    var after: MessageID?
    /// Tells the waiting caller whether the outcome was told; called exactly once.
    let report: @Sendable (Bool) -> Void

    init(action: ActionRecord, deadline: ContinuousClock.Instant, report: @escaping @Sendable (Bool) -> Void) {
        self.action = action
        self.deadline = deadline
        self.report = report
    }
}
