import DequeModule
import Foundation
import Logging
import SwiftRepliesCore

/// The dispatcher's queue: every conversation's waiting work (its messages and its resolution
/// turns), the FIFO of conversations whose turn can start, the workers in use, the debounce
/// schedule, the holding-message bookkeeping and the memory bound. Bookkeeping only, no I/O and
/// no clock of its own: the `Dispatcher` runs the work it hands out and reports how it ended.
///
/// One turn at a time per conversation, in the order its work was queued; at most
/// `max_workers` turns at once. Scheduling is O(1) per message: conversations whose turn can
/// start wait in a FIFO; those inside their debounce window wait for a timer.
struct TurnQueue {
    private var queues: [ConversationKey: ConversationQueue] = [:]
    /// Conversations whose turn can start, oldest first.
    private var ready: Deque<ConversationKey> = []
    private var debounce = DebounceSchedule()
    private var holding = HoldingMessages()
    private var backlog: StoreBacklog
    /// Turns running.
    private(set) var runningCount = 0
    /// Messages waiting in memory for a turn.
    private(set) var queuedMessages = 0
    /// Message ids queued or running, so a message is never taken twice.
    private var known: Set<MessageID> = []
    /// No more turns start.
    private(set) var closed = false
    private let logger: Logger

    init(capacity: Int, logger: Logger) {
        backlog = StoreBacklog(capacity: capacity)
        self.logger = logger
    }

    /// The most messages waiting in memory.
    var capacity: Int { backlog.capacity }

    /// Queues messages in the order of their commits. New ones (not `fromStore`) stay in the
    /// store while the queue is over capacity; a reload picks them up in order.
    mutating func add(_ messages: [StoredInbound], fromStore: Bool, settings: RuntimeSettings, now: Date) {
        let holdingMessagesOn = settings.busyThreshold > 0
        for message in messages where !known.contains(message.id) {
            if !fromStore && backlog.isFull(queued: queuedMessages) {
                if !backlog.overflowing { logger.notice("dispatch queue full; new messages wait in the store", metadata: ["capacity": "\(capacity)"]) }
                backlog.leaveInStore()
                if holdingMessagesOn { holding.leftInStore(message.conversation, capacity: capacity) }
                continue
            }
            known.insert(message.id)
            backlog.queued(message.id)
            queuedMessages += 1
            let key = message.conversation
            // In place: a copy of the queue would make the append copy its messages.
            queues[key, default: ConversationQueue(firstArrival: now, lastArrival: now)].append(message, at: now)
            schedule(key, settings: settings, now: now)
        }
    }

    /// Queues swept messages not already held, within the memory bound (the rest stay in the
    /// store for a later sweep or reload); returns how many it queued.
    mutating func adopt(_ messages: [StoredInbound], settings: RuntimeSettings, now: Date) -> Int {
        let room = max(0, capacity - queuedMessages)
        let fresh = Array(messages.filter { !known.contains($0.id) }.prefix(room))
        if !fresh.isEmpty { add(fresh, fromStore: true, settings: settings, now: now) }
        return fresh.count
    }

    /// Queues a resolution turn behind the conversation's messages held so far; `false` once
    /// closed (nothing is queued then).
    mutating func add(_ resolution: ResolutionWork, settings: RuntimeSettings, now: Date) -> Bool {
        guard !closed else { return false }
        let key = resolution.action.conversation
        queues[key, default: ConversationQueue(firstArrival: now, lastArrival: now)].append(resolution)
        schedule(key, settings: settings, now: now)
        return true
    }

    /// Stops handing out work; returns the resolution turns that will not run now (their callers
    /// hear that the outcome was not told).
    mutating func close() -> [ResolutionWork] {
        closed = true
        var dropped: [ResolutionWork] = []
        for key in Array(queues.keys) where queues[key]?.resolutions.isEmpty == false {
            dropped += queues[key]?.resolutions ?? []
            queues[key]?.resolutions.removeAll()
        }
        return dropped
    }

    /// Puts a conversation with waiting work where it belongs: ready, or delayed.
    private mutating func schedule(_ key: ConversationKey, settings: RuntimeSettings, now: Date) {
        guard var queue = queues[key], !queue.running, queue.hasWork, !queue.isReady else { return }
        if debounce.place(key, &queue, now: now, debounce: settings.debounceSeconds) {
            ready.append(key)
            if !queue.resolutionIsNext { holding.becameReady(key) }
        }
        queues[key] = queue
    }

