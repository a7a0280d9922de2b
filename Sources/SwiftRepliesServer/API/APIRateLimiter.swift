import Foundation
import Synchronization

/// Requests per API key per hour, counted in memory (a fixed one-hour window from the key's
/// first request in it).
///
/// The count is per `serve` process: with several replicas behind a load balancer each replica
/// counts on its own, so a key can make up to the limit on each of them.
final class APIRateLimiter: Sendable {
    /// A key's decision.
    enum Decision: Equatable {
        case allowed(limit: Int, remaining: Int, resetIn: Int)
        /// Over the limit: retry after this many seconds.
        case limited(limit: Int, retryAfter: Int)
    }

    private struct Window {
        var start: Date
        var count: Int
    }

    static let windowSeconds: TimeInterval = 3600

    /// Requests per hour of keys that set none.
    let defaultLimit: Int
    private let windows = Mutex<[Int64: Window]>([:])

    init(defaultLimit: Int) {
        self.defaultLimit = max(1, defaultLimit)
    }

    /// Counts one request of key `id` (limit `perHour`, else the default) at `now`.
    func admit(key id: Int64, perHour: Int?, now: Date = Date()) -> Decision {
        let limit = max(1, perHour ?? defaultLimit)
        return windows.withLock { windows in
            var window = windows[id] ?? Window(start: now, count: 0)
            if now.timeIntervalSince(window.start) >= Self.windowSeconds { window = Window(start: now, count: 0) }
            let resetIn = max(1, Int((window.start.addingTimeInterval(Self.windowSeconds).timeIntervalSince(now)).rounded(.up)))
            guard window.count < limit else {
                windows[id] = window
                return .limited(limit: limit, retryAfter: resetIn)
            }
            window.count += 1
            windows[id] = window
            if windows.count > 10_000 {
                // Forget finished windows so memory stays bounded.
                windows = windows.filter { now.timeIntervalSince($0.value.start) < Self.windowSeconds }
            }
            return .allowed(limit: limit, remaining: limit - window.count, resetIn: resetIn)
        }
    }
}
