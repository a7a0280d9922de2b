import DequeModule
import Foundation
import Logging
import Metrics
import SwiftRepliesChannels
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import Synchronization

/// Sends what the outbox holds, through the chatbot's channel: one message at a time per
/// conversation (so replies keep their order), many conversations at once. Every attempt's
/// outcome is recorded; a message the provider accepted is never sent again; a failed attempt
/// is retried with backoff (the store keeps `next_attempt_at`, so retries survive restarts).
actor OutboxSender {
    private let store: any OutboxStore
    private let isShared: Bool
    private let state: RuntimeStateHolder
    private let channels: [ProviderKind: any MessagingChannel]
    /// Chatbots as the turns that queued replies saw them (see `submit(_:from:)`).
    private var rememberedChatbots: [ChatbotID: RememberedChatbot] = [:]
    private let logger: Logger
    /// `swiftreplies_sends_total{tenant, outcome}`, by outcome.
    private let sendCounters = SendCounters()
    private let policy: RetryPolicy
    private let maximumConcurrentSends: Int
    private let pollInterval: Duration
    private let wakeStream: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// Entries waiting, per conversation, oldest first.
    private var queues: [ConversationKey: Deque<OutboxEntry>] = [:]
    /// Conversations with entries waiting and nothing being sent, oldest first (each once).
    private var ready: Deque<ConversationKey> = []
    private var sending: Set<ConversationKey> = []
    private var waitingCount = 0
    /// Ids queued or being sent: never picked twice.
    private var known: Set<MessageID> = []
    /// Ids whose outcome was recorded recently, with when: a poll that started before that
    /// must not pick them up again.
    private var recentlyDone: [MessageID: ContinuousClock.Instant] = [:]
    private var closed = false

    /// `isShared`: whether several processes share the database (`StoreLifecycle.isShared`): the
    /// sender then records this process's heartbeats.
    init(
        store: any OutboxStore, isShared: Bool, state: RuntimeStateHolder, channels: [ProviderKind: any MessagingChannel], logger: Logger, policy: RetryPolicy = RetryPolicy(),
        maximumConcurrentSends: Int = 64, pollInterval: Duration = .seconds(1)
    ) {
        self.store = store
        self.isShared = isShared
        self.state = state
        self.channels = channels
        self.logger = logger
        self.policy = policy
        self.maximumConcurrentSends = maximumConcurrentSends
        self.pollInterval = pollInterval
        (wakeStream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Entries waiting in memory and conversations sending, for `/health`.
    var depth: Int {
        waitingCount + sending.count + inbox.withLock { $0.submitted.reduce(0) { $0 + $1.entries.count } }
    }

    /// What turns submitted and sends finished since the sender last took work: handed over
    /// under a lock rather than by a hop onto the actor for every turn and every send (the
    /// actor takes them in `takeWork`, in order).
    private struct Inbox {
        var submitted: [(entries: [OutboxEntry], snapshot: ConfigSnapshot?)] = []
        var finished: [OutboxEntry] = []
    }

    private let inbox = Mutex(Inbox())

    /// Queues entries for sending now. `snapshot` is the configuration the turn that wrote them
    /// ran on: their chatbot's channels are remembered from it, so replies of a turn that
    /// finished before its tenant was removed (or its number changed) are still sent.
    nonisolated func submit(_ entries: [OutboxEntry], from snapshot: ConfigSnapshot? = nil) {
        guard !entries.isEmpty else { return }
        inbox.withLock { $0.submitted.append((entries, snapshot)) }
        wake.yield()
    }

    /// Takes what the inbox holds: submitted entries join their queues, finished sends free
    /// their conversations.
    private func takeInbox() {
        let (submitted, finished) = inbox.withLock { inbox in
            defer { inbox = Inbox() }
            return (inbox.submitted, inbox.finished)
        }
        for (entries, snapshot) in submitted { accept(entries, from: snapshot) }
        for entry in finished { done(entry) }
    }

    private func accept(_ entries: [OutboxEntry], from snapshot: ConfigSnapshot?) {
        if let snapshot {
            for entry in entries where rememberedChatbots[entry.conversation.chatbotID]?.revision != snapshot.revision {
                guard let chatbot = snapshot.chatbot(entry.conversation.chatbotID) else { continue }
                let accounts = snapshot.accounts.filter { id, _ in chatbot.channels.contains { $0.accountID == id } }
                rememberedChatbots[chatbot.id] = RememberedChatbot(revision: snapshot.revision, chatbot: chatbot, accounts: accounts)
            }
        }
        add(entries, pollStartedAt: nil)
    }

    /// A chatbot as the configuration of a finished turn had it.
    struct RememberedChatbot: Sendable {
        var revision: Int
        var chatbot: ChatbotDefinition
        var accounts: [String: ProviderAccount]
    }

    /// The chatbot and accounts to send an entry through: the configuration in force, else the
    /// one its turn ran on (its tenant was removed since).
    private func sendingConfiguration(_ entry: OutboxEntry, current snapshot: ConfigSnapshot) -> SendingConfiguration? {
        if let chatbot = snapshot.chatbot(entry.conversation.chatbotID) { return (chatbot, snapshot.accounts) }
        return rememberedChatbots[entry.conversation.chatbotID].map { ($0.chatbot, $0.accounts) }
    }

    private func add(_ entries: [OutboxEntry], pollStartedAt: ContinuousClock.Instant?) {
        for entry in entries where !known.contains(entry.id) {
            if let pollStartedAt, let done = recentlyDone[entry.id], done >= pollStartedAt { continue }
            known.insert(entry.id)
            waitingCount += 1
            let key = entry.conversation
            if queues[key] == nil {
                queues[key] = [entry]
                if !sending.contains(key) { ready.append(key) }
            } else {
                // In creation (id) order: a poll may find older entries after a turn submitted
                // newer ones. Nearly always an append.
                queues[key]?.insertInIDOrder(entry)
            }
        }
    }

    func close() {
        closed = true
        wake.finish()
    }

    /// An entry taken for sending, with the chatbot and accounts to send it through (`nil`: none),
    /// looked up while taking it so the send itself needs no hop back to the sender.
    struct PreparedSend: Sendable {
        var entry: OutboxEntry
        var configuration: SendingConfiguration?
    }

    /// The chatbot an entry is sent for, and the provider accounts its channels use.
    typealias SendingConfiguration = (chatbot: ChatbotDefinition, accounts: [String: ProviderAccount])

    private func takeWork() -> [PreparedSend] {
        takeInbox()
        var work: [PreparedSend] = []
        let snapshot = state.current.snapshot
        while sending.count < maximumConcurrentSends, let key = ready.popFirst() {
            // In place: popping from a copy would copy the entries left behind.
            guard let entry = queues[key]?.popFirst() else { continue }
            if queues[key]?.isEmpty == true { queues[key] = nil }
            waitingCount -= 1
            sending.insert(key)
            work.append(PreparedSend(entry: entry, configuration: sendingConfiguration(entry, current: snapshot)))
        }
        return work
    }

    private func done(_ entry: OutboxEntry) {
        sending.remove(entry.conversation)
        known.remove(entry.id)
        recentlyDone[entry.id] = .now
        // Taken by the `takeWork` that is running (only it calls this).
        if queues[entry.conversation] != nil { ready.append(entry.conversation) }
    }

    /// A send ended (its outcome recorded, or given up): its conversation may send the next one.
    private nonisolated func finish(_ entry: OutboxEntry) {
        inbox.withLock { $0.finished.append(entry) }
        wake.yield()
    }

    private func pollDue() async {
        let started = ContinuousClock.now
        do {
            let due = try await store.dueOutbox(now: Date(), limit: 1000)
            add(due, pollStartedAt: started)
        } catch {
            logger.error("could not read the outbox", metadata: ["error": "\(error)"])
        }
        let horizon = ContinuousClock.now - .seconds(10)
        recentlyDone = recentlyDone.filter { $0.value > horizon }
        wake.yield()
    }

    /// In a database several processes share, entries whose sender stopped mid-attempt (its send
    /// lease expired) are requeued by whichever process notices first.
    private nonisolated func recoverExpiredSends() async {
        do {
            let requeued = try await store.recoverInterruptedSends(at: Date())
            if requeued > 0 {
                logger.warning("requeued replies another process left mid-send; they may reach the customer twice", metadata: ["count": "\(requeued)"])
            }
        } catch {
            logger.error("could not recover interrupted sends", metadata: ["error": "\(error)"])
        }
    }

    /// Sends until closed; polls the store for due entries (restart recovery and retries).
    nonisolated func run() async {
        do {
            let interrupted = try await store.recoverInterruptedSends(at: Date())
            if interrupted > 0 {
                logger.warning("requeued replies whose send was interrupted; they may reach the customer twice", metadata: ["count": "\(interrupted)"])
            }
        } catch {
            logger.error("could not recover interrupted sends", metadata: ["error": "\(error)"])
        }
        await withDiscardingTaskGroup { group in
            if isShared {
                // The heartbeat that keeps this process's sends its own; another process takes
                // them over at once when it stops (see `OutboxStore.recordHeartbeat`).
                group.addTask {
                    while !(await self.closed) {
                        do {
                            try await self.store.recordHeartbeat(at: Date())
                        } catch {
                            self.logger.error("could not record the heartbeat", metadata: ["error": "\(error)"])
                        }
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
            group.addTask {
                while !(await self.closed) {
                    if self.isShared { await self.recoverExpiredSends() }
                    await self.pollDue()
                    try? await Task.sleep(for: self.pollInterval)
                }
            }
            for await _ in wakeStream {
                for send in await begin(await takeWork()) {
                    group.addTask { await self.deliver(send) }
                }
            }
            // Closed: send what is already in memory, then stop.
            while true {
                let work = await takeWork()
                if work.isEmpty { break }
                let ready = await begin(work)
                await withDiscardingTaskGroup { drain in
                    for send in ready { drain.addTask { await self.deliver(send) } }
                }
            }
        }
        logger.debug("outbox stopped")
    }

    /// Records that the attempts start (one statement for the batch). Entries another sender
    /// already took, that are no longer queued (a holding message whose customer was answered),
    /// or that wait behind an older unsent message of their conversation are let go here; the
    /// poll brings back the ones still due, in order.
    private nonisolated func begin(_ work: [PreparedSend]) async -> [PreparedSend] {
        guard !work.isEmpty else { return [] }
        do {
            let marked = Set(try await store.beginSendAttempts(work.map(\.entry.id), at: Date()))
            for send in work where !marked.contains(send.entry.id) { finish(send.entry) }
            return work.filter { marked.contains($0.entry.id) }
        } catch {
            logger.error("could not start sends; they will be retried", metadata: ["error": "\(error)"])
            for send in work { finish(send.entry) }
            return []
        }
    }

    private nonisolated func deliver(_ send: PreparedSend) async {
        let entry = send.entry
        let outcome = await attempt(entry, configuration: send.configuration)
        do {
            try await store.recordSendOutcome(entry.id, outcome: outcome, at: Date())
        } catch {
            logger.error("could not record a send outcome", metadata: ["message.id": "\(entry.id)", "error": "\(error)"])
        }
        finish(entry)
    }

    private nonisolated func attempt(_ entry: OutboxEntry, configuration: SendingConfiguration?) async -> SendOutcome {
        let tenant = entry.conversation.tenantID.rawValue
        // Most sends log nothing: the entry's ids are attached only for a line that is written.
        var logger: Logger {
            var logger = self.logger
            logger.handler.metadata.merge(
                [
                    "tenant.id": "\(entry.conversation.tenantID)", "chatbot.id": "\(entry.conversation.chatbotID)",
                    "contact.id": "\(entry.conversation.contactID)", "message.id": "\(entry.id)",
                ]
            ) { $1 }
            return logger
        }
        guard let (chatbot, accounts) = configuration,
            let binding = chatbot.channels.first(where: { $0.provider == entry.provider && $0.isEnabled && channels[$0.provider] != nil })
                ?? chatbot.channels.first(where: { $0.isEnabled && channels[$0.provider] != nil }),
            let account = accounts[binding.accountID], account.isEnabled, let channel = channels[binding.provider]
        else {
            sendCounters.noChannel[tenant].increment()
            logger.warning("no enabled channel to send through")
            return .failed(code: "no_channel", message: "the chatbot has no enabled channel")
        }
        let result = await channel.send(OutboundText(to: entry.contactPhone, text: entry.text, binding: binding, account: account))
        let attempts = entry.attempts + 1
        switch result {
        case .accepted(let providerMessageID):
            sendCounters.accepted[tenant].increment()
            return .accepted(providerMessageID: providerMessageID)
        case .rejected(let code, let message):
            sendCounters.rejected[tenant].increment()
            logger.warning("provider refused the message", metadata: ["error.code": "\(code ?? "-")", "error": "\(message)"])
            return .failed(code: code, message: message)
        case .retryable(let error, let retryAfter, let possiblyDelivered):
            if attempts >= policy.maximumAttempts {
                sendCounters.gaveUp[tenant].increment()
                logger.error("giving up after \(attempts) attempts", metadata: ["error": "\(error)"])
                return .failed(code: "retries_exhausted", message: error)
            }
            (possiblyDelivered ? sendCounters.unknown : sendCounters.retry)[tenant].increment()
            let delay = policy.delay(afterAttempt: attempts, retryAfter: retryAfter)
            logger.notice("send failed, will retry", metadata: ["error": "\(error)", "retry.in": "\(String(format: "%.1f", delay))s"])
            return .retry(error: error, retryAt: Date().addingTimeInterval(delay), possiblyDelivered: possiblyDelivered)
        }
    }
}

/// The handles of `swiftreplies_sends_total{tenant, outcome}`, one set per outcome.
final class SendCounters: Sendable {
    let accepted = SendCounters.outcome("accepted")
    let rejected = SendCounters.outcome("rejected")
    let gaveUp = SendCounters.outcome("gave_up")
    /// A retry after an attempt the provider may have taken (a timeout, a lost connection).
    let unknown = SendCounters.outcome("unknown")
    let retry = SendCounters.outcome("retry")
    let noChannel = SendCounters.outcome("no_channel")

    private static func outcome(_ outcome: String) -> LabelledMetric<Counter> {
        LabelledMetric { Counter(label: "swiftreplies_sends_total", dimensions: [("tenant", $0), ("outcome", outcome)]) }
    }
}

extension Deque where Element == OutboxEntry {
    /// Inserts `entry` after the last entry with a smaller id.
    fileprivate mutating func insertInIDOrder(_ entry: OutboxEntry) {
        var index = endIndex
        while index > startIndex, self[index - 1].id > entry.id { index -= 1 }
        insert(entry, at: index)
    }
}
