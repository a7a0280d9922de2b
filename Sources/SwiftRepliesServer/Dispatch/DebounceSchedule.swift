import Foundation
import SwiftRepliesCore

/// Debounce scheduling: when a conversation's waiting messages become one turn, the
/// conversations waiting for that moment (or for a retry delay), and the deadline the
/// dispatcher's timer is armed for.
///
/// Messages become a turn the debounce window after the conversation's last message, but
/// never later than four windows after its first; a resolution turn that is next waits for no
/// window; work that failed waits for its retry time.
struct DebounceSchedule {
    /// Conversations inside their debounce window or retry delay.
    private(set) var delayed: Set<ConversationKey> = []
    /// The earliest deadline a timer is armed for.
    private var armedDeadline: Date?

    /// When `queue`'s next turn may start.
    static func readyAt(_ queue: ConversationQueue, debounce: Double) -> Date {
        if let retryAt = queue.retryAt { return retryAt }
        if queue.resolutionIsNext { return .distantPast }
        guard debounce > 0 else { return queue.firstArrival }
        return min(queue.lastArrival.addingTimeInterval(debounce), queue.firstArrival.addingTimeInterval(4 * debounce))
    }

    /// Marks `queue` (of `key`) ready when its time has come, and returns `true` (the caller
    /// appends it to the ready FIFO); otherwise it waits here.
    mutating func place(_ key: ConversationKey, _ queue: inout ConversationQueue, now: Date, debounce: Double) -> Bool {
        if Self.readyAt(queue, debounce: debounce) <= now {
            queue.isReady = true
            queue.isDelayed = false
            delayed.remove(key)
            return true
        }
        if !queue.isDelayed {
            queue.isDelayed = true
            delayed.insert(key)
        }
        return false
    }

    /// Takes the delayed conversations whose time has come (the caller clears their delay and
    /// places them again) and returns the next deadline of those still waiting.
    mutating func takeDue(now: Date, debounce: Double, queues: [ConversationKey: ConversationQueue]) -> (due: [ConversationKey], next: Date?) {
        guard !delayed.isEmpty else { return ([], nil) }
        var due: [ConversationKey] = []
        var next: Date?
        for key in delayed {
            guard let queue = queues[key] else {
                delayed.remove(key)
                continue
            }
            let at = Self.readyAt(queue, debounce: debounce)
            if at <= now {
                delayed.remove(key)
                due.append(key)
            } else {
                next = min(next ?? at, at)
            }
        }
        return (due, next)
    }

    /// The deadline to arm a timer for: `next` when no earlier timer is armed, else `nil`.
    mutating func arm(_ next: Date?) -> Date? {
        guard let next, armedDeadline.map({ next < $0 }) ?? true else { return nil }
        armedDeadline = next
        return next
    }

    /// The armed timer fired.
    mutating func timerFired() {
        armedDeadline = nil
    }
}
