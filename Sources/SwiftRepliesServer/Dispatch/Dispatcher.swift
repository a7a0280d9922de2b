import Foundation
import Logging
import Metrics
import SwiftRepliesCore
import SwiftRepliesRuntime

/// Turns stored inbound messages into turns: one turn at a time per conversation, in order;
/// messages arriving within the debounce window become one turn; at most `max_workers` turns
/// at once; a holding message for customers who wait while every worker is busy.
///
/// The store's unanswered rows are the durable queue: on start the dispatcher loads them (crash
/// recovery), and a turn commits its outcome atomically, so a message is answered once.
actor Dispatcher {
    private struct ConversationQueue {
        var messages: [StoredInbound] = []
        var firstArrival: Date
        var lastArrival: Date
        var retryAt: Date?
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
    /// Conversations with queued messages, oldest first.
    private var order: [ConversationKey] = []
    private var running: Set<ConversationKey> = []
    /// Message ids queued or running, so a message is never taken twice.
    private var known: Set<MessageID> = []
    private var heldThisBusyPeriod: Set<ConversationKey> = []
    /// Conversations whose holding message is being queued: their turn waits for it, so the
    /// holding message never arrives after the answer.
    private var holdingInProgress: Set<ConversationKey> = []
    private var armedDeadline: Date?
    private var closed = false

    init(engine: ConversationEngine, state: RuntimeStateHolder, outbox: OutboxSender, store: any Store, logger: Logger) {
        self.engine = engine
        self.state = state
        self.outbox = outbox
        self.store = store
        self.logger = logger
        (wakeStream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Number of messages waiting for a turn (in memory) and turns running, for `/health`.
    var depth: (queued: Int, running: Int) {
        (queues.values.reduce(0) { $0 + $1.messages.count }, running.count)
    }

    /// Queues newly stored messages.
    func enqueue(_ messages: [StoredInbound]) {
        let now = Date()
        for message in messages where !known.contains(message.id) {
            known.insert(message.id)
            let key = message.conversation
            if var queue = queues[key] {
                queue.messages.append(message)
                queue.lastArrival = now
                queues[key] = queue
            } else {
                queues[key] = ConversationQueue(messages: [message], firstArrival: now, lastArrival: now)
                order.append(key)
            }
        }
        wake.yield()
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

    /// Takes the ready work that fits in the free workers.
    private func takeReadyWork(now: Date) -> [Work] {
        if closed { return [] }
        let settings = settings()
        var work: [Work] = []
        var index = 0
        while index < order.count, running.count < settings.maxWorkers {
            let key = order[index]
            guard !running.contains(key), !holdingInProgress.contains(key), let queue = queues[key],
                readyAt(queue, debounce: settings.debounceSeconds) <= now
            else {
                index += 1
                continue
            }
            running.insert(key)
            if settings.debounceSeconds > 0 || queue.messages.count == 1 {
                // Everything that arrived within the window is one turn.
                order.remove(at: index)
                queues[key] = nil
                work.append(Work(conversation: key, messages: queue.messages))
            } else {
                // Debounce disabled: one message, one turn, in order.
                var rest = queue
                let first = rest.messages.removeFirst()
                queues[key] = rest
                index += 1
                work.append(Work(conversation: key, messages: [first]))
            }
        }
        return work
    }

    /// Conversations whose turn is ready but waits for a worker, when every worker is busy and
    /// at least `busy_threshold` wait, that have not had the holding message this busy period.
    private func conversationsToHold(now: Date) -> [ConversationKey] {
        let settings = settings()
        guard running.count >= settings.maxWorkers else {
            heldThisBusyPeriod.removeAll()
            return []
        }
        let waiting = order.filter { key in
            guard !running.contains(key), let queue = queues[key] else { return false }
            return readyAt(queue, debounce: settings.debounceSeconds) <= now
        }
        guard waiting.count >= settings.busyThreshold else { return [] }
        let fresh = waiting.filter { !heldThisBusyPeriod.contains($0) }
        heldThisBusyPeriod.formUnion(fresh)
        holdingInProgress.formUnion(fresh)
        return fresh
    }

    /// The next time a queued conversation becomes ready, if a timer is needed for it.
    private func armTimer(now: Date) -> Date? {
        let settings = settings()
        let next = order.compactMap { key -> Date? in
            guard !running.contains(key), let queue = queues[key] else { return nil }
            let ready = readyAt(queue, debounce: settings.debounceSeconds)
            return ready > now ? ready : nil
        }.min()
        guard let next, armedDeadline.map({ next < $0 }) ?? true else { return nil }
        armedDeadline = next
        return next
    }

    private func holdingQueued(_ conversation: ConversationKey) {
        holdingInProgress.remove(conversation)
        wake.yield()
    }

    private func timerFired() {
        armedDeadline = nil
        wake.yield()
    }

    private func finished(_ work: Work, failed: Bool) {
        running.remove(work.conversation)
        if failed {
            // The messages stay unanswered in the store; try again shortly, ahead of newer ones.
            let now = Date()
            var queue = queues[work.conversation] ?? ConversationQueue(firstArrival: now, lastArrival: now)
            queue.messages = work.messages + queue.messages
            queue.retryAt = now.addingTimeInterval(1)
            queues[work.conversation] = queue
            if !order.contains(work.conversation) { order.insert(work.conversation, at: 0) }
        } else {
            for message in work.messages { known.remove(message.id) }
        }
        wake.yield()
    }

    /// Loads unanswered messages from the store (crash recovery), then runs turns until closed.
    nonisolated func run() async {
        do {
            let pending = try await store.pendingInbound(limit: 100_000)
            if !pending.isEmpty {
                logger.info("recovering unanswered messages", metadata: ["count": "\(pending.count)"])
                await enqueue(pending)
            }
        } catch {
            logger.error("could not load unanswered messages", metadata: ["error": "\(error)"])
        }
        await withDiscardingTaskGroup { group in
            for await _ in wakeStream {
                let now = Date()
                for work in await takeReadyWork(now: now) {
                    group.addTask { await self.execute(work) }
                }
                let hold = await conversationsToHold(now: now)
                if !hold.isEmpty {
                    group.addTask { await self.sendHoldingMessages(hold) }
                }
                if let deadline = await armTimer(now: now) {
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(max(1, Int(deadline.timeIntervalSinceNow * 1000))))
                        await self.timerFired()
                    }
                }
            }
        }
        logger.debug("dispatcher stopped")
    }

    private nonisolated func execute(_ work: Work) async {
        do {
            let result = try await engine.runTurn(work.messages, state: state.current)
            await outbox.submit(result.outbox)
            await finished(work, failed: false)
        } catch {
            logger.error(
                "turn failed; it will be retried", metadata: ["tenant.id": "\(work.conversation.tenantID)", "chatbot.id": "\(work.conversation.chatbotID)", "contact.id": "\(work.conversation.contactID)", "error": "\(error)"]
            )
            await finished(work, failed: true)
        }
    }

    private nonisolated func sendHoldingMessages(_ conversations: [ConversationKey]) async {
        let text = state.current.snapshot.runtime.holdingMessage
        for conversation in conversations {
            do {
                let entry = try await store.enqueueOutbound(conversation, text: text, purpose: .holding, at: Date())
                await outbox.submit([entry])
                Counter(label: "swiftreplies_holding_messages_total", dimensions: [("tenant", conversation.tenantID.rawValue)]).increment()
            } catch {
                logger.error("could not queue a holding message", metadata: ["contact.id": "\(conversation.contactID)", "error": "\(error)"])
            }
            await holdingQueued(conversation)
        }
    }
}
