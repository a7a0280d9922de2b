import Foundation
import Hummingbird
import Logging
import SwiftRepliesCore

/// Outgoing webhook subscriptions (where the tenant wants its events sent):
///
/// - `GET /api/v1/webhooks` (`webhooks:read`)
/// - `POST /api/v1/webhooks` `{url, events, chatbot_id?}` (`webhooks:write`): answers the signing
///   secret; refused past the subscription's `max_webhooks`
/// - `DELETE /api/v1/webhooks/{id}` (`webhooks:write`)
///
/// Refused (403) when the tenant's `webhooks` feature is off.
struct WebhooksController: Sendable {
    /// The events a subscription may name.
    static let events = ["action.created", "action.resolved", "action.expired", "usage.limit_exceeded", "takeover.started", "takeover.released"]

    let logger: Logger

    func register(on api: RouterGroup<APIRequestContext>) {
        api.endpoint(.get, "webhooks", scope: "webhooks:read", logger: logger) { _, _, principal in
            try principal.require("webhooks")
            let hooks = try await principal.stores.webhooks.webhooks(tenantID: principal.tenant.id)
            return APIJSON.response(.ok, ["webhooks": hooks.map { APIRepresentation.webhook($0, includeSecret: false) }])
        }
        api.endpoint(.post, "webhooks", scope: "webhooks:write", logger: logger) { request, context, principal in
            try principal.require("webhooks")
            let body = try await APIBody.read(request, context: context, allowed: ["url", "events", "chatbot_id"])
            guard let url = try body.string("url", required: true, maxLength: 500) else { throw APIError.invalid("url", "is required") }
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host?.isEmpty == false else {
                throw APIError.invalid("url", "must be an http:// or https:// URL")
            }
            guard let events = try body.strings("events", maxCount: 20), !events.isEmpty else { throw APIError.invalid("events", "must list at least one event") }
            if let unknown = events.first(where: { !Self.events.contains($0) }) {
                throw APIError.invalid("events", "has the unknown event '\(unknown)' (known: \(Self.events.joined(separator: ", ")))")
            }
            var chatbotID: ChatbotID?
            if let requested = try body.string("chatbot_id") {
                guard let chatbot = principal.tenant.chatbots.first(where: { $0.id.rawValue == requested }) else {
                    throw APIError.invalid("chatbot_id", "is not a chatbot of tenant '\(principal.tenant.id)'")
                }
                chatbotID = chatbot.id
            }
            var generator = SystemRandomNumberGenerator()
            let secret = "whsec_" + APIKeyFormat.hex((0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
            let draft = WebhookDraft(tenantID: principal.tenant.id, chatbotID: chatbotID, url: url, events: events, secret: secret, createdAt: Date())
            do {
                let hook = try await principal.stores.webhooks.createWebhook(draft, maximum: principal.tenant.subscription.limits.maxWebhooks)
                return APIJSON.response(.created, ["webhook": APIRepresentation.webhook(hook, includeSecret: true)])
            } catch OperatorStoreError.limitReached(let limit, let value) {
                throw APIError.limitReached(limit, value: value)
            }
        }
        api.endpoint(.delete, "webhooks/:id", scope: "webhooks:write", logger: logger) { _, context, principal in
            try principal.require("webhooks")
            let id = try context.id("id", "webhook")
            guard try await principal.stores.webhooks.deleteWebhook(tenantID: principal.tenant.id, id: id) else { throw APIError.notFound("webhook \(id) not found") }
            return Response(status: .noContent)
        }
    }
}
