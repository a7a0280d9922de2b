import Foundation
import Synchronization
import Testing

@testable import SwiftRepliesStores

/// The group-commit primitive on its own: a batch starts as soon as the previous one has
/// finished, what arrives meanwhile joins the next one (up to the size cap), batches never
/// overlap and keep the order of submission, and each caller gets its own result or error.
/// The first batch is held open by a gate, so what "arrives meanwhile" is decided by the test,
/// not by timing.
@Suite struct GroupCommitBatchingTests {
    /// Opens once; `wait` returns once it is open.
    actor Gate {
        private var isOpen = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        func wait() async {
            if isOpen { return }
            await withCheckedContinuation { waiters.append($0) }
        }

        func open() {
            isOpen = true
            for waiter in waiters { waiter.resume() }
            waiters.removeAll()
        }
    }

    /// The batches the batch function saw, and how many ran at once at most.
    actor Batches<Item: Sendable> {
        private(set) var all: [[Item]] = []
        private(set) var mostAtOnce = 0
        private var running = 0
        private var watchers: [(Int, CheckedContinuation<Void, Never>)] = []

        func started(_ batch: [Item]) {
            all.append(batch)
            running += 1
            mostAtOnce = max(mostAtOnce, running)
            watchers.removeAll { count, waiter in
                guard all.count >= count else { return false }
                waiter.resume()
                return true
            }
        }

        func ended() { running -= 1 }

        /// Returns once `count` batches have started.
        func waitFor(_ count: Int) async {
            if all.count >= count { return }
            await withCheckedContinuation { watchers.append((count, $0)) }
        }
    }

    struct Refused: Error, Equatable {
        let item: Int
    }

    /// Submits `items` one after the other while `first` (already submitted) holds the batch
    /// open: each is waiting before the next is submitted, so the order of submission is theirs.
    static func submitWhileHeld<Item: Sendable, Output: Sendable>(
        _ items: [Item], to commits: GroupCommit<Item, Output>, group: inout ThrowingTaskGroup<(Int, Result<Output, any Error>), any Error>,
        run: @escaping @Sendable ([Item]) async throws -> [Output]
    ) async {
        for (index, item) in items.enumerated() {
            let before = commits.waitingCount
            group.addTask {
                do {
                    return (index + 1, .success(try await commits.submit(item, run: run)))
                } catch {
                    return (index + 1, .failure(error))
                }
            }
            while commits.waitingCount == before { await Task.yield() }
        }
    }

    /// Runs `first` (held open by the gate until the others wait), then `items`; returns each
    /// caller's result (index 0 is `first`) and the batches the function saw.
    static func run<Item: Sendable, Output: Sendable>(
        first: Item, then items: [Item], commits: GroupCommit<Item, Output>, body: @escaping @Sendable ([Item]) async throws -> [Output]
    ) async throws -> (results: [Int: Result<Output, any Error>], batches: [[Item]], mostAtOnce: Int) {
        let gate = Gate()
        let batches = Batches<Item>()
        let held = Mutex(true)
        let batchFunction: @Sendable ([Item]) async throws -> [Output] = { batch in
            await batches.started(batch)
            if held.withLock({ isFirst in defer { isFirst = false }; return isFirst }) { await gate.wait() }
            await Task.yield()
            do {
                let outputs = try await body(batch)
                await batches.ended()
                return outputs
            } catch {
                await batches.ended()
                throw error
            }
        }
        let results = try await withThrowingTaskGroup(of: (Int, Result<Output, any Error>).self) { group in
            group.addTask {
                do {
                    return (0, .success(try await commits.submit(first, run: batchFunction)))
                } catch {
                    return (0, .failure(error))
                }
            }
            await batches.waitFor(1)
            await submitWhileHeld(items, to: commits, group: &group, run: batchFunction)
            await gate.open()
            var results: [Int: Result<Output, any Error>] = [:]
            for try await (index, result) in group { results[index] = result }
            return results
        }
        return (results, await batches.all, await batches.mostAtOnce)
    }

