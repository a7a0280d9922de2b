import Synchronization

/// Group commit: the items that concurrent callers submit are gathered and handled as one batch
/// (one transaction, one multi-row statement), and each caller gets its own result or error.
///
/// There is no background task. A caller that finds no batch running leads one: it takes the
/// items waiting (its own first) and runs the batch function. Items submitted while a batch
/// runs wait; as soon as it has finished, the first of their callers leads the next batch,
/// which takes everything that arrived meanwhile, up to `maximumBatch`. So batches run one at a
/// time, in order of submission, and the batch function is never called twice at once: work it
/// does after its commit (handing new messages on, say) happens in commit order.
///
/// When a batch fails, each of its items runs again alone (a batch of one), so one failing item
/// never takes the others with it; a failing batch of one fails its caller.
///
/// The continuations are unchecked (no canary allocated per wait): the state under the mutex
/// hands each waiter out once, so it is resumed exactly once.
public final class GroupCommit<Item: Sendable, Output: Sendable>: Sendable {
    private struct Pending: Sendable {
        let item: Item
        let completion: Completion<Output>
    }

    private struct State {
        var pending: [Pending] = []
        var leading = false
    }

    /// A batch function returned a different number of outputs than it was given items.
    public struct MismatchedOutputs: Error, CustomStringConvertible {
        public let items: Int
        public let outputs: Int
        public var description: String { "a batch returned \(outputs) results for \(items) items" }

        public init(items: Int, outputs: Int) {
            self.items = items
            self.outputs = outputs
        }
    }

    private let state = Mutex(State())
    /// The most a batch takes, counted by `weight`: a batch takes waiting items while their
    /// weights add up to less than this, and always at least one.
    public let maximumBatch: Int
    /// What an item counts towards `maximumBatch` (`nil`: one each).
    private let weight: (@Sendable (Item) -> Int)?

    /// `weight`: what an item counts towards `maximumBatch`; one each when `nil`.
    public init(maximumBatch: Int = 512, weight: (@Sendable (Item) -> Int)? = nil) {
        self.maximumBatch = max(1, maximumBatch)
        self.weight = weight
    }

    /// Handles `item` in the next batch and returns its output. `run` handles a batch and returns
    /// one output per item, in order; every caller passes the same function (the batch's leader
    /// runs its own).
    public func submit(_ item: Item, run: @Sendable ([Item]) async throws -> [Output]) async throws -> Output {
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

    /// Items waiting for a batch (for tests).
    var waitingCount: Int { state.withLock { $0.pending.count } }

    /// Takes the next batch off the waiting items: while their weights add up to less than
    /// `maximumBatch`, and at least one.
    private func takeBatch() -> [Pending] {
        state.withLock { state -> [Pending] in
            var taken = min(state.pending.count, maximumBatch)
            if let weight {
                var total = 0
                taken = 0
                while taken < state.pending.count, total < maximumBatch || taken == 0 {
                    total += weight(state.pending[taken].item)
                    taken += 1
                }
            }
            let batch = Array(state.pending.prefix(taken))
            state.pending.removeFirst(taken)
            return batch
        }
    }

    private func runBatch(_ run: @Sendable ([Item]) async throws -> [Output]) async {
        let batch = takeBatch()
        if !batch.isEmpty {
            do {
                let outputs = try await run(batch.map(\.item))
                if outputs.count == batch.count {
                    for (pending, output) in zip(batch, outputs) { pending.completion.succeed(output) }
                } else {
                    let error = MismatchedOutputs(items: batch.count, outputs: outputs.count)
                    for pending in batch { pending.completion.fail(error) }
                }
            } catch {
                if batch.count == 1 {
                    batch[0].completion.fail(error)
                } else {
                    // Isolate the item that failed: the others go through one by one.
                    for pending in batch {
                        do {
                            let outputs = try await run([pending.item])
                            if outputs.count == 1, let output = outputs.first {
                                pending.completion.succeed(output)
                            } else {
                                pending.completion.fail(MismatchedOutputs(items: 1, outputs: outputs.count))
                            }
                        } catch {
                            pending.completion.fail(error)
                        }
                    }
                }
            }
        }
        // The lead passes to the first caller still waiting, or lapses.
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
