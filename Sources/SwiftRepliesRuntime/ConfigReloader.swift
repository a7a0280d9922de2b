import Foundation
import Logging
import Metrics
import SwiftRepliesConfig
import SwiftRepliesCore

/// Applies configuration changes while the host runs: loads and validates the whole
/// configuration, mirrors it into the store, rebuilds only the agents whose definition changed,
/// and swaps the new state in at once. A broken configuration never replaces the working one: the
/// error is kept (for `/health`) until a good version is applied. Reloads run one at a time.
public actor ConfigReloader {
    /// The outcome of one reload.
    public enum Outcome: Sendable, Equatable {
        /// A new configuration was applied as this revision.
        case applied(revision: Int)
        /// The files configure what is already in force (a save without changes, a `touch`) and
        /// no reload failed since: nothing is rebuilt and the revision stays.
        case unchanged(revision: Int)
        /// The files are broken; the configuration in force is unchanged.
        case failed(errors: [String])
    }

    /// What `/health` shows about the configuration.
    public struct Status: Sendable {
        public var revision: Int
        /// The last reload's errors, `file:line:column: message`, until a good version is applied.
        public var error: String?
    }

    private let loader: ConfigLoader
    private let registries: ModuleRegistries
    private let stores: StoreSet
    private let state: RuntimeStateHolder
    private let logger: Logger
    private var lastError: String?

    public init(loader: ConfigLoader, registries: ModuleRegistries, stores: StoreSet, state: RuntimeStateHolder, logger: Logger) {
        self.loader = loader
        self.registries = registries
        self.stores = stores
        self.state = state
        self.logger = logger
    }

    public var status: Status { Status(revision: state.current.snapshot.revision, error: lastError) }

    /// Reloads now; `trigger` (`watch`, `sighup`, `api`) is logged and counted.
    @discardableResult
    public func reload(trigger: String) async -> Outcome {
        let current = state.current
        let snapshot: ConfigSnapshot
        do {
            snapshot = try loader.load(revision: current.snapshot.revision + 1)
        } catch {
            let errors = error.errors.map(\.description)
            lastError = errors.joined(separator: "\n")
            logger.error("configuration not applied; the previous one stays in force", metadata: ["trigger": "\(trigger)", "errors": "\(errors)"])
            Counter(label: "swiftreplies_config_reloads_total", dimensions: [("outcome", "failed"), ("trigger", trigger)]).increment()
            return .failed(errors: errors)
        }
        // Nothing to apply: the files configure what is in force. After a failed reload a good
        // save is applied as a new revision even so, which is how `/health` shows the fix.
        if lastError == nil, snapshot.hasSameContent(as: current.snapshot) {
            lastError = nil
            logger.info("configuration unchanged", metadata: ["trigger": "\(trigger)", "revision": "\(current.snapshot.revision)"])
            Counter(label: "swiftreplies_config_reloads_total", dimensions: [("outcome", "unchanged"), ("trigger", trigger)]).increment()
            return .unchanged(revision: current.snapshot.revision)
        }
        do {
            let next = try RuntimeState.build(snapshot: snapshot, registries: registries, stores: stores, reusing: current)
            try await stores.directory.syncDirectory(snapshot.tenants)
            state.replace(with: next)
        } catch {
            lastError = "\(error)"
            logger.error("configuration not applied; the previous one stays in force", metadata: ["trigger": "\(trigger)", "error": "\(error)"])
            Counter(label: "swiftreplies_config_reloads_total", dimensions: [("outcome", "failed"), ("trigger", trigger)]).increment()
            return .failed(errors: ["\(error)"])
        }
        lastError = nil
        logger.info(
            "configuration applied", metadata: ["trigger": "\(trigger)", "revision": "\(snapshot.revision)", "tenants": "\(snapshot.tenants.count)"]
        )
        Counter(label: "swiftreplies_config_reloads_total", dimensions: [("outcome", "applied"), ("trigger", trigger)]).increment()
        return .applied(revision: snapshot.revision)
    }
}
