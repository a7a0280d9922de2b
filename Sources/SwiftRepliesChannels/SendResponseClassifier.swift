import SwiftRepliesCore

/// The classification rules every channel applies to a provider's non-2xx answer.
enum SendResponseClassifier {
    /// - 429, 408 and the provider's own rate-limit or temporary error codes: retryable, with
    ///   the `Retry-After` header's delay when given.
    /// - 5xx: retryable (the provider refused to process it: `possiblyDelivered: false`).
    /// - Anything else (other 4xx, unexpected 1xx/3xx): rejected with the provider's code and message.
    static func classifyFailure(
        _ response: ProviderHTTPResponse, code: String?, message: String?, retryableCodes: Set<String> = []
    ) -> ChannelSendResult {
        var summary = "HTTP \(response.status)"
        if let code { summary += " [\(code)]" }
        if let message { summary += ": \(message)" }
        let retryAfter = ProviderTimestamp.retryAfterSeconds(response.header("retry-after"))
        if response.status == 429 || response.status == 408 || (code.map { retryableCodes.contains($0) } ?? false) {
            return .retryable(error: summary, retryAfterSeconds: retryAfter, possiblyDelivered: false)
        }
        if (500..<600).contains(response.status) {
            return .retryable(error: summary, retryAfterSeconds: retryAfter, possiblyDelivered: false)
        }
        return .rejected(code: code, message: message ?? "HTTP \(response.status)")
    }

    /// What a 2xx without a message id becomes: the provider took the message, so it is not
    /// resent, but it cannot be tracked either.
    static func acceptedWithoutID(_ response: ProviderHTTPResponse) -> ChannelSendResult {
        .rejected(code: nil, message: "HTTP \(response.status) without a message id in the response; not resent")
    }
}
