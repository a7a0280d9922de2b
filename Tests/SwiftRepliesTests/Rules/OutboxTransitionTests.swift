import Foundation
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// The outbox's state changes (`OutboxTransition`) without a database: what each send outcome
/// sets, keeps and clears on its entry, and which entries may still change.
@Suite struct OutboxTransitionTests {
    static let date = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func anAcceptedSendRecordsTheProviderIDAndClearsTheErrorOfEarlierAttempts() {
        let change = OutboxTransition(.accepted(providerMessageID: "wamid.out"), at: Self.date)
        #expect(change.status == .accepted)
        #expect(change.providerMessageID == "wamid.out")
        #expect(change.sentAt == Self.date)
        #expect(change.errorCode == .clear)
        #expect(change.errorMessage == nil)
        #expect(change.nextAttemptAt == nil)
        #expect(!change.marksPossiblyDuplicated)
    }

    @Test func aRetryRequeuesAtItsTimeKeepsTheCodeAndRecordsTheErrorText() {
        let later = Self.date.addingTimeInterval(30)
        let change = OutboxTransition(.retry(error: "HTTP 500", retryAt: later, possiblyDelivered: true), at: Self.date)
        #expect(change.status == .queued)
        #expect(change.nextAttemptAt == later)
        #expect(change.marksPossiblyDuplicated, "an attempt of unknown outcome may have reached the customer")
        #expect(change.errorCode == .keep)
        #expect(change.errorMessage == "HTTP 500")
        #expect(change.providerMessageID == nil && change.sentAt == nil)

        let certain = OutboxTransition(.retry(error: "HTTP 429", retryAt: later, possiblyDelivered: false), at: Self.date)
        #expect(!certain.marksPossiblyDuplicated)
    }

    @Test func aRefusalFailsForGoodWithTheProvidersCodeOrKeepsAnEarlierOne() {
        let coded = OutboxTransition(.failed(code: "131047", message: "re-engagement"), at: Self.date)
        #expect(coded.status == .failed)
        #expect(coded.errorCode == .set("131047"))
        #expect(coded.errorMessage == "re-engagement")
        let uncoded = OutboxTransition(.failed(code: nil, message: "bad request"), at: Self.date)
        #expect(uncoded.errorCode == .keep)
        #expect(uncoded.nextAttemptAt == nil && uncoded.providerMessageID == nil)
    }

    @Test func onlyQueuedAndSendingEntriesChange() {
        #expect(OutboxTransition.isChangeable(.queued) && OutboxTransition.isChangeable(.sending))
        #expect(!OutboxTransition.isChangeable(.accepted) && !OutboxTransition.isChangeable(.failed) && !OutboxTransition.isChangeable(.dropped))
        #expect(OutboxTransition.changeableStatusesSQL == "'queued', 'sending'")
    }
}
