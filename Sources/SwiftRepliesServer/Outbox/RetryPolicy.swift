import Foundation

/// When to try a failed send again: exponential backoff with jitter, the provider's
/// `Retry-After` when it gave one, and a limit on attempts.
struct RetryPolicy: Sendable {
    var baseDelay: Double = 1
    var maximumDelay: Double = 300
    /// After this many attempts the message is marked failed.
    var maximumAttempts: Int = 10

    /// The delay before attempt number `attempt + 1` (after `attempt` attempts).
    func delay(afterAttempt attempt: Int, retryAfter: Double?) -> Double {
        if let retryAfter, retryAfter > 0 { return min(retryAfter, maximumDelay) }
        let exponential = min(maximumDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return exponential * Double.random(in: 0.5...1.0)
    }
}
