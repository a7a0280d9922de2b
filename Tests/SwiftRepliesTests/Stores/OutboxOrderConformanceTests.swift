import Foundation
import SwiftRepliesCore
import SwiftRepliesStores
import Testing

private typealias F = ConformanceFixture

/// The outbox's order on both databases: a conversation's messages leave in the order they were
/// created (across retries, restarts and processes), an answered holding message is dropped,
/// not sent, and a customer is told to hold on once per wait.
@Suite struct OutboxOrderConformanceTests {
    @Test("a conversation's messages start in creation order; an older unsent one holds the rest back", arguments: StoreBackend.available)
    func creationOrder(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.a"), F.envelope("wamid.b", from: F.otherCustomer, at: 1)]))
            let conversation = stored[0].conversation
            let now = F.base.addingTimeInterval(100)
            let replies = try await store.turns.completeTurn(F.completion(conversation, [stored[0].id], replies: ["one", "two", "three"]))
            let other = try await store.outbox.enqueueOutbound(stored[1].conversation, text: "other", purpose: .reply, at: now)

            // Only each conversation's oldest unsent message is due.
            #expect(try await store.outbox.dueOutbox(now: now, limit: 10).map(\.id) == [replies[0].id, other.id])
            #expect(try await store.outbox.beginSendAttempts([replies[1].id, other.id], at: now) == [other.id], "the second reply waits for the first")
            #expect(Set(try await store.outbox.beginSendAttempts([replies[0].id], at: now)) == [replies[0].id])
            #expect(try await store.outbox.beginSendAttempts([replies[1].id], at: now) == [], "the first is being sent")

            // An older reply waiting for its retry holds the next one back until it is sent.
            try await store.outbox.recordSendOutcome(replies[0].id, outcome: .retry(error: "HTTP 500", retryAt: now.addingTimeInterval(30), possiblyDelivered: false), at: now)
            #expect(try await store.outbox.beginSendAttempts([replies[1].id], at: now.addingTimeInterval(1)) == [])
            #expect(try await store.outbox.dueOutbox(now: now.addingTimeInterval(1), limit: 10).isEmpty)
            #expect(try await store.outbox.dueOutbox(now: now.addingTimeInterval(30), limit: 10).map(\.id) == [replies[0].id])
            #expect(try await store.outbox.beginSendAttempts([replies[0].id], at: now.addingTimeInterval(30)) == [replies[0].id])
            try await store.outbox.recordSendOutcome(replies[0].id, outcome: .accepted(providerMessageID: "wamid.o1"), at: now.addingTimeInterval(31))

            // Then the next; a message failed for good does not hold the rest back.
            #expect(try await store.outbox.dueOutbox(now: now.addingTimeInterval(31), limit: 10).map(\.id) == [replies[1].id])
            #expect(try await store.outbox.beginSendAttempts([replies[1].id], at: now.addingTimeInterval(31)) == [replies[1].id])
            try await store.outbox.recordSendOutcome(replies[1].id, outcome: .failed(code: "131026", message: "undeliverable"), at: now.addingTimeInterval(32))
            #expect(try await store.outbox.beginSendAttempts([replies[2].id], at: now.addingTimeInterval(32)) == [replies[2].id])
        }
    }

    @Test("a holding message whose customer was answered is dropped, never sent, and holds nothing back", arguments: StoreBackend.available)
    func answeredHoldingMessageIsDropped(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.a"), F.envelope("wamid.b", from: F.otherCustomer, at: 1)]))
            let answered = stored[0].conversation
            let now = F.base.addingTimeInterval(100)
            let stale = try #require(try await store.outbox.enqueueHoldingMessage(answered, text: "One moment please.", at: now))
            let waiting = try #require(try await store.outbox.enqueueHoldingMessage(stored[1].conversation, text: "One moment please.", at: now))
            let replies = try await store.turns.completeTurn(F.completion(answered, [stored[0].id], replies: ["Hello!"]))

            // The reply starts: the holding message ahead of it is dropped in the same step.
            #expect(try await store.outbox.beginSendAttempts([replies[0].id], at: now) == [replies[0].id])
            #expect(try await database.text("SELECT status FROM messages WHERE id = CAST(? AS BIGINT)", [stale.id.bind]) == "dropped")
            #expect(try await database.text("SELECT sent_at FROM messages WHERE id = CAST(? AS BIGINT)", [stale.id.bind]) == nil)
            #expect(try await store.outbox.beginSendAttempts([stale.id], at: now) == [], "a dropped message is never sent")
            // Asked for directly, an answered holding message is dropped as well.
            let later = F.stored(try await store.intake.ingest([F.envelope("wamid.c", at: 2)]))
            let second = try #require(try await store.outbox.enqueueHoldingMessage(answered, text: "One moment please.", at: now))
            _ = try await store.turns.completeTurn(F.completion(answered, [later[0].id], replies: []))
            try await store.outbox.recordSendOutcome(replies[0].id, outcome: .accepted(providerMessageID: "wamid.o1"), at: now)
            #expect(try await store.outbox.beginSendAttempts([second.id], at: now) == [])
            #expect(try await database.text("SELECT status FROM messages WHERE id = CAST(? AS BIGINT)", [second.id.bind]) == "dropped")

            // A customer still waiting gets it.
            #expect(try await store.outbox.beginSendAttempts([waiting.id], at: now) == [waiting.id])
            #expect(try await store.lifecycle.counts().outboxPending == 1, "dropped messages are not pending")
        }
    }

    @Test("a customer is told to hold on once per wait, however often it is asked (a restart asks again)", arguments: StoreBackend.available)
    func holdingMessageOncePerWait(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.a"), F.envelope("wamid.b", at: 1)]))
            let conversation = stored[0].conversation
            #expect(try await store.outbox.enqueueHoldingMessage(conversation, text: "One moment please.", at: F.base) != nil)
            #expect(try await store.outbox.enqueueHoldingMessage(conversation, text: "One moment please.", at: F.base) == nil, "already told")
            // Sent or not, it counts for the whole wait, including a message that arrives later.
            let more = F.stored(try await store.intake.ingest([F.envelope("wamid.c", at: 2)]))
            #expect(try await store.outbox.enqueueHoldingMessage(conversation, text: "One moment please.", at: F.base) == nil)

            // Answered: the next wait is a new one.
            _ = try await store.turns.completeTurn(F.completion(conversation, stored.map(\.id) + more.map(\.id), replies: ["Hello!"]))
            _ = F.stored(try await store.intake.ingest([F.envelope("wamid.d", at: 3)]))
            #expect(try await store.outbox.enqueueHoldingMessage(conversation, text: "One moment please.", at: F.base) != nil)
        }
    }

    @Test(
        "PostgreSQL: a send whose process stopped beating is taken over at once, not when its lease ends",
        arguments: StoreBackend.available.filter { $0 == .postgres }
    )
    func silentProcessSendsAreTakenOver(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, sender in
            let stored = F.stored(try await sender.intake.ingest([F.envelope("wamid.a")]))
            let t0 = Date()
            let entry = try await sender.outbox.enqueueOutbound(stored[0].conversation, text: "hello", purpose: .reply, at: t0)
            try await sender.outbox.recordHeartbeat(at: t0)
            #expect(try await sender.outbox.beginSendAttempts([entry.id], at: t0) == [entry.id])

            // Another process sharing the database: the send lease runs 60 s, the heartbeat 5 s.
            let other = try await database.open()
            do {
                #expect(try await other.outbox.recoverInterruptedSends(at: t0.addingTimeInterval(4)) == 0, "its process beat 4 s ago")
                try await sender.outbox.recordHeartbeat(at: t0.addingTimeInterval(4))
                #expect(try await other.outbox.recoverInterruptedSends(at: t0.addingTimeInterval(8)) == 0, "it beat again")
                #expect(try await other.outbox.recoverInterruptedSends(at: t0.addingTimeInterval(9.5)) == 1, "silent for 5.5 s")
                let due = try await other.outbox.dueOutbox(now: t0.addingTimeInterval(9.5), limit: 10)
                #expect(due.map(\.id) == [entry.id])
                #expect(due.first?.possiblyDuplicated == true, "its first attempt's outcome is unknown")
                try await other.lifecycle.shutdown()
            } catch {
                try? await other.lifecycle.shutdown()
                throw error
            }
        }
    }
}
