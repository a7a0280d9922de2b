import DequeModule
import Foundation
import Logging
import Metrics
import SwiftRepliesCore

/// The holding message ("one moment please"): which waiting customers get it, once per busy
/// period, and queuing it.
///
/// Customers whose turn waits for a worker get it when every worker is busy and at least
/// `busy_threshold` turns wait, unless they had it this busy period. A busy period lasts until
/// no turn is waiting any more, in memory or in the store (over capacity). Customers whose
/// messages were left in the store wait too: they get it as soon as those in memory do, not
/// only once their messages are loaded. `busy_threshold: 0` disables it. A conversation's turn
/// waits while its holding message is being queued, so the holding message never arrives after
/// the answer.
struct HoldingMessages {
    /// Conversations that became ready since the last check (checked once each).
    private var candidates: Deque<ConversationKey> = []
    /// Conversations whose new messages were left in the store (over capacity) since the last
    /// check. At most `capacity` are remembered, and none once `4 × capacity` customers were held
    /// this busy period (memory stays bounded); the others are checked when they are loaded.
    private var overflowCandidates: Deque<ConversationKey> = []
    /// Customers told to hold on during the current busy period.
    private var heldThisBusyPeriod: Set<ConversationKey> = []
    /// Conversations whose holding message is being queued.
    private var inProgress: Set<ConversationKey> = []

    /// The number of conversations waiting in the store that may get it.
    var overflowCount: Int { overflowCandidates.count }

    /// `key`'s messages became ready for a worker.
    mutating func becameReady(_ key: ConversationKey) {
        candidates.append(key)
    }

    /// A new message of `key` was left in the store.
    mutating func leftInStore(_ key: ConversationKey, capacity: Int) {
        if overflowCandidates.count < capacity, heldThisBusyPeriod.count < 4 * capacity, !heldThisBusyPeriod.contains(key) {
            overflowCandidates.append(key)
        }
    }

    /// `key`'s holding message is being queued (its turn waits).
    func isInProgress(_ key: ConversationKey) -> Bool { inProgress.contains(key) }

    /// `key`'s holding message was queued (or could not be).
    mutating func queued(_ key: ConversationKey) {
        inProgress.remove(key)
    }

    /// Ends the busy period: no turn waits, in memory or in the store.
    mutating func endBusyPeriod() {
        heldThisBusyPeriod.removeAll()
        candidates.removeAll()
        overflowCandidates.removeAll()
    }

    /// The conversations to send it to now (marked in progress), given that `waiting` turns wait
    /// and `running` run; `isReady` and `isRunning` say where a conversation stands.
    mutating func toHold(
        waiting: Int, running: Int, settings: RuntimeSettings, isReady: (ConversationKey) -> Bool, isRunning: (ConversationKey) -> Bool
    ) -> [ConversationKey] {
        guard settings.busyThreshold > 0, running >= settings.maxWorkers, waiting + overflowCandidates.count >= settings.busyThreshold else { return [] }
        // Each customer once: inserting into the busy period's set is the check.
        var fresh: [ConversationKey] = []
        while let key = candidates.popFirst() {
            if isReady(key), heldThisBusyPeriod.insert(key).inserted { fresh.append(key) }
        }
        while let key = overflowCandidates.popFirst() {
            // Not running: its messages wait in the store behind the ones in memory.
            if !isRunning(key), heldThisBusyPeriod.insert(key).inserted { fresh.append(key) }
        }
        inProgress.formUnion(fresh)
        return fresh
    }

    /// Queues the holding message `text` for each conversation, and calls `queued` for each
    /// (whether it was queued or not). Queued only while the waiting messages are unanswered,
    /// checked with the insert: on a shared database another process may have answered them
    /// already, and no holding message may follow an answer.
    static func send(
        _ conversations: [ConversationKey], text: String, store: any OutboxStore, outbox: OutboxSender, logger: Logger,
        queued: (ConversationKey) async -> Void
    ) async {
        for conversation in conversations {
            do {
                if let entry = try await store.enqueueHoldingMessage(conversation, text: text, at: Date()) {
                    outbox.submit([entry])
                    Counter(label: "swiftreplies_holding_messages_total", dimensions: [("tenant", conversation.tenantID.rawValue)]).increment()
                }
            } catch {
                logger.error("could not queue a holding message", metadata: ["contact.id": "\(conversation.contactID)", "error": "\(error)"])
            }
            await queued(conversation)
        }
    }
}
