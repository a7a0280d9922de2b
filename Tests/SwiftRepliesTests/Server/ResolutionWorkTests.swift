import Foundation
import Logging
import Synchronization
import Testing

import SwiftRepliesCore
@testable import SwiftRepliesServer

/// An Actions Center resolution is a work item of the dispatcher's queue (`TurnQueue`): it
/// never overlaps a turn of its conversation, comes after the messages queued before it and
/// before those queued after it, and a lease another process holds makes it wait through the
/// queue's retry, not a sleep. The clock is passed in, so nothing here sleeps.
@Suite struct ResolutionWorkTests {
    static let tenant = TenantID("acme")
    static let chatbot = ChatbotID("acme-bot")
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func key(_ contact: Int64) -> ConversationKey {
        ConversationKey(tenantID: tenant, chatbotID: chatbot, contactID: ContactID(contact))
    }

    static func message(_ id: Int64, contact: Int64) -> StoredInbound {
        StoredInbound(
            id: MessageID(id), tenantID: tenant, chatbotID: chatbot, contactID: ContactID(contact), contactPhone: PhoneNumber(canonical: "96170000\(contact)"),
            providerMessageID: "wamid.\(id)", kind: .text, text: "message \(id)", answerable: true, receivedAt: start
        )
    }

    /// A resolution of an action of `contact`, whose reports land in `reports`.
    static func resolution(_ id: Int64, contact: Int64, reports: Reports, deadline: ContinuousClock.Instant = .now + .seconds(3600)) -> ResolutionWork {
        let action = ActionRecord(
            id: id, tenantID: tenant, chatbotID: chatbot, contactID: ContactID(contact), requestType: "discount_approval", details: "25%",
            context: ActionContext(), requestedAmount: 25, priority: .medium, status: .approved, response: nil, autoApproveSimilar: false,
            autoApproved: false, createdAt: start, expiresAt: nil, resolvedAt: start, resolvedBy: "api_key:ops"
        )
        return ResolutionWork(action: action, deadline: deadline) { told in reports.add(id, told) }
    }

    /// What resolutions reported, in order.
    final class Reports: Sendable {
        private let list = Mutex<[(Int64, Bool)]>([])
        func add(_ id: Int64, _ told: Bool) { list.withLock { $0.append((id, told)) } }
        var all: [(Int64, Bool)] { list.withLock { $0 } }
    }

    /// What each piece of work is: `m<ids>` for a message turn, `r<id>` for a resolution turn.
    static func describe(_ work: [DispatchWork]) -> [String] {
        work.map { item in
            switch item.kind {
            case .messages(let messages): "m" + messages.map { String($0.id.rawValue) }.joined(separator: ",")
            case .resolution(let resolution): "r\(resolution.action.id)"
            }
        }
    }

    static func queue(capacity: Int = 100) -> TurnQueue {
        var logger = Logger(label: "test.turn-queue")
        logger.logLevel = .critical
        var queue = TurnQueue(capacity: capacity, logger: logger)
        // The first reload (crash recovery) finds nothing: new messages are queued from now on.
        if let reload = queue.reloadDue() { queue.reloaded([], limit: reload.limit, settings: RuntimeSettings(), now: start) }
        return queue
    }

    @Test func aResolutionQueuedWhileAMessageTurnOfItsConversationRunsStartsOnlyAfterIt() {
        let settings = RuntimeSettings(debounceSeconds: 0, maxWorkers: 4, busyThreshold: 0)
        let reports = Reports()
        var queue = Self.queue()
        queue.add([Self.message(1, contact: 7)], fromStore: false, settings: settings, now: Self.start)
        let first = queue.takeReadyWork(settings: settings)
        #expect(Self.describe(first) == ["m1"])

        // While that turn runs: a resolution for the same conversation, and a message of another.
        let queued1 = queue.add(Self.resolution(50, contact: 7, reports: reports), settings: settings, now: Self.start)
        #expect(queued1)
        queue.add([Self.message(2, contact: 8)], fromStore: false, settings: settings, now: Self.start)
        let meanwhile = queue.takeReadyWork(settings: settings)
        #expect(Self.describe(meanwhile) == ["m2"], "free workers take other conversations' work, not the running one's")
        #expect(queue.runningCount == 2)
        #expect(queue.state(of: Self.key(7))?.resolutions == 1)
        let idle4 = queue.takeReadyWork(settings: settings).isEmpty
        #expect(idle4)

        // The message turn ends: the resolution is the conversation's next turn.
        for work in first { _ = queue.finished(work, .done(unanswered: []), settings: settings, now: Self.start) }
        let next = queue.takeReadyWork(settings: settings)
        #expect(Self.describe(next) == ["r50"])
        #expect(queue.state(of: Self.key(7))?.running == true)
        #expect(reports.all.isEmpty, "the queue itself tells nothing: the resolution turn reports")

        // A message arriving while the resolution turn runs waits for it too.
        queue.add([Self.message(3, contact: 7)], fromStore: false, settings: settings, now: Self.start)
        let idle6 = queue.takeReadyWork(settings: settings).isEmpty
        #expect(idle6)
        for work in next { _ = queue.finished(work, .done(unanswered: []), settings: settings, now: Self.start) }
        #expect(Self.describe(queue.takeReadyWork(settings: settings)) == ["m3"])
    }

