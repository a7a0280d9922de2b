import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Why a remote agent or model gave no usable answer.
enum RemoteCallFailure: Error, CustomStringConvertible, Sendable {
    /// No answer within the timeout (not retried: the customer is already waiting).
    case timeout(Duration)
    /// The connection failed before an answer (refused, reset, DNS, TLS), after every retry.
    case connection(String)
    /// An HTTP status other than 2xx (after every retry for 5xx).
    case status(Int, body: String)
    /// A 2xx answer that does not follow the expected schema.
    case invalidReply(String)
    /// The agent cannot call out at all (its secret or key is not set).
    case notConfigured(String)

    var description: String {
        switch self {
        case .timeout(let duration): return "no answer within \(duration)"
        case .connection(let reason): return "connection failed: \(reason)"
        case .status(let status, let body): return "HTTP \(status)" + (body.isEmpty ? "" : ": \(body)")
        case .invalidReply(let reason): return "invalid reply: \(reason)"
        case .notConfigured(let reason): return reason
        }
    }

    /// A short label for logs and metrics.
    var kind: String {
        switch self {
        case .timeout: return "timeout"
        case .connection: return "connection"
        case .status(let status, _): return status >= 500 ? "server_error" : "client_error"
        case .invalidReply: return "invalid_reply"
        case .notConfigured: return "not_configured"
        }
    }
}

/// POSTs JSON to one URL with a per-attempt timeout and short retries on connection errors and
/// 5xx answers (never on 4xx, 3xx or timeouts). Shared by the `http` and `llm` modules.
struct RemoteEndpoint: Sendable {
    /// Replies larger than this are refused (agents and models answer in kilobytes).
    static let maximumReplyBytes = 4 << 20

    let client: HTTPClient
    let url: String
    let timeout: Duration
    let retries: Int
    /// The wait before the first retry; doubled for each later one.
    let backoff: Duration

    /// Sends `body` and returns the 2xx reply body. `headers` is called for every attempt, so a
    /// signature can carry a fresh timestamp.
    func post(body: [UInt8], logger: Logger, headers: @Sendable () -> [(String, String)]) async -> Result<[UInt8], RemoteCallFailure> {
        var attempt = 0
        while true {
            let outcome = await attemptOnce(body: body, headers: headers(), logger: logger)
            let retryable: Bool
            switch outcome {
            case .success: return outcome
            case .failure(.connection): retryable = true
            case .failure(.status(let status, _)): retryable = status >= 500
            case .failure: retryable = false
            }
            guard retryable, attempt < retries, !Task.isCancelled else { return outcome }
            let wait = backoff * (1 << attempt)
            attempt += 1
            if case .failure(let failure) = outcome {
                logger.info(
                    "remote endpoint failed, retrying",
                    metadata: ["url": "\(url)", "failure": "\(failure)", "attempt": "\(attempt + 1)", "wait": "\(wait)"])
            }
            do { try await Task.sleep(for: wait) } catch { return outcome }
        }
    }

    private func attemptOnce(body: [UInt8], headers: [(String, String)], logger: Logger) async -> Result<[UInt8], RemoteCallFailure> {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "SwiftReplies")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))

        let client = self.client
        let timeout = self.timeout
        let prepared = request
        do {
            // The whole exchange (connect, send, wait, read the reply) races the timeout.
            return try await withThrowingTaskGroup(of: Result<[UInt8], RemoteCallFailure>?.self) { group in
                group.addTask {
                    // The client's own deadline is a backstop a little after ours, so an attempt
                    // that hangs (even while connecting) always ends as a timeout, never retried.
                    let response = try await client.execute(prepared, deadline: .now() + Self.timeAmount(timeout) + .seconds(1), logger: logger)
                    var buffer = try await response.body.collect(upTo: Self.maximumReplyBytes)
                    let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                    let status = Int(response.status.code)
                    guard (200..<300).contains(status) else {
                        return .failure(.status(status, body: String(decoding: bytes.prefix(300), as: UTF8.self)))
                    }
                    return .success(bytes)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else { return .failure(.timeout(timeout)) }
                return result
            }
        } catch {
            return .failure(Self.classify(error, timeout: timeout))
        }
    }

    /// Timeouts are told apart from connection failures: only the latter are retried.
    static func classify(_ error: any Error, timeout: Duration) -> RemoteCallFailure {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout: return .timeout(timeout)
            case .invalidURL, .emptyHost, .emptyScheme: return .notConfigured("invalid URL (\(error))")
            default: return .connection("\(error)")
            }
        }
        if error is CancellationError { return .timeout(timeout) }
        if let error = error as? NIOTooManyBytesError { return .invalidReply("reply larger than \(maximumReplyBytes) bytes (\(error))") }
        return .connection("\(error)")
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
