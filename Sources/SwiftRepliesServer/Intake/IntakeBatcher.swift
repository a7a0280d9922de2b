import SwiftRepliesCore

/// Group commit for inbound messages: webhooks that arrive while the previous commit runs are
/// stored together by the next one, in one transaction, and each webhook is answered only
/// after its messages are committed. New messages reach the dispatcher in commit order (one
/// commit at a time), which its reload cursor relies on; that is why intake batches here rather
/// than in the store's `Coalescer`, whose callers would enqueue in any order.
actor IntakeBatcher {
    private struct Pending {
        var envelopes: [InboundEnvelope]
        var continuation: UnsafeContinuation<[IngestOutcome], any Error>
    }

    /// The intake is shutting down and takes no more messages.
    struct Closed: Error, CustomStringConvertible {
        var description: String { "the server is shutting down" }
    }

    private var pending: [Pending] = []
    private var waiter: UnsafeContinuation<Void, Never>?
    private var closed = false
    /// The most messages one commit takes (the rest wait for the next one).
    let maximumBatch: Int

    init(maximumBatch: Int = 512) { self.maximumBatch = maximumBatch }

    /// Stores `envelopes` with the next group commit; returns their outcomes in order.
    func submit(_ envelopes: [InboundEnvelope]) async throws -> [IngestOutcome] {
        if envelopes.isEmpty { return [] }
        if closed { throw Closed() }
        return try await withUnsafeThrowingContinuation { continuation in
            pending.append(Pending(envelopes: envelopes, continuation: continuation))
            if let waiter {
                self.waiter = nil
                waiter.resume()
            }
        }
    }

    /// Waits for work and takes up to `maximumBatch` messages' worth of submissions; `nil` once
    /// closed and drained.
    private func takeBatch() async -> [Pending]? {
        while pending.isEmpty {
            if closed { return nil }
            await withUnsafeContinuation { waiter = $0 }
        }
        var count = 0
        var taken = 0
        while taken < pending.count, count < maximumBatch || taken == 0 {
            count += pending[taken].envelopes.count
            taken += 1
        }
        let batch = Array(pending.prefix(taken))
        pending.removeFirst(taken)
        return batch
    }

    /// Stops taking submissions; what is queued is still committed.
    func close() {
        closed = true
        if let waiter {
            self.waiter = nil
            waiter.resume()
        }
    }

    /// Runs commits until closed and drained: one `ingest` per batch, then hands the new
    /// messages to `onStored`.
    nonisolated func run(store: any Store, onStored: @Sendable ([StoredInbound]) async -> Void) async {
        while let batch = await takeBatch() {
            let envelopes = batch.flatMap(\.envelopes)
            do {
                let outcomes = try await store.ingest(envelopes)
                var offset = 0
                for submission in batch {
                    let count = submission.envelopes.count
                    submission.continuation.resume(returning: Array(outcomes[offset..<(offset + count)]))
                    offset += count
                }
                let stored = outcomes.compactMap(\.stored)
                if !stored.isEmpty { await onStored(stored) }
            } catch {
                for submission in batch { submission.continuation.resume(throwing: error) }
            }
        }
    }
}
