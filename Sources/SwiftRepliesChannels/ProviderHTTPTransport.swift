import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import SwiftRepliesCore

/// Executes a `ProviderHTTPRequest` with AsyncHTTPClient within a deadline and turns transport
/// failures into `ChannelSendResult`s. Shared by the three channels.
struct ProviderHTTPTransport: Sendable {
    /// What one attempt produced: a response to classify, or an already classified failure.
    enum Outcome: Sendable {
        case response(ProviderHTTPResponse)
        case failed(ChannelSendResult)
    }

    /// Provider answers are small; a longer body is not read (after a 2xx head the message then
    /// counts as taken, and is not resent).
    static let maxResponseBytes = 1 << 20

    let client: HTTPClient
    let timeout: Duration
    let logger: Logger
    /// The requests of the URLs this transport has sent to, parsed once.
    let templates = ProviderRequestTemplates()

    /// The logger AsyncHTTPClient gets: ours when it writes debug lines (the library logs at
    /// debug and trace only), else one that drops everything. The library attaches a request id
    /// to its logger on every request, and that metadata was about 1.4 % of the event loops' CPU
    /// under load with nothing ever written.
    private var clientLogger: Logger {
        logger.logLevel <= .debug ? logger : Self.silentLogger
    }

    private static let silentLogger = Logger(label: "swiftreplies.provider-http", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Sends the request. The deadline covers the whole exchange: connecting, sending, and
    /// reading the response to its end.
    ///
    /// This uses AsyncHTTPClient's delegate API: the response is collected by a
    /// `ProviderResponseCollector` on the connection's event loop, and the caller resumes once,
    /// when it is complete. (The async API streams the body to the caller and ends its deadline
    /// with the head, so bounding the body took a task and a timer of its own on every send.)
    func perform(_ request: ProviderHTTPRequest) async -> Outcome {
        let method: HTTPMethod
        switch request.method.uppercased() {
        case "GET": method = .GET
        case "PUT": method = .PUT
        case "DELETE": method = .DELETE
        default: method = .POST
        }
        var headers = HTTPHeaders()
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        var http: HTTPClient.Request
        do {
            http = try templates.request(method: method, url: request.url)
        } catch {
            return .failed(Self.classify(error))
        }
        http.headers = headers
        http.body = request.body.isEmpty ? nil : .bytes(request.body)

        let collector = ProviderResponseCollector(maximumBodyBytes: Self.maxResponseBytes)
        let task = client.execute(request: http, delegate: collector, deadline: .now() + Self.timeAmount(timeout), logger: clientLogger)
        do {
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            return .response(response)
        } catch {
            guard let head = collector.receivedHead else {
                logger.debug("provider request failed", metadata: ["error": "\(error)", "url": "\(request.url)"])
                return .failed(Self.classify(error))
            }
            logger.debug("provider response body unreadable", metadata: ["error": "\(error)", "status": "\(head.status)"])
            if (200..<300).contains(head.status) {
                // The provider took the message; sending it again would duplicate it.
                return .failed(.rejected(code: nil, message: "HTTP \(head.status) but the response body could not be read (\(error)); not resent"))
            }
            return .response(head)
        }
    }

    /// Classifies an error of a request whose response head did not arrive.
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

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Requests by method and URL, without headers or body: a send copies its URL's request instead
/// of having AsyncHTTPClient parse the URL string and take it apart again (with Foundation, on
/// every request). A channel sends to a few URLs (one per number or account), so the cache stays
/// small; past `capacity` distinct URLs it starts over.
final class ProviderRequestTemplates: Sendable {
    private struct Key: Hashable {
        var method: String
        var url: String
    }

    static let capacity = 1024
    private let requests = BoundedMemo<Key, HTTPClient.Request>(capacity: capacity)

    /// A request for `url` with no headers and no body; throws what AsyncHTTPClient throws for a
    /// URL it cannot use.
    func request(method: HTTPMethod, url: String) throws -> HTTPClient.Request {
        try requests.value(for: Key(method: method.rawValue, url: url)) { _ in try HTTPClient.Request(url: url, method: method) }
    }

    /// How many URLs are cached (for tests).
    var count: Int { requests.count }
}

/// Collects a provider's response for `ProviderHTTPTransport`, on the connection's event loop:
/// the head, then the body up to `maximumBodyBytes` (a longer body fails the request).
///
/// The head is also kept where the caller can read it after a failure: a body that breaks off
/// after a 2xx head means the provider took the message.
final class ProviderResponseCollector: HTTPClientResponseDelegate {
    typealias Response = ProviderHTTPResponse

    /// A body longer than the collector takes.
    struct BodyTooLarge: Error, CustomStringConvertible {
        var limit: Int
        var description: String { "response body longer than \(limit) bytes" }
    }

    private struct State {
        var head: ProviderHTTPResponse?
        var body: [UInt8] = []
    }

    private let maximumBodyBytes: Int
    // Written on the event loop, read by the caller after the task completed.
    private let state = NIOLockedValueBox(State())

    init(maximumBodyBytes: Int) {
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// The status and headers, once the head arrived (with an empty body).
    var receivedHead: ProviderHTTPResponse? { state.withLockedValue { $0.head } }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        var headers = HeaderFields()
        for field in head.headers { headers.append(name: field.name, value: field.value) }
        let response = ProviderHTTPResponse(status: Int(head.status.code), headers: headers)
        state.withLockedValue { $0.head = response }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let fits = state.withLockedValue { state -> Bool in
            guard state.body.count + buffer.readableBytes <= maximumBodyBytes else { return false }
            state.body.append(contentsOf: buffer.readableBytesView)
            return true
        }
        return fits ? task.eventLoop.makeSucceededVoidFuture() : task.eventLoop.makeFailedFuture(BodyTooLarge(limit: maximumBodyBytes))
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> ProviderHTTPResponse {
        try state.withLockedValue { state in
            guard var response = state.head else { throw HTTPClientError.remoteConnectionClosed }
            response.body = state.body
            return response
        }
    }
}
