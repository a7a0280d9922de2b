import DequeModule
import Foundation
import Logging
import Metrics
import SwiftRepliesCore
import SwiftRepliesRuntime
import Synchronization

/// Turns stored inbound messages into turns: one turn at a time per conversation, in order;
/// messages arriving within the debounce window become one turn; at most `max_workers` turns
/// at once; a holding message for customers who wait while every worker is busy.
///
/// The store's unanswered rows are the durable queue: on start the dispatcher loads them (crash
/// recovery), and a turn commits its outcome atomically, so a message is answered once.
/// Scheduling is O(1) per message: conversations whose turn can start wait in a FIFO; those
/// inside their debounce window wait for a timer.
///
/// Memory stays bounded when replies fall behind: at most `capacity` messages wait in memory.
/// Past it the dispatcher stops taking new messages (they are safe in the store, unanswered)
/// and, once the backlog has halved, reloads the oldest unanswered ones from the store, in
/// order, until it has caught up.
actor Dispatcher {
    private struct ConversationQueue {
        var messages: Deque<StoredInbound> = []
        var firstArrival: Date
        var lastArrival: Date
        var retryAt: Date?
        var running = false
        /// In `ready` (its turn can start as soon as a worker is free).
        var isReady = false
        /// Waiting for its debounce window (or retry delay) to pass.
        var isDelayed = false

        /// Adds a message that arrived `now`; an idle conversation's window starts with it.
        mutating func append(_ message: StoredInbound, at now: Date) {
            if messages.isEmpty && !running { firstArrival = now }
            messages.append(message)
            lastArrival = now
        }
    }

    /// One turn's worth of work.
    struct Work: Sendable {
        var conversation: ConversationKey
        var messages: [StoredInbound]
    }

    private let engine: ConversationEngine
    private let state: RuntimeStateHolder
    private let outbox: OutboxSender
    private let store: any Store
    private let logger: Logger
    private let wakeStream: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    private var queues: [ConversationKey: ConversationQueue] = [:]
    /// Conversations whose turn can start, oldest first.
    private var ready: Deque<ConversationKey> = []
    /// Conversations inside their debounce window or retry delay.
    private var delayed: Set<ConversationKey> = []
    private var runningCount = 0
    private var queuedMessages = 0
    /// Message ids queued or running, so a message is never taken twice.
    private var known: Set<MessageID> = []
    /// Conversations that became ready since the last holding check (checked once each).
    private var holdCandidates: Deque<ConversationKey> = []
    /// Conversations whose new messages were left in the store (over capacity) since the last
    /// holding check: they wait too, so they may get the holding message before they are loaded.
    /// At most `capacity` are remembered, and none once `4 × capacity` customers were held this
    /// busy period (memory stays bounded); the others are checked when they are loaded.
    private var overflowHoldCandidates: Deque<ConversationKey> = []
    /// Customers told to hold on during the current busy period.
    private var heldThisBusyPeriod: Set<ConversationKey> = []
    /// Conversations whose holding message is being queued: their turn waits for it, so the
    /// holding message never arrives after the answer.
    private var holdingInProgress: Set<ConversationKey> = []
    private var armedDeadline: Date?
    private var closed = false
    /// The most messages waiting in memory.
    let capacity: Int
    /// New messages are left in the store (not queued) until a reload catches up.
    private var overflowing = true
    private var reloading = false
    /// Messages left in the store since the current reload started.
    private var leftInStore = 0
    /// The highest message id ever queued: message ids grow in commit order, so everything
    /// unanswered above it is what a reload must fetch.
    private var cursor: MessageID?

    /// This process's name in conversation leases (databases several processes share).
    let leaseHolder = "dispatcher-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    /// How long a conversation stays leased to this process while its turn runs.
    let leaseDuration: TimeInterval
    /// How often a shared database is swept for messages a stopped process left unanswered, and
    /// how old such a message must be.
    let sweepInterval: Duration
    let staleAfter: TimeInterval

    init(
        engine: ConversationEngine, state: RuntimeStateHolder, outbox: OutboxSender, store: any Store, logger: Logger, capacity: Int = 2_000,
        leaseDuration: TimeInterval = 30, sweepInterval: Duration = .seconds(1), staleAfter: TimeInterval = 2
    ) {
        self.leaseDuration = leaseDuration
        self.sweepInterval = sweepInterval
        self.staleAfter = staleAfter
        self.capacity = max(1, capacity)
        self.engine = engine
        self.state = state
        self.outbox = outbox
        self.store = store
        self.logger = logger
        (wakeStream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Messages waiting for a turn (in memory) and turns running, for `/health`.
    var depth: (queued: Int, running: Int) { (queuedMessages, runningCount) }

    /// Queues newly stored messages (or leaves them in the store while over capacity), in the
    /// order of their commits. They are handed over under a lock and taken by the next
    /// scheduling step: the intake's group commits never wait for the dispatcher's actor, so a
    /// busy dispatcher does not hold up acknowledgements.
    nonisolated func enqueue(_ messages: [StoredInbound]) {
        guard !messages.isEmpty else { return }
        arrivals.withLock { $0.append(contentsOf: messages) }
        wake.yield()
    }

    /// Messages stored since the last scheduling step, in commit order (see `enqueue`).
    private let arrivals = Mutex<[StoredInbound]>([])

    /// Queues messages (the caller wakes the scheduling loop when it is not that loop).
    private func add(_ messages: [StoredInbound], fromStore: Bool) {
        let now = Date()
        let holdingMessagesOn = settings().busyThreshold > 0
        for message in messages where !known.contains(message.id) {
            if !fromStore && (overflowing || queuedMessages >= capacity) {
                // Durable already: a reload picks it up in order.
                if !overflowing { logger.notice("dispatch queue full; new messages wait in the store", metadata: ["capacity": "\(capacity)"]) }
                overflowing = true
                leftInStore += 1
                if holdingMessagesOn, overflowHoldCandidates.count < capacity, heldThisBusyPeriod.count < 4 * capacity,
                    !heldThisBusyPeriod.contains(message.conversation)
                {
                    overflowHoldCandidates.append(message.conversation)
                }
                continue
            }
            known.insert(message.id)
            if cursor.map({ message.id > $0 }) ?? true { cursor = message.id }
            queuedMessages += 1
            let key = message.conversation
            // In place: a copy of the queue would make the append copy its messages.
            queues[key, default: ConversationQueue(firstArrival: now, lastArrival: now)].append(message, at: now)
            schedule(key, now: now)
        }
    }

    /// Stops taking new turns; turns in flight finish.
    func close() {
        closed = true
        wake.finish()
    }

    private func settings() -> RuntimeSettings { state.current.snapshot.runtime }

    /// When a conversation's messages become one turn: after the debounce window since the
    /// last message, but never later than four windows after the first.
    private func readyAt(_ queue: ConversationQueue, debounce: Double) -> Date {
        if let retryAt = queue.retryAt { return retryAt }
        guard debounce > 0 else { return queue.firstArrival }
        return min(queue.lastArrival.addingTimeInterval(debounce), queue.firstArrival.addingTimeInterval(4 * debounce))
    }

    /// Puts a conversation with pending messages where it belongs: ready, or delayed.
    private func schedule(_ key: ConversationKey, now: Date) {
        guard var queue = queues[key], !queue.running, !queue.messages.isEmpty, !queue.isReady else { return }
        if readyAt(queue, debounce: settings().debounceSeconds) <= now {
            queue.isReady = true
            queue.isDelayed = false
            delayed.remove(key)
            ready.append(key)
            holdCandidates.append(key)
        } else if !queue.isDelayed {
            queue.isDelayed = true
            delayed.insert(key)
        }
        queues[key] = queue
    }

    /// Moves delayed conversations whose time has come to `ready`; returns the next deadline.
    private func promoteDelayed(now: Date) -> Date? {
        guard !delayed.isEmpty else { return nil }
        let debounce = settings().debounceSeconds
        var next: Date?
        for key in delayed {
            guard let queue = queues[key] else {
                delayed.remove(key)
                continue
            }
            let at = readyAt(queue, debounce: debounce)
            if at <= now {
                queues[key]?.isDelayed = false
                queues[key]?.retryAt = nil
                delayed.remove(key)
                schedule(key, now: now)
            } else {
                next = min(next ?? at, at)
            }
        }
        return next
    }

    /// Takes the ready work that fits in the free workers.
    private func takeReadyWork(now: Date) -> [Work] {
        if closed { return [] }
        let settings = settings()
        var work: [Work] = []
        var skipped: [ConversationKey] = []
        while runningCount < settings.maxWorkers, let key = ready.popFirst() {
            // The queue is changed in place (through the dictionary): taking messages from a
            // copy would copy the ones left behind.
            guard queues[key].map({ !$0.messages.isEmpty }) == true else { continue }
            if holdingInProgress.contains(key) {
                skipped.append(key)
                continue
            }
            let messages: [StoredInbound]
            if settings.debounceSeconds > 0 {
                // Everything that arrived within the window is one turn.
                messages = queues[key].map { Array($0.messages) } ?? []
                queues[key]?.messages.removeAll()
            } else if let first = queues[key]?.messages.popFirst() {
                // Debounce disabled: one message, one turn, in order.
                messages = [first]
            } else {
                continue
            }
            queues[key]?.isReady = false
            queues[key]?.running = true
            queuedMessages -= messages.count
            runningCount += 1
            work.append(Work(conversation: key, messages: messages))
        }
        for key in skipped.reversed() { ready.prepend(key) }
        return work
    }

    /// Conversations whose turn waits for a worker, when every worker is busy and at least
    /// `busy_threshold` wait, that have not had the holding message this busy period. A busy
    /// period lasts until no turn is waiting any more, in memory or in the store (over capacity).
    /// Customers whose messages were left in the store wait too: they get the holding message
    /// as soon as those in memory do, not only once their messages are loaded.
    /// `busy_threshold: 0` disables it.
    private func conversationsToHold() -> [ConversationKey] {
        let settings = settings()
        if ready.isEmpty && !overflowing {
            heldThisBusyPeriod.removeAll()
            holdCandidates.removeAll()
            overflowHoldCandidates.removeAll()
            return []
        }
        let waiting = ready.count + overflowHoldCandidates.count
        guard settings.busyThreshold > 0, runningCount >= settings.maxWorkers, waiting >= settings.busyThreshold else { return [] }
        // Each customer once: inserting into the busy period's set is the check.
        var fresh: [ConversationKey] = []
        while let key = holdCandidates.popFirst() {
            if queues[key]?.isReady == true, heldThisBusyPeriod.insert(key).inserted { fresh.append(key) }
        }
        while let key = overflowHoldCandidates.popFirst() {
            // Not running: its messages wait in the store behind the ones in memory.
            if queues[key]?.running != true, heldThisBusyPeriod.insert(key).inserted { fresh.append(key) }
        }
        holdingInProgress.formUnion(fresh)
        return fresh
    }

    private func armTimer(next: Date?) -> Date? {
        guard let next, armedDeadline.map({ next < $0 }) ?? true else { return nil }
        armedDeadline = next
        return next
    }

    private func timerFired() {
        armedDeadline = nil
        wake.yield()
    }

    private func holdingQueued(_ conversation: ConversationKey) {
        holdingInProgress.remove(conversation)
        wake.yield()
    }

    /// A turn that ended, waiting for the next scheduling step (see `end`).
    private struct EndedTurn: Sendable {
        var work: Work
        var failed: Bool
        var retryDelay: TimeInterval
        var unanswered: [StoredInbound]
    }

    /// Turns that ended since the last scheduling step: handed over under a lock rather than by
    /// a hop onto the actor at the end of every turn.
    private let endedTurns = Mutex<[EndedTurn]>([])

    /// Reports that a turn ended (see `finished`); the next scheduling step takes it.
    private nonisolated func end(_ work: Work, failed: Bool, retryDelay: TimeInterval = 1, unanswered: [StoredInbound] = []) {
        endedTurns.withLock { $0.append(EndedTurn(work: work, failed: failed, retryDelay: retryDelay, unanswered: unanswered)) }
        wake.yield()
    }

    /// A turn ended. `failed`: its messages stay unanswered in the store and are retried after
    /// `retryDelay`, ahead of newer ones. `unanswered`: messages of the work a successful turn did
    /// not cover (another process answered older ones first), queued again at once. Called by
    /// the scheduling step, which then takes whatever became ready.
    private func finished(_ work: Work, failed: Bool, retryDelay: TimeInterval = 1, unanswered: [StoredInbound] = []) {
        runningCount -= 1
        let now = Date()
        guard var queue = queues[work.conversation] else { return }
        queue.running = false
        if failed {
            for message in work.messages.reversed() { queue.messages.prepend(message) }
            queuedMessages += work.messages.count
            queue.retryAt = now.addingTimeInterval(retryDelay)
        } else {
            let requeued = Set(unanswered.map(\.id))
            for message in work.messages where !requeued.contains(message.id) { known.remove(message.id) }
            for message in unanswered.reversed() { queue.messages.prepend(message) }
            queuedMessages += unanswered.count
        }
        if queue.messages.isEmpty {
            queues[work.conversation] = nil
        } else {
            if !failed { queue.firstArrival = min(queue.lastArrival, now) }
            queues[work.conversation] = queue
            schedule(work.conversation, now: now)
        }
    }

    /// Runs turns until closed. It starts by loading unanswered messages from the store (crash
    /// recovery), through the same reload that keeps memory bounded.
    nonisolated func run() async {
        wake.yield()
        await withDiscardingTaskGroup { group in
            if store.isShared {
                group.addTask { await self.sweepShared() }
            }
            for await _ in wakeStream {
                let (work, hold, deadline, reload) = await plan(now: Date())
                if let reload {
                    group.addTask { await self.reload(after: reload.after, limit: reload.limit) }
                }
                for item in work {
                    group.addTask { await self.execute(item) }
                }
                if !hold.isEmpty {
                    group.addTask { await self.sendHoldingMessages(hold) }
                }
                if let deadline {
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(max(1, Int(deadline.timeIntervalSinceNow * 1000))))
                        await self.timerFired()
                    }
                }
            }
        }
        logger.debug("dispatcher stopped")
    }

    /// One scheduling step: turns that ended free their workers and messages that arrived are
    /// queued, due conversations become ready, free workers take work, waiting
    /// customers may get a holding message, a timer is armed for the next deadline, and a
    /// reload from the store is due when messages were left there and the backlog has halved.
    private func plan(now: Date) -> (work: [Work], hold: [ConversationKey], deadline: Date?, reload: (after: MessageID?, limit: Int)?) {
        for turn in endedTurns.takeAll() { finished(turn.work, failed: turn.failed, retryDelay: turn.retryDelay, unanswered: turn.unanswered) }
        let arrived = arrivals.takeAll()
        if !arrived.isEmpty { add(arrived, fromStore: false) }
        let next = promoteDelayed(now: now)
        let hold = conversationsToHold()
        let work = takeReadyWork(now: now)
        var reload: (after: MessageID?, limit: Int)?
        if overflowing, !reloading, !closed, queuedMessages <= capacity / 2 {
            reloading = true
            leftInStore = 0
            reload = (cursor, capacity - queuedMessages)
        }
        return (work, hold, armTimer(next: next), reload)
    }

    /// Queues the oldest unanswered messages from the store; stops overflowing once a reload
    /// found fewer than it asked for and nothing new was left in the store meanwhile.
    private func reloaded(_ messages: [StoredInbound], limit: Int) {
        add(messages, fromStore: true)
        reloading = false
        if messages.count < limit && leftInStore == 0 { overflowing = false }
        wake.yield()
    }

    private func reloadFailed() {
        reloading = false
    }

    private nonisolated func reload(after: MessageID?, limit: Int) async {
        do {
            let pending = try await store.pendingInbound(after: after, limit: limit)
            if !pending.isEmpty {
                if after == nil {
                    logger.info("recovering unanswered messages", metadata: ["count": "\(pending.count)"])
                } else {
                    logger.debug("loaded unanswered messages from the store", metadata: ["count": "\(pending.count)"])
                }
            }
            await reloaded(pending, limit: limit)
        } catch {
            logger.error("could not load unanswered messages; retrying", metadata: ["error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            await reloadFailed()
            wake.yield()
        }
    }

    private nonisolated func execute(_ work: Work) async {
        if store.isShared {
            await executeLeased(work)
            return
        }
        do {
            let runtime = state.current
            let result = try await engine.runTurn(work.messages, state: runtime)
            outbox.submit(result.outbox, from: runtime.snapshot)
            end(work, failed: false)
        } catch {
            turnFailed(work, error: error)
            end(work, failed: true)
        }
    }

    /// A turn in a database several processes share: this process first takes the
    /// conversation's lease (another process running a turn for it makes this one wait), then
    /// answers the conversation's oldest unanswered messages as the store has them, which may
    /// include messages another process received, so order holds across processes.
    private nonisolated func executeLeased(_ work: Work) async {
        let conversation = work.conversation
        do {
            let now = Date()
            let debounced = state.current.snapshot.runtime.debounceSeconds > 0
            guard
                let leased = try await store.leaseConversation(
                    conversation, holder: leaseHolder, until: now.addingTimeInterval(leaseDuration), now: now, pendingLimit: debounced ? 200 : 1
                )
            else {
                end(work, failed: true, retryDelay: 0.05)
                return
            }
            let outcome: Result<[StoredInbound], any Error>
            // The turn's commit ends the lease; otherwise it is given up here.
            var leaseReleased = false
            let pending = leased.pending
            do {
                if !pending.isEmpty {
                    let runtime = state.current
                    let result = try await engine.runTurn(pending, state: runtime, releasingLeaseOf: leaseHolder, facts: leased.facts)
                    leaseReleased = true
                    outbox.submit(result.outbox, from: runtime.snapshot)
                }
                let answered = Set(pending.map(\.id))
                outcome = .success(work.messages.filter { !answered.contains($0.id) && !pending.isEmpty })
            } catch {
                outcome = .failure(error)
            }
            if !leaseReleased { try? await store.releaseConversationLease(conversation, holder: leaseHolder) }
            switch outcome {
            case .success(let unanswered): end(work, failed: false, unanswered: unanswered)
            case .failure(let error): throw error
            }
        } catch {
            turnFailed(work, error: error)
            end(work, failed: true)
        }
    }

    private nonisolated func turnFailed(_ work: Work, error: any Error) {
        logger.error(
            "turn failed; it will be retried",
            metadata: [
                "tenant.id": "\(work.conversation.tenantID)", "chatbot.id": "\(work.conversation.chatbotID)",
                "contact.id": "\(work.conversation.contactID)", "error": "\(error)",
            ]
        )
    }

    /// In a database several processes share, messages another process stored but did not
    /// answer (it stopped) are found by age and queued here; a conversation still leased
    /// elsewhere simply waits for the lease.
    private nonisolated func sweepShared() async {
        while !(await isClosed), !Task.isCancelled {
            // Sleep in short steps so that closing the dispatcher is not held up by the sweep.
            let wakeAt = ContinuousClock.now + sweepInterval
            while ContinuousClock.now < wakeAt {
                do {
                    try await Task.sleep(for: min(.milliseconds(50), wakeAt - ContinuousClock.now))
                } catch {
                    return
                }
                if await isClosed { return }
            }
            do {
                try await store.performHousekeeping()
            } catch {
                logger.warning("database housekeeping failed", metadata: ["error": "\(error)"])
            }
            do {
                let cutoff = Date().addingTimeInterval(-staleAfter)
                let pending = try await store.pendingInbound(after: nil, limit: 1000).filter { $0.receivedAt < cutoff }
                if !pending.isEmpty { await adopt(pending) }
            } catch {
                logger.error("could not sweep for unanswered messages", metadata: ["error": "\(error)"])
            }
        }
    }

    private var isClosed: Bool { closed }

    /// Queues swept messages this process does not already hold, within the memory bound (the
    /// rest stay in the store for a later sweep or reload).
    private func adopt(_ messages: [StoredInbound]) {
        let room = max(0, capacity - queuedMessages)
        let fresh = Array(messages.filter { !known.contains($0.id) }.prefix(room))
        guard !fresh.isEmpty else { return }
        logger.info("taking over unanswered messages", metadata: ["count": "\(fresh.count)"])
        add(fresh, fromStore: true)
        wake.yield()
    }

    private nonisolated func sendHoldingMessages(_ conversations: [ConversationKey]) async {
        let text = state.current.snapshot.runtime.holdingMessage
        for conversation in conversations {
            do {
                // Queued only while the waiting messages are unanswered, checked with the insert:
                // on a shared database another process may have answered them already (this one
                // still holds them in memory), and no holding message may follow an answer.
                if let entry = try await store.enqueueHoldingMessage(conversation, text: text, at: Date()) {
                    outbox.submit([entry])
                    Counter(label: "swiftreplies_holding_messages_total", dimensions: [("tenant", conversation.tenantID.rawValue)]).increment()
                }
            } catch {
                logger.error("could not queue a holding message", metadata: ["contact.id": "\(conversation.contactID)", "error": "\(error)"])
            }
            await holdingQueued(conversation)
        }
    }
}

// MARK: - Resolution turns (Actions Center)
// A turn that tells a customer an operator's decision does not come from the message queue
// (see ResolutionTurns.swift). It holds the conversation as a running turn would, so it never
// overlaps one of the conversation's message turns, and hands it back afterwards.
extension Dispatcher {
    /// Holds the conversation when none of its turns runs or waits for a worker; `false` when
    /// one does (ask again shortly).
    func claimConversation(_ key: ConversationKey) -> Bool {
        let now = Date()
        var queue = queues[key] ?? ConversationQueue(firstArrival: now, lastArrival: now)
        guard !queue.running, !queue.isReady else { return false }
        queue.running = true
        queues[key] = queue
        return true
    }

    /// Gives a conversation held by `claimConversation` back; its waiting messages get their turn.
    func releaseConversation(_ key: ConversationKey) {
        guard var queue = queues[key], queue.running else { return }
        queue.running = false
        if queue.messages.isEmpty {
            queues[key] = nil
            return
        }
        queues[key] = queue
        schedule(key, now: Date())
        wake.yield()
    }
}

extension Mutex where Value: RangeReplaceableCollection & Sendable {
    /// Takes everything the list holds and leaves it empty (without copying it).
    fileprivate borrowing func takeAll() -> Value {
        withLock { list in
            var taken = Value()
            swap(&taken, &list)
            return taken
        }
    }
}
