import SwiftRepliesCore
import Synchronization

/// How the operations middleware reach the `OperatorStore`: a store without it (a backend that
/// implements only `Store`) makes the middleware pass through, saying so once in the logs.
final class OperatorStoreAccess: Sendable {
    /// The store, when it implements `OperatorStore`.
    let store: (any OperatorStore)?
    private let backend: String
    private let warned = Mutex(false)

    init(_ store: any Store) {
        self.store = store as? any OperatorStore
        self.backend = store.backendName
    }

    /// Logs (with the turn's logger), once per middleware instance, that `middleware` passes
    /// through for want of an `OperatorStore`.
    func warnMissing(_ middleware: String, turn: Turn) {
        let first = warned.withLock { warned -> Bool in
            defer { warned = true }
            return !warned
        }
        if first {
            turn.logger.error(
                "\(middleware) passes through: the \(backend) store does not implement OperatorStore (usage, actions, takeovers)",
                metadata: ["middleware": "\(middleware)"]
            )
        }
    }
}

/// A middleware the host switched off (`ENABLE_USAGE_TRACKING=false`,
/// `ENABLE_ACTIONS_CENTER=false`): it lets every turn through unchanged, and says why once.
public struct PassThroughMiddleware: TurnMiddleware {
    public let name: String
    /// Why it passes through (`ENABLE_USAGE_TRACKING=false`).
    public let reason: String
    private let logged = LoggedOnce()

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    public func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        if logged.first() { turn.logger.info("\(name) passes through: \(reason)") }
        return try await next(turn)
    }
}

/// True the first time it is asked, then false.
final class LoggedOnce: Sendable {
    private let done = Mutex(false)

    func first() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