    /// Moves delayed conversations whose time has come to the ready FIFO; returns the next
    /// deadline.
    mutating func promoteDelayed(settings: RuntimeSettings, now: Date) -> Date? {
        let (due, next) = debounce.takeDue(now: now, debounce: settings.debounceSeconds, queues: queues)
        for key in due {
            queues[key]?.isDelayed = false
            queues[key]?.retryAt = nil
            schedule(key, settings: settings, now: now)
        }
        return next
    }

    /// The deadline to arm a timer for (`nil` when an earlier one is armed).
    mutating func armTimer(_ next: Date?) -> Date? { debounce.arm(next) }

    /// The armed timer fired.
    mutating func timerFired() { debounce.timerFired() }

    /// The conversations to send the holding message to now (see `HoldingMessages`); their turns
    /// wait until `holdingQueued`.
    mutating func conversationsToHold(settings: RuntimeSettings) -> [ConversationKey] {
        if ready.isEmpty && !backlog.overflowing {
            holding.endBusyPeriod()
            return []
        }
        let queues = self.queues
        return holding.toHold(
            waiting: ready.count, running: runningCount, settings: settings, isReady: { queues[$0]?.isReady == true },
            isRunning: { queues[$0]?.running == true }
        )
    }

    /// `key`'s holding message was queued (or could not be): its turn may start.
    mutating func holdingQueued(_ key: ConversationKey) { holding.queued(key) }

    /// Takes the ready work that fits in the free workers.
    mutating func takeReadyWork(settings: RuntimeSettings) -> [DispatchWork] {
        if closed { return [] }
        let debounced = settings.debounceSeconds > 0
        var work: [DispatchWork] = []
        var skipped: [ConversationKey] = []
        while runningCount < settings.maxWorkers, let key = ready.popFirst() {
            guard queues[key]?.hasWork == true else { continue }
            if holding.isInProgress(key) {
                skipped.append(key)
                continue
            }
            // The queue is changed in place (through the dictionary): taking messages from a
            // copy would copy the ones left behind.
            guard let kind = queues[key]?.takeWork(debounced: debounced) else { continue }
            queues[key]?.isReady = false
            queues[key]?.running = true
            if case .messages(let messages) = kind { queuedMessages -= messages.count }
            runningCount += 1
            work.append(DispatchWork(conversation: key, kind: kind))
        }
        for key in skipped.reversed() { ready.prepend(key) }
        return work
    }

    /// A turn ended: its worker is free, and its conversation's next work (if any) is scheduled.
    /// `retry`: its work goes back in front, to run again after the delay (a resolution that
    /// cannot run any more once closed is returned, for its caller to hear it was not told).
    mutating func finished(_ work: DispatchWork, _ outcome: DispatchWork.Outcome, settings: RuntimeSettings, now: Date) -> ResolutionWork? {
        runningCount -= 1
        let key = work.conversation
        guard queues.index(forKey: key) != nil else { return nil }
        var dropped: ResolutionWork?
        switch (outcome, work.kind) {
        case (.retry, .resolution(let resolution)) where closed:
            dropped = resolution
        case (.retry(let delay), let kind):
            if case .messages(let messages) = kind { queuedMessages += messages.count }
            queues[key]?.putBack(kind, retryAt: now.addingTimeInterval(delay))
        case (.done(let unanswered), let kind):
            if case .messages(let messages) = kind {
                let requeued = Set(unanswered.map(\.id))
                for message in messages where !requeued.contains(message.id) { known.remove(message.id) }
                for message in unanswered.reversed() { queues[key]?.messages.prepend(message) }
                queuedMessages += unanswered.count
            }
            // Messages that arrived during the turn wait for their window from the last one.
            if let lastArrival = queues[key]?.lastArrival { queues[key]?.firstArrival = min(lastArrival, now) }
        }
        queues[key]?.running = false
        if queues[key]?.hasWork == true {
            schedule(key, settings: settings, now: now)
        } else {
            queues[key] = nil
        }
        return dropped
    }

    /// The reload from the store to start now, if one is due (see `StoreBacklog`).
    mutating func reloadDue() -> (after: MessageID?, limit: Int)? { backlog.reloadDue(queued: queuedMessages, closed: closed) }

    /// Queues what a reload found.
    mutating func reloaded(_ messages: [StoredInbound], limit: Int, settings: RuntimeSettings, now: Date) {
        add(messages, fromStore: true, settings: settings, now: now)
        backlog.reloaded(count: messages.count, limit: limit)
    }

    /// A reload failed; the next step starts another.
    mutating func reloadFailed() { backlog.reloadFailed() }

    /// Where `key` stands (for tests): waiting messages, waiting resolutions, running.
    func state(of key: ConversationKey) -> (messages: Int, resolutions: Int, running: Bool)? {
        queues[key].map { ($0.messages.count, $0.resolutions.count, $0.running) }
    }
}
