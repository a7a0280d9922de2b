import Hummingbird
import SwiftRepliesChannels

extension Request {
    /// The request as a channel sees it, with the body collected up to `limit` bytes (413 past it).
    func webhookRequest(limit: Int) async throws -> WebhookRequest {
        var body = try await self.body.collect(upTo: limit)
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        var headers = HeaderFields()
        for field in self.headers { headers.append(name: field.name.canonicalName, value: field.value) }
        return WebhookRequest(method: method.rawValue, path: uri.path, rawQuery: uri.query ?? "", headers: headers, body: bytes)
    }
}