    @Test func whatArrivesWhileABatchRunsJoinsTheNextOneWhichStartsWhenItEnds() async throws {
        let commits = GroupCommit<Int, Int>(maximumBatch: 100)
        let (results, batches, mostAtOnce) = try await Self.run(first: 0, then: Array(1...6), commits: commits) { batch in batch.map { $0 * 10 } }
        #expect(batches == [[0], [1, 2, 3, 4, 5, 6]])
        #expect(mostAtOnce == 1, "batches never overlap")
        for index in 0...6 { #expect(try results[index]?.get() == index * 10, "caller \(index) gets its own output") }
        #expect(commits.waitingCount == 0)
    }

    @Test func aBatchTakesAtMostTheCapInOrderOfSubmission() async throws {
        let commits = GroupCommit<Int, Int>(maximumBatch: 3)
        let (results, batches, mostAtOnce) = try await Self.run(first: 0, then: Array(1...8), commits: commits) { batch in batch.map { -$0 } }
        #expect(batches == [[0], [1, 2, 3], [4, 5, 6], [7, 8]])
        #expect(mostAtOnce == 1)
        for index in 0...8 { #expect(try results[index]?.get() == -index) }
    }

    @Test func weightedItemsFillABatchUntilTheCapIsReachedAndAtLeastOneIsTaken() async throws {
        // Each item weighs its count: a batch takes items while the total is below 4, so the last
        // item taken may pass it (a webhook's messages are never split), and an item heavier than
        // the cap goes alone.
        let commits = GroupCommit<[Int], Int>(maximumBatch: 4, weight: { $0.count })
        let items = [[1, 1, 1, 1, 1], [2, 2, 2], [3, 3], [4, 4, 4, 4, 4], [5], [6]]
        let (results, batches, _) = try await Self.run(first: [0], then: items, commits: commits) { batch in batch.map { $0.reduce(0, +) } }
        #expect(batches == [[[0]], [[1, 1, 1, 1, 1]], [[2, 2, 2], [3, 3]], [[4, 4, 4, 4, 4]], [[5], [6]]])
        for (index, item) in ([[0]] + items).enumerated() { #expect(try results[index]?.get() == item.reduce(0, +)) }
    }

    @Test func aFailingItemFailsAloneAndTheOthersGetTheirOwnResults() async throws {
        let commits = GroupCommit<Int, Int>(maximumBatch: 100)
        let (results, batches, mostAtOnce) = try await Self.run(first: 0, then: [1, -2, 3, -4, 5], commits: commits) { batch in
            if let refused = batch.first(where: { $0 < 0 }) { throw Refused(item: refused) }
            return batch.map { $0 * 10 }
        }
        // The batch of five failed as a whole; then each item ran alone.
        #expect(batches == [[0], [1, -2, 3, -4, 5], [1], [-2], [3], [-4], [5]])
        #expect(mostAtOnce == 1)
        for (index, item) in [0, 1, -2, 3, -4, 5].enumerated() {
            let result = try #require(results[index])
            if item < 0 {
                #expect(throws: Refused(item: item)) { try result.get() }
            } else {
                #expect(try result.get() == item * 10)
            }
        }
    }

    @Test func aBatchThatReturnsTheWrongNumberOfResultsFailsEveryCaller() async throws {
        let commits = GroupCommit<Int, Int>(maximumBatch: 100)
        let (results, _, _) = try await Self.run(first: 0, then: [1, 2], commits: commits) { batch in Array(batch.dropLast()) }
        #expect(results.count == 3)
        for result in results.values {
            #expect(throws: GroupCommit<Int, Int>.MismatchedOutputs.self) { try result.get() }
        }
    }

    @Test func manyConcurrentCallersEachGetTheirOwnOutputAndBatchesNeverOverlap() async throws {
        let commits = GroupCommit<Int, Int>(maximumBatch: 16)
        let batches = Batches<Int>()
        let run: @Sendable ([Int]) async throws -> [Int] = { batch in
            await batches.started(batch)
            await Task.yield()
            await batches.ended()
            return batch.map { $0 + 1000 }
        }
        let outputs = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for item in 0..<300 { group.addTask { (item, try await commits.submit(item, run: run)) } }
            var outputs: [Int: Int] = [:]
            for try await (item, output) in group { outputs[item] = output }
            return outputs
        }
        #expect(outputs.count == 300)
        #expect(outputs.allSatisfy { $0.value == $0.key + 1000 })
        let seen = await batches.all
        #expect(seen.flatMap { $0 }.sorted() == Array(0..<300), "every item in exactly one batch")
        #expect(seen.allSatisfy { $0.count <= 16 })
        #expect(await batches.mostAtOnce == 1)
    }

    @Test func aLoneCallerRunsItsOwnBatchAtOnce() async throws {
        let commits = GroupCommit<String, Int>()
        #expect(try await commits.submit("four") { batch in batch.map(\.count) } == 4)
        #expect(try await commits.submit("seven!!") { batch in batch.map(\.count) } == 7)
        #expect(commits.waitingCount == 0)
    }
}
