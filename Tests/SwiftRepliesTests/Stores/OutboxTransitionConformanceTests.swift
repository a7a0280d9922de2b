import Foundation
import SwiftRepliesCore
import SwiftRepliesStores
import Testing

private typealias F = ConformanceFixture

/// `OutboxTransition` as each database writes it: the same outcomes leave the same columns.
@Suite struct OutboxTransitionConformanceTests {
    @Test(
        "a retry records its error text; a refusal is final (a later outcome changes nothing); a codeless refusal stores no code",
        arguments: StoreBackend.available
    )
    func errorColumnsFollowTheTransition(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.a"), F.envelope("wamid.b", from: F.otherCustomer, at: 1)]))
            let now = F.base.addingTimeInterval(100)
            let first = try await store.outbox.enqueueOutbound(stored[0].conversation, text: "one", purpose: .reply, at: now)
            let second = try await store.outbox.enqueueOutbound(stored[1].conversation, text: "two", purpose: .reply, at: now)

            func columns(_ id: MessageID) async throws -> [String?] {
                try await database.rows("SELECT status, error_code, error_message FROM messages WHERE id = CAST(? AS BIGINT)", [id.bind]).first ?? []
            }

            #expect(try await store.outbox.beginSendAttempts([first.id, second.id], at: now).count == 2)
            try await store.outbox.recordSendOutcome(first.id, outcome: .retry(error: "HTTP 500", retryAt: now, possiblyDelivered: false), at: now)
            #expect(try await columns(first.id) == ["queued", nil, "HTTP 500"])

            // A coded refusal is final: a later, codeless outcome changes nothing.
            try await store.outbox.recordSendOutcome(second.id, outcome: .failed(code: "131026", message: "undeliverable"), at: now)
            try await store.outbox.recordSendOutcome(second.id, outcome: .failed(code: nil, message: "again"), at: now)
            #expect(try await columns(second.id) == ["failed", "131026", "undeliverable"])

            // The retried entry is refused without a code.
            #expect(try await store.outbox.beginSendAttempts([first.id], at: now.addingTimeInterval(1)) == [first.id])
            try await store.outbox.recordSendOutcome(first.id, outcome: .failed(code: nil, message: "bad request"), at: now.addingTimeInterval(1))
            #expect(try await columns(first.id) == ["failed", nil, "bad request"])
        }
    }
}
