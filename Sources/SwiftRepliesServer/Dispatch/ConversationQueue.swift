import DequeModule
import Foundation
import SwiftRepliesCore

/// One conversation's work in the dispatcher: the messages waiting for its next turn, the
/// resolution turns (Actions Center outcomes to tell) waiting with them, and where the
/// conversation stands (running, ready for a worker, or delayed by `DebounceSchedule`; at most
/// one of the three).
///
/// Its turns run in the order their work was queued: a resolution turn comes after the message
/// turns of every message the queue held when the resolution was queued, and before those of
/// messages queued after it.
struct ConversationQueue {
    var messages: Deque<StoredInbound> = []
    /// Resolution turns waiting, in the order they were queued.
    var resolutions: Deque<ResolutionWork> = []
    var firstArrival: Date
    var lastArrival: Date
    var retryAt: Date?
    /// One of its turns runs.
    var running = false
    /// In the ready FIFO (its turn can start as soon as a worker is free).
    var isReady = false
    /// Waiting for its debounce window (or retry delay) to pass.
    var isDelayed = false
    /// The highest message id this queue has held: a resolution queued now comes after it.
    private(set) var lastMessageID: MessageID?

    init(firstArrival: Date, lastArrival: Date) {
        self.firstArrival = firstArrival
        self.lastArrival = lastArrival
    }

    /// Adds a message that arrived `now`; an idle conversation's window starts with it.
    mutating func append(_ message: StoredInbound, at now: Date) {
        if messages.isEmpty && !running { firstArrival = now }
        messages.append(message)
        lastArrival = now
        if lastMessageID.map({ message.id > $0 }) ?? true { lastMessageID = message.id }
    }

    /// Queues a resolution turn behind every message held so far.
    mutating func append(_ resolution: ResolutionWork) {
        var resolution = resolution
        resolution.after = lastMessageID
        resolutions.append(resolution)
    }

    /// Something waits for a turn.
    var hasWork: Bool { !messages.isEmpty || !resolutions.isEmpty }

    /// Its next turn tells a resolution: one waits, and no message queued before it does.
    var resolutionIsNext: Bool {
        guard let first = resolutions.first else { return false }
        guard let after = first.after else { return true }
        return !messages.contains { $0.id <= after }
    }

    /// Takes the next turn's work: the first resolution when it is next, otherwise the waiting
    /// messages (all of them with `debounced`, else the oldest), up to the first resolution's
    /// place. `nil` when nothing waits.
    mutating func takeWork(debounced: Bool) -> DispatchWork.Kind? {
        if resolutionIsNext, let resolution = resolutions.popFirst() { return .resolution(resolution) }
        guard !messages.isEmpty else { return nil }
        guard let bound = resolutions.first?.after else {
            if debounced {
                // Everything that arrived within the window is one turn.
                let taken = Array(messages)
                messages.removeAll()
                return .messages(taken)
            }
            // Debounce disabled: one message, one turn, in order.
            return messages.popFirst().map { .messages([$0]) }
        }
        // Only messages queued before the waiting resolution (it is not next, so one is there).
        if debounced {
            let taken: [StoredInbound] = messages.filter { $0.id <= bound }
            messages.removeAll { $0.id <= bound }
            return .messages(taken)
        }
        guard let index = messages.firstIndex(where: { $0.id <= bound }) else { return nil }
        return .messages([messages.remove(at: index)])
    }

    /// Puts the work of a turn that did not run back in front, to run again at `retryAt`.
    mutating func putBack(_ kind: DispatchWork.Kind, retryAt: Date) {
        switch kind {
        case .messages(let taken):
            for message in taken.reversed() { messages.prepend(message) }
        case .resolution(let resolution):
            resolutions.prepend(resolution)
        }
        self.retryAt = retryAt
    }
}
