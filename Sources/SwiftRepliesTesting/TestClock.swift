import Foundation
import Synchronization

/// The time a test kit lives in: every customer message is received at `now`, every turn starts
/// at `now` (so instruction expiry is judged at `now`), and instructions added by a script are
/// created at `now`.
///
/// The clock stands still until a test moves it, so a script is deterministic:
///
/// ```swift
/// let kit = try await AgentTestKit.start(agentFile: file)
/// kit.clock.advance(by: .seconds(3600))   // an hour later
/// ```
///
/// Scripts move it with `ConversationScript.advanceClock(by:)`.
public final class TestClock: Sendable {
    private let current: Mutex<Date>

    /// A clock standing at `start` (default: the moment it is created).
    public init(start: Date = Date()) {
        current = Mutex(start)
    }

    /// The current test time.
    public var now: Date { current.withLock { $0 } }

    /// Moves the clock forward (or backward, with a negative duration).
    public func advance(by duration: Duration) {
        current.withLock { $0 = $0.addingTimeInterval(duration.timeInterval) }
    }

    /// Sets the clock to `date`.
    public func set(to date: Date) {
        current.withLock { $0 = date }
    }
}

extension Duration {
    /// The duration in seconds, as Foundation's `TimeInterval`.
    var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
