import SwiftRepliesCore
import Synchronization

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
private final class LoggedOnce: Sendable {
    private let done = Mutex(false)

    func first() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
