import Foundation
import SwiftRepliesCore

/// The dispatcher's bound on memory when replies fall behind: at most `capacity` messages wait
/// in memory. Past it new messages stay in the store (durable already, unanswered) and, once the
/// backlog has halved, the oldest unanswered ones are reloaded from the store, in order, until
/// a reload finds fewer than it asked for and nothing was left in the store meanwhile.
///
/// It starts overflowing, so the dispatcher's first step loads what the store holds unanswered
/// (crash recovery) through the same reload.
struct StoreBacklog {
    /// The most messages waiting in memory.
    let capacity: Int
    /// New messages are left in the store (not queued) until a reload catches up.
    private(set) var overflowing = true
    private var reloading = false
    /// Messages left in the store since the current reload started.
    private var leftInStore = 0
    /// The highest message id ever queued: message ids grow in commit order, so everything
    /// unanswered above it is what a reload must fetch.
    private var cursor: MessageID?

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Whether a new message (not one from the store) must stay in the store, `queued` messages
    /// waiting in memory.
    func isFull(queued: Int) -> Bool { overflowing || queued >= capacity }

    /// A new message stays in the store.
    mutating func leaveInStore() {
        overflowing = true
        leftInStore += 1
    }

    /// Message `id` is queued in memory.
    mutating func queued(_ id: MessageID) {
        if cursor.map({ id > $0 }) ?? true { cursor = id }
    }

    /// The reload to start now, if one is due: the messages after `after`, at most `limit`.
    mutating func reloadDue(queued: Int, closed: Bool) -> (after: MessageID?, limit: Int)? {
        guard overflowing, !reloading, !closed, queued <= capacity / 2 else { return nil }
        reloading = true
        leftInStore = 0
        return (cursor, capacity - queued)
    }

    /// A reload found `count` messages of the `limit` it asked for (the caller queued them).
    mutating func reloaded(count: Int, limit: Int) {
        reloading = false
        if count < limit && leftInStore == 0 { overflowing = false }
    }

    /// A reload failed; the next step starts another.
    mutating func reloadFailed() {
        reloading = false
    }
}
