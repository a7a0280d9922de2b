import Synchronization

/// Turns many concurrent calls into one batch call: items submitted while a batch runs are
/// handled together by the next one (one multi-row statement instead of one per item). Like
/// `WriteCombiner`, there is no background task: a caller leads one batch, then hands the lead
/// to the first caller still waiting.
final class Coalescer<Item: Sendable, Output: Sendable>: Sendable {
    private struct Pending: Sendable {
        let item: Item
        let completion: Completion<Output>
    }

    private struct State {
        var pending: [Pending] = []
        var leading = false
    }

    private let state = Mutex(State())
    let maximumBatch: Int

    init(maximumBatch: Int = 512) {
        self.maximumBatch = maximumBatch
    }

    /// Handles `item` in the next batch; `run` handles a batch and returns one output per item,
    /// in order (every caller passes the same function).
    func submit(_ item: Item, run: @escaping @Sendable ([Item]) async throws -> [Output]) async throws -> Output {
        let completion = Completion<Output>()
        var lead = state.withLock { state -> Bool in
            state.pending.append(Pending(item: item, completion: completion))
            if state.leading { return false }
            state.leading = true
            return true
        }
        while true {
            if lead {
                await runBatch(run)
                lead = false
            }
            switch try await completion.wait() {
            case .value(let value): return value
            case .lead: lead = true
            }
        }
    }

    private func runBatch(_ run: @Sendable ([Item]) async throws -> [Output]) async {
        let batch = state.withLock { state -> [Pending] in
            let batch = Array(state.pending.prefix(maximumBatch))
            state.pending.removeFirst(batch.count)
            return batch
        }
        if !batch.isEmpty {
            do {
                let outputs = try await run(batch.map(\.item))
                if outputs.count == batch.count {
                    for (pending, output) in zip(batch, outputs) { pending.completion.succeed(output) }
                } else {
                    let error = SQLiteStoreError.unexpectedResult("a batch returned \(outputs.count) results for \(batch.count) items")
                    for pending in batch { pending.completion.fail(error) }
                }
            } catch {
                // Isolate the item that failed: the others go through one by one.
                if batch.count == 1 {
                    batch[0].completion.fail(error)
                } else {
                    for pending in batch {
                        do {
                            let outputs = try await run([pending.item])
                            if let output = outputs.first { pending.completion.succeed(output) } else { pending.completion.fail(error) }
                        } catch {
                            pending.completion.fail(error)
                        }
                    }
                }
            }
        }
        let next = state.withLock { state -> Pending? in
            guard let first = state.pending.first else {
                state.leading = false
                return nil
            }
            return first
        }
        next?.completion.promote()
    }
}
