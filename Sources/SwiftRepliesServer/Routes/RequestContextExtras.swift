import Hummingbird
import SwiftRepliesChannels

extension Request {
    /// The request as a channel sees it, with the body collected up to `limit` bytes (413 past it).
    func webhookRequest(limit: Int) async throws -> WebhookRequest {
        var body = try await self.body.collect(upTo: limit)
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        var headers: [String: String] = [:]
        for field in self.headers {
            let name = field.name.canonicalName
            if let existing = headers[name] { headers[name] = existing + ", " + field.value } else { headers[name] = field.value }
        }
        return WebhookRequest(method: method.rawValue, path: uri.path, rawQuery: uri.query ?? "", headers: headers, body: bytes)
    }
}
