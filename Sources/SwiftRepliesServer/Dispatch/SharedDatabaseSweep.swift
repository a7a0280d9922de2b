import Foundation
import Logging
import SwiftRepliesCore

/// The sweep of a database several processes share: every `interval` it runs the store's
/// housekeeping and looks for inbound messages older than `staleAfter` that nobody answered
/// (another process's intake stored them, and that process stopped), for the dispatcher to take
/// over. A conversation still leased elsewhere simply waits for the lease.
struct SharedDatabaseSweep: Sendable {
    let lifecycle: any StoreLifecycle
    let turns: any TurnStore
    let interval: Duration
    let staleAfter: TimeInterval
    let logger: Logger

    /// Sweeps until cancelled, handing what it finds to `adopt` (which skips messages the
    /// dispatcher already holds).
    func run(adopt: ([StoredInbound]) async -> Void) async {
        while true {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                try await lifecycle.performHousekeeping()
            } catch {
                if Task.isCancelled { return }
                logger.warning("database housekeeping failed", metadata: ["error": "\(error)"])
            }
            do {
                let cutoff = Date().addingTimeInterval(-staleAfter)
                let pending = try await turns.pendingInbound(after: nil, limit: 1000).filter { $0.receivedAt < cutoff }
                if !pending.isEmpty { await adopt(pending) }
            } catch {
                if Task.isCancelled { return }
                logger.error("could not sweep for unanswered messages", metadata: ["error": "\(error)"])
            }
        }
    }
}
