import SwiftRepliesCore
import SwiftRepliesStores

/// Group commit for inbound messages: webhooks that arrive while the previous commit runs are
/// stored together by the next one, in one transaction (`GroupCommit`, at most 512 messages
/// per commit; a webhook's messages are never split), and each webhook is answered only after
/// its messages are committed. The commit that stores them hands the new messages to the
/// dispatcher; commits run one at a time, so they reach it in commit order, which its reload
/// cursor relies on.
///
/// The commits run in the webhook requests themselves (the first request waiting leads the
/// next commit), so at shutdown the HTTP server's drain of requests in progress is what commits
/// the accepted webhooks.
struct Intake: Sendable {
    private let commits = GroupCommit<[InboundEnvelope], [IngestOutcome]>(maximumBatch: 512, weight: { $0.count })
    let store: any IntakeStore
    let dispatcher: Dispatcher

    /// Stores `envelopes` with the next group commit; returns their outcomes in order.
    func submit(_ envelopes: [InboundEnvelope]) async throws -> [IngestOutcome] {
        if envelopes.isEmpty { return [] }
        return try await commits.submit(envelopes) { batch in try await commit(batch) }
    }

    /// One commit: every webhook's envelopes in one `ingest`, the new messages to the dispatcher.
    private func commit(_ batch: [[InboundEnvelope]]) async throws -> [[IngestOutcome]] {
        let envelopes = batch.flatMap { $0 }
        let outcomes = try await store.ingest(envelopes)
        guard outcomes.count == envelopes.count else {
            throw GroupCommit<[InboundEnvelope], [IngestOutcome]>.MismatchedOutputs(items: envelopes.count, outputs: outcomes.count)
        }
        var offset = 0
        var split: [[IngestOutcome]] = []
        split.reserveCapacity(batch.count)
        for submission in batch {
            split.append(Array(outcomes[offset..<(offset + submission.count)]))
            offset += submission.count
        }
        let stored = outcomes.compactMap(\.stored)
        if !stored.isEmpty { dispatcher.enqueue(stored) }
        return split
    }
}