    @Test func aResolutionComesAfterTheMessagesQueuedBeforeItAndBeforeThoseQueuedAfter() {
        let reports = Reports()
        for debounce in [0.0, 2.0] {
            let settings = RuntimeSettings(debounceSeconds: debounce, maxWorkers: 4, busyThreshold: 0)
            var queue = Self.queue()
            queue.add([Self.message(1, contact: 7), Self.message(2, contact: 7)], fromStore: false, settings: settings, now: Self.start)
            let queued7 = queue.add(Self.resolution(50, contact: 7, reports: reports), settings: settings, now: Self.start)
            #expect(queued7)
            queue.add([Self.message(3, contact: 7)], fromStore: false, settings: settings, now: Self.start)
            // Step through the conversation's turns, one at a time, the clock past every window.
            var now = Self.start
            var order: [String] = []
            for _ in 0..<6 {
                now = now.addingTimeInterval(10)
                _ = queue.promoteDelayed(settings: settings, now: now)
                let work = queue.takeReadyWork(settings: settings)
                #expect(work.count <= 1, "one turn at a time per conversation")
                order += Self.describe(work)
                for item in work { _ = queue.finished(item, .done(unanswered: []), settings: settings, now: now) }
            }
            let expected = debounce > 0 ? ["m1,2", "r50", "m3"] : ["m1", "m2", "r50", "m3"]
            #expect(order == expected, "debounce \(debounce)")
            #expect(queue.state(of: Self.key(7)) == nil, "nothing left")
        }
    }

    @Test func aResolutionWhoseConversationIsLeasedElsewhereIsRetriedThroughTheQueue() {
        let settings = RuntimeSettings(debounceSeconds: 0, maxWorkers: 4, busyThreshold: 0)
        let reports = Reports()
        var queue = Self.queue()
        let queued9 = queue.add(Self.resolution(50, contact: 7, reports: reports), settings: settings, now: Self.start)
        #expect(queued9)
        let first = queue.takeReadyWork(settings: settings)
        #expect(Self.describe(first) == ["r50"])
        // Another process holds the lease: the work item goes back, due after the retry delay.
        for work in first {
            let dropped = queue.finished(work, .retry(after: 0.05), settings: settings, now: Self.start)
            #expect(dropped == nil)
        }
        let idle10 = queue.takeReadyWork(settings: settings).isEmpty
        #expect(idle10)
        let deadline = queue.promoteDelayed(settings: settings, now: Self.start.addingTimeInterval(0.01))
        #expect(deadline == Self.start.addingTimeInterval(0.05), "the timer is armed for the retry")
        let idle11 = queue.takeReadyWork(settings: settings).isEmpty
        #expect(idle11)
        // A message arriving meanwhile stays behind the resolution.
        queue.add([Self.message(4, contact: 7)], fromStore: false, settings: settings, now: Self.start.addingTimeInterval(0.02))
        let idle12 = queue.takeReadyWork(settings: settings).isEmpty
        #expect(idle12)
        _ = queue.promoteDelayed(settings: settings, now: Self.start.addingTimeInterval(0.06))
        let retried = queue.takeReadyWork(settings: settings)
        #expect(Self.describe(retried) == ["r50"])
        for work in retried { _ = queue.finished(work, .done(unanswered: []), settings: settings, now: Self.start.addingTimeInterval(0.07)) }
        #expect(Self.describe(queue.takeReadyWork(settings: settings)) == ["m4"])
        #expect(reports.all.isEmpty)
    }

    @Test func closingHandsBackTheResolutionsThatWillNotRun() {
        let settings = RuntimeSettings(debounceSeconds: 0, maxWorkers: 1, busyThreshold: 0)
        let reports = Reports()
        var queue = Self.queue()
        queue.add([Self.message(1, contact: 7)], fromStore: false, settings: settings, now: Self.start)
        let queued13 = queue.add(Self.resolution(50, contact: 8, reports: reports), settings: settings, now: Self.start)
        #expect(queued13)
        let running = queue.takeReadyWork(settings: settings)
        #expect(Self.describe(running) == ["m1"], "one worker")
        let queued14 = queue.add(Self.resolution(51, contact: 9, reports: reports), settings: settings, now: Self.start)
        #expect(queued14)
        let running2 = queue.takeReadyWork(settings: settings)
        #expect(running2.isEmpty)

        let dropped = queue.close()
        #expect(Set(dropped.map(\.action.id)) == [50, 51])
        let queued15 = queue.add(Self.resolution(52, contact: 7, reports: reports), settings: settings, now: Self.start)
        #expect(!queued15, "nothing is queued once closed")
        for work in running { _ = queue.finished(work, .done(unanswered: []), settings: settings, now: Self.start) }
        let idle16 = queue.takeReadyWork(settings: settings).isEmpty
        #expect(idle16)
    }

    @Test func aResolutionRetriedAfterCloseIsHandedBack() {
        let settings = RuntimeSettings(debounceSeconds: 0, maxWorkers: 1, busyThreshold: 0)
        let reports = Reports()
        var queue = Self.queue()
        let queued17 = queue.add(Self.resolution(50, contact: 7, reports: reports), settings: settings, now: Self.start)
        #expect(queued17)
        let running = queue.takeReadyWork(settings: settings)
        let droppedAtClose = queue.close()
        #expect(droppedAtClose.isEmpty, "the running one is not queued")
        let dropped = running.compactMap { queue.finished($0, .retry(after: 0.05), settings: settings, now: Self.start) }
        #expect(dropped.map(\.action.id) == [50])
    }
}
