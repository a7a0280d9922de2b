import Foundation
import Logging
import ServiceLifecycle
import SwiftRepliesCore
import SwiftRepliesRuntime

/// The periodic work of the Actions Center and the subscriptions, for every tenant served:
///
/// - pending actions past their agent's TTL become `expired`, and the customer is told
///   (a resolution turn), unless the host runs with `ENABLE_ACTIONS_CENTER=false`;
/// - decisions whose customer was not told yet (a crash, a failing agent) are told again;
/// - messages older than the subscription's `message_history_days` are deleted (hourly);
/// - subscriptions are mirrored into the database when the configuration changes.
struct OperationsSweepService: Service {
    let state: RuntimeStateHolder
    let actions: any ActionStore
    let contacts: any ContactStore
    let directory: any DirectoryStore
    /// Runs the resolution turns (`Dispatcher.tell`).
    let dispatcher: Dispatcher
    let logger: Logger
    /// How often it runs (`OPERATIONS_SWEEP_SECONDS`, default 5).
    let interval: Duration
    /// How old an untold decision must be before the sweep tells it (the API tells it at once).
    var retryAfter: TimeInterval = 30
    /// How often messages are pruned.
    var pruneEvery: TimeInterval = 3600

    /// Sweeps until graceful shutdown.
    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await sweep() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    private func sweep() async {
        var syncedRevision: Int?
        var lastPrune: Date?
        while !Task.isCancelled {
            let snapshot = state.current.snapshot
            let now = Date()
            do {
                if syncedRevision != snapshot.revision {
                    try await directory.syncSubscriptions(snapshot.tenants, at: now)
                    syncedRevision = snapshot.revision
                }
                for tenant in snapshot.tenants {
                    if snapshot.switches.actionsCenter {
                        for action in try await actions.expireActions(tenantID: tenant.id, now: now) {
                            logger.info("action expired without a decision", metadata: ["tenant.id": "\(tenant.id)", "action.id": "\(action.id)"])
                            await dispatcher.tell(action)
                        }
                        for action in try await actions.undeliveredResolutions(tenantID: tenant.id, resolvedBefore: now.addingTimeInterval(-retryAfter), limit: 20) {
                            await dispatcher.tell(action)
                        }
                    }
                }
                if lastPrune.map({ now.timeIntervalSince($0) >= pruneEvery }) ?? true {
                    lastPrune = now
                    for tenant in snapshot.tenants {
                        guard let days = tenant.subscription.limits.messageHistoryDays else { continue }
                        let pruned = try await contacts.pruneMessages(tenantID: tenant.id, before: now.addingTimeInterval(-Double(days) * 86_400))
                        if pruned > 0 {
                            logger.info("deleted messages past message_history_days", metadata: ["tenant.id": "\(tenant.id)", "count": "\(pruned)", "days": "\(days)"])
                        }
                    }
                }
            } catch {
                // Shutting down cancels the sweep mid-query: that is a stop, not a failure.
                if Task.isCancelled { return }
                logger.error("operations sweep failed; trying again", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
