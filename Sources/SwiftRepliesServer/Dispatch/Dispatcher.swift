import Foundation
import Logging
import SwiftRepliesCore
import SwiftRepliesRuntime
import Synchronization

/// Turns stored inbound messages, and Actions Center outcomes to tell, into turns: one turn at a
/// time per conversation, in order; messages arriving within the debounce window become one
/// turn; at most `max_workers` turns at once; a holding message for customers who wait while
/// every worker is busy.
///
/// The coordinator of dispatch. Its `TurnQueue` decides what runs next (with
/// `DebounceSchedule`, `HoldingMessages` and `StoreBacklog`); `MessageTurns` and
/// `ResolutionTurns` run the turns, under `ConversationLeases` on a database several processes
/// share, where `SharedDatabaseSweep` also takes over messages other processes left unanswered.
///
/// The store's unanswered rows are the durable queue: on start the dispatcher loads them (crash
/// recovery), and a turn commits its outcome atomically, so a message is answered once. Memory
/// stays bounded when replies fall behind: at most `capacity` messages wait in memory, the rest
/// in the store until they are reloaded in order.
actor Dispatcher {
    private var queue: TurnQueue
    private let state: RuntimeStateHolder
    private let outbox: OutboxSender
    private let turns: any TurnStore
    private let outboxStore: any OutboxStore
    private let logger: Logger
    private let messageTurns: MessageTurns
    private let resolutionTurns: ResolutionTurns
    /// Set on a database several processes share.
    private let sweep: SharedDatabaseSweep?
    /// How long a resolution turn waits for a conversation lease another process holds.
    private let resolutionLeaseWait: Duration
    private let wakeStream: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// Messages stored since the last scheduling step, in commit order (see `enqueue`).
    private let arrivals = Mutex<[StoredInbound]>([])
    /// Turns that ended since the last scheduling step: handed over under a lock rather than by
    /// a hop onto the actor at the end of every turn.
    private let endedTurns = Mutex<[(DispatchWork, DispatchWork.Outcome)]>([])

    /// `leaseDuration`: how long a conversation stays leased to this process while its turn runs
    /// (shared databases); `sweepInterval` and `staleAfter`: how often a shared database is swept
    /// for messages a stopped process left unanswered, and how old such a message must be.
    init(
        engine: ConversationEngine, state: RuntimeStateHolder, outbox: OutboxSender, stores: StoreSet, logger: Logger, capacity: Int = 2_000,
        leaseDuration: TimeInterval = 30, sweepInterval: Duration = .seconds(1), staleAfter: TimeInterval = 2,
        resolutionLeaseWait: Duration = .seconds(30)
    ) {
        let leases = stores.isShared ? ConversationLeases(leases: stores.leases, duration: leaseDuration) : nil
        queue = TurnQueue(capacity: capacity, logger: logger)
        self.state = state
        self.outbox = outbox
        self.turns = stores.turns
        self.outboxStore = stores.outbox
        self.logger = logger
        messageTurns = MessageTurns(engine: engine, state: state, outbox: outbox, leases: leases, logger: logger)
        resolutionTurns = ResolutionTurns(
            engine: engine, state: state, outbox: outbox, actions: stores.actions, leases: leases, logger: logger
        )
        sweep = stores.isShared ? SharedDatabaseSweep(lifecycle: stores.lifecycle, turns: stores.turns, interval: sweepInterval, staleAfter: staleAfter, logger: logger) : nil
        self.resolutionLeaseWait = resolutionLeaseWait
        (wakeStream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Messages waiting for a turn (in memory) and turns running, for `/health`.
    var depth: (queued: Int, running: Int) { (queue.queuedMessages, queue.runningCount) }

    /// Queues newly stored messages (or leaves them in the store while over capacity), in the
    /// order of their commits. They are handed over under a lock and taken by the next
    /// scheduling step: the intake's group commits never wait for the dispatcher's actor, so a
    /// busy dispatcher does not hold up acknowledgements.
    nonisolated func enqueue(_ messages: [StoredInbound]) {
        guard !messages.isEmpty else { return }
        arrivals.withLock { $0.append(contentsOf: messages) }
        wake.yield()
    }

    /// Tells the customer `action`'s outcome (an operator's decision, or that nobody decided in
    /// time) in a turn of its conversation: a work item of this queue, run when none of the
    /// conversation's turns runs, after the turns of the messages queued before it, and under
    /// the conversation's lease on a shared database (see `ResolutionTurns`). Returns whether
    /// the outcome was told (or had been already); an untold one is told by
    /// `OperationsSweepService` later.
    @discardableResult
    func tell(_ action: ActionRecord) async -> Bool {
        let deadline = ContinuousClock.now + resolutionLeaseWait
        return await withCheckedContinuation { continuation in
            let resolution = ResolutionWork(action: action, deadline: deadline) { continuation.resume(returning: $0) }
            if queue.add(resolution, settings: settings(), now: Date()) {
                wake.yield()
            } else {
                resolution.report(false)
            }
        }
    }

    /// Stops taking new turns; turns in flight finish, resolutions still queued are not told.
    func close() {
        for resolution in queue.close() { resolution.report(false) }
        wake.finish()
    }

    private func settings() -> RuntimeSettings { state.current.snapshot.runtime }

    /// Runs turns until closed. It starts by loading unanswered messages from the store (crash
    /// recovery), through the same reload that keeps memory bounded.
    nonisolated func run() async {
        wake.yield()
        await withDiscardingTaskGroup { turns in
            // Timers and the sweep stop when the dispatcher closes; turns and holding messages
            // in flight finish.
            await withDiscardingTaskGroup { scheduling in
                if let sweep {
                    scheduling.addTask { await sweep.run { await self.adopt($0) } }
                }
                for await _ in wakeStream {
                    let plan = await plan(now: Date())
                    if let reload = plan.reload {
                        turns.addTask { await self.reload(after: reload.after, limit: reload.limit) }
                    }
                    for work in plan.work {
                        turns.addTask { await self.execute(work) }
                    }
                    if !plan.hold.isEmpty {
                        turns.addTask { await self.sendHoldingMessages(plan.hold) }
                    }
                    if let deadline = plan.deadline {
                        scheduling.addTask {
                            guard (try? await Task.sleep(for: .milliseconds(max(1, Int(deadline.timeIntervalSinceNow * 1000))))) != nil else { return }
                            await self.timerFired()
                        }
                    }
                }
                scheduling.cancelAll()
            }
        }
        logger.debug("dispatcher stopped")
    }

    /// What one scheduling step starts.
    private struct Plan: Sendable {
        var work: [DispatchWork]
        var hold: [ConversationKey]
        var deadline: Date?
        var reload: (after: MessageID?, limit: Int)?
    }

    /// One scheduling step: turns that ended free their workers and messages that arrived are
    /// queued, due conversations become ready, waiting customers may get a holding message, free
    /// workers take work, a timer is armed for the next deadline, and a reload from the store is
    /// due when messages were left there and the backlog has halved.
    private func plan(now: Date) -> Plan {
        let settings = settings()
        for (work, outcome) in endedTurns.takeAll() {
            queue.finished(work, outcome, settings: settings, now: now)?.report(false)
        }
        let arrived = arrivals.takeAll()
        if !arrived.isEmpty { queue.add(arrived, fromStore: false, settings: settings, now: now) }
        let next = queue.promoteDelayed(settings: settings, now: now)
        let hold = queue.conversationsToHold(settings: settings)
        let work = queue.takeReadyWork(settings: settings)
        return Plan(work: work, hold: hold, deadline: queue.armTimer(next), reload: queue.reloadDue())
    }

    private func timerFired() {
        queue.timerFired()
        wake.yield()
    }

    /// Runs one turn and reports its end; the next scheduling step takes it.
    private nonisolated func execute(_ work: DispatchWork) async {
        let outcome: DispatchWork.Outcome
        switch work.kind {
        case .messages(let messages): outcome = await messageTurns.run(messages, of: work.conversation)
        case .resolution(let resolution): outcome = await resolutionTurns.run(resolution)
        }
        endedTurns.withLock { $0.append((work, outcome)) }
        wake.yield()
    }

    /// Loads the oldest unanswered messages from the store (after a failure, tries again a second
    /// later).
    private nonisolated func reload(after: MessageID?, limit: Int) async {
        do {
            let pending = try await turns.pendingInbound(after: after, limit: limit)
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
        }
    }

    private func reloaded(_ messages: [StoredInbound], limit: Int) {
        queue.reloaded(messages, limit: limit, settings: settings(), now: Date())
        wake.yield()
    }

    private func reloadFailed() {
        queue.reloadFailed()
        wake.yield()
    }

    /// Queues messages the shared-database sweep found that this process does not hold.
    private func adopt(_ messages: [StoredInbound]) {
        let adopted = queue.adopt(messages, settings: settings(), now: Date())
        guard adopted > 0 else { return }
        logger.info("taking over unanswered messages", metadata: ["count": "\(adopted)"])
        wake.yield()
    }

    private nonisolated func sendHoldingMessages(_ conversations: [ConversationKey]) async {
        let text = state.current.snapshot.runtime.holdingMessage
        await HoldingMessages.send(conversations, text: text, store: outboxStore, outbox: outbox, logger: logger) { await self.holdingQueued($0) }
    }

    private func holdingQueued(_ conversation: ConversationKey) {
        queue.holdingQueued(conversation)
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
