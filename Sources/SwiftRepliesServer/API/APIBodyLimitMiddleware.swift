import Hummingbird
import NIOCore

/// Refuses an `/api/v1` request whose body is over the API's limit with 413, before anything
/// else looks at the request: no key look-up, no route parameter, no parsing. The body is read
/// here, up to the limit, and handed on in memory (API bodies are small JSON documents).
struct APIBodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The largest body accepted, in bytes.
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path == "/api/v1" || path.hasPrefix("/api/v1/") else { return try await next(request, context) }
        var request = request
        do {
            request.body = RequestBody(buffer: try await request.body.collect(upTo: limit))
        } catch is NIOTooManyBytesError {
            return APIError(status: .contentTooLarge, code: "body_too_large", message: "the request body is larger than \(limit) bytes").response
        }
        return try await next(request, context)
    }
}
