import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Executes a `ProviderHTTPRequest` with AsyncHTTPClient within a deadline and turns transport
/// failures into `ChannelSendResult`s. Shared by the three channels.
struct ProviderHTTPTransport: Sendable {
    /// What one attempt produced: a response to classify, or an already classified failure.
    enum Outcome: Sendable {
        case response(ProviderHTTPResponse)
        case failed(ChannelSendResult)
    }

    /// Provider answers are small; anything larger is cut off (and then unreadable as JSON).
    static let maxResponseBytes = 1 << 20

    let client: HTTPClient
    let timeout: Duration
    let logger: Logger

    /// Sends the request. The deadline covers the whole exchange: connecting, sending and waiting
    /// for the response head; the body then gets what remains of it (at least one second).
    func perform(_ request: ProviderHTTPRequest) async -> Outcome {
        var http = HTTPClientRequest(url: request.url)
        switch request.method.uppercased() {
        case "GET": http.method = .GET
        case "PUT": http.method = .PUT
        case "DELETE": http.method = .DELETE
        default: http.method = .POST
        }
        for (name, value) in request.headers { http.headers.add(name: name, value: value) }
        if !request.body.isEmpty { http.body = .bytes(ByteBuffer(bytes: request.body)) }

        let start = ContinuousClock.now
        let response: HTTPClientResponse
        do {
            response = try await client.execute(http, deadline: .now() + Self.timeAmount(timeout), logger: logger)
        } catch {
            let result = Self.classify(error)
            logger.debug("provider request failed", metadata: ["error": "\(error)", "url": "\(request.url)"])
            return .failed(result)
        }

        var headers: [String: String] = [:]
        for field in response.headers where headers[field.name.lowercased()] == nil {
            headers[field.name.lowercased()] = field.value
        }
        let status = Int(response.status.code)
        let remaining = max(timeout - (ContinuousClock.now - start), .seconds(1))
        do {
            let body = try await Self.collect(response.body, within: remaining, on: client.eventLoopGroup.any())
            return .response(ProviderHTTPResponse(status: status, headers: headers, body: body))
        } catch {
            logger.debug("provider response body unreadable", metadata: ["error": "\(error)", "status": "\(status)"])
            if (200..<300).contains(status) {
                // The provider took the message; sending it again would duplicate it.
                return .failed(.rejected(code: nil, message: "HTTP \(status) but the response body could not be read (\(error)); not resent"))
            }
            return .response(ProviderHTTPResponse(status: status, headers: headers, body: []))
        }
    }

    /// Classifies an error thrown before a response head arrived.
    ///
    /// - A deadline, read or write timeout, a connection closed by the peer, a reset or a
    ///   cancellation may come after the provider got the request: `possiblyDelivered: true`.
    /// - Everything else (refused or failed connections, connect/TLS timeouts, DNS) failed before
    ///   anything was sent: `possiblyDelivered: false`.
    /// - An unusable URL is a configuration problem: `rejected`.
    static func classify(_ error: any Error) -> ChannelSendResult {
        if error is CancellationError {
            return .retryable(error: "request cancelled", retryAfterSeconds: nil, possiblyDelivered: true)
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout:
                return .retryable(error: "request timed out (\(error))", retryAfterSeconds: nil, possiblyDelivered: true)
            case .writeTimeout, .remoteConnectionClosed, .cancelled, .requestStreamCancelled:
                return .retryable(error: "connection lost during the request (\(error))", retryAfterSeconds: nil, possiblyDelivered: true)
            case .invalidURL, .emptyHost, .emptyScheme:
                return .rejected(code: nil, message: "invalid provider URL (\(error))")
            default:
                return .retryable(error: "connection failed (\(error))", retryAfterSeconds: nil, possiblyDelivered: false)
            }
        }
        if let error = error as? IOError, error.errnoCode == ECONNRESET || error.errnoCode == EPIPE {
            return .retryable(error: "connection reset during the request (\(error))", retryAfterSeconds: nil, possiblyDelivered: true)
        }
        return .retryable(error: "connection failed (\(error))", retryAfterSeconds: nil, possiblyDelivered: false)
    }

    /// Reads a response body, giving up after `duration`.
    ///
    /// The body is read by one task, which a timer on the client's event loop cancels at the
    /// deadline (AsyncHTTPClient then abandons the response and closes its connection). This is
    /// on every send: one task and a NIO timer cost far less than a task group racing a
    /// `Task.sleep`, whose timer goes through Dispatch.
    static func collect(_ body: HTTPClientResponse.Body, within duration: Duration, on eventLoop: any EventLoop) async throws -> [UInt8] {
        let reader = Task {
            var buffer = try await body.collect(upTo: maxResponseBytes)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        let timedOut = NIOLockedValueBox(false)
        let timer = eventLoop.scheduleTask(in: timeAmount(duration)) {
            timedOut.withLockedValue { $0 = true }
            reader.cancel()
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            do {
                return try await reader.value
            } catch where timedOut.withLockedValue({ $0 }) {
                throw HTTPClientError.deadlineExceeded
            }
        } onCancel: {
            reader.cancel()
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
