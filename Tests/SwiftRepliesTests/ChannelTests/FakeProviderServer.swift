import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A local HTTP server standing in for a provider's API, for tests of `send` over real sockets.
/// It records every request and answers with the test's handler.
enum FakeProviderServer {
    /// One request as the fake provider received it (header names lower-cased).
    struct Received: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]
        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// The requests received so far.
    actor Recorder {
        private(set) var requests: [Received] = []
        func record(_ request: Received) { requests.append(request) }
    }

    /// Runs `body` with the base URL of a live server whose every POST is answered by `respond`.
    static func with(
        respond: @escaping @Sendable (Received) async throws -> Response,
        _ body: @Sendable (_ baseURL: String, _ recorder: Recorder) async throws -> Void
    ) async throws {
        let recorder = Recorder()
        let router = Router()
        router.post("**") { request, _ -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            var buffer = try await request.body.collect(upTo: 1 << 20)
            let received = Received(
                method: "\(request.method)", path: request.uri.path, headers: headers,
                body: buffer.readBytes(length: buffer.readableBytes) ?? [])
            await recorder.record(received)
            return try await respond(received)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            guard let port = client.port else { throw CancellationError() }
            try await body("http://127.0.0.1:\(port)", recorder)
        }
    }

    /// A JSON response.
    static func json(_ status: HTTPResponse.Status, _ text: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
