import Foundation
import Hummingbird
import Logging
import SwiftRepliesCore

/// Live takeover: a person answers a customer instead of the bot.
///
/// - `POST /api/v1/contacts/{id}/takeover` `{chatbot_id?}` (`takeover:write`): the bot stays
///   quiet for that customer (409 when already taken over); counted in usage
/// - `POST /api/v1/contacts/{id}/messages` `{text, chatbot_id?}` (`takeover:write`): a human
///   message, stored with `is_from_human` and sent through the chatbot's channel by the outbox
/// - `POST /api/v1/contacts/{id}/release` (`takeover:write`): the bot answers again (409 when
///   not taken over)
///
/// Refused (403) when the tenant's `live_takeover` feature is off.
struct TakeoverController: Sendable {
    let outbox: OutboxSender
    let logger: Logger

    func register(on api: RouterGroup<APIRequestContext>) {
        api.endpoint(.post, "contacts/:id/takeover", scope: "takeover:write", logger: logger) { request, context, principal in
            try principal.require("live_takeover")
            let contact = try await principal.contact(try context.id("id", "contact"))
            let body = try await APIBody.read(request, context: context, allowed: ["chatbot_id"])
            let chatbot = try principal.chatbot(for: contact, requested: try body.string("chatbot_id"))
            switch try await principal.stores.takeovers.startTakeover(
                tenantID: principal.tenant.id, chatbotID: chatbot.id, contactID: contact.id, startedBy: principal.actor, at: Date()
            ) {
            case .started(let takeover):
                logger.info("takeover started", metadata: ["tenant.id": "\(principal.tenant.id)", "contact.id": "\(contact.id)", "by": "\(principal.actor)"])
                return APIJSON.response(.created, ["takeover": APIRepresentation.takeover(takeover)])
            case .alreadyActive(let takeover):
                throw APIError.conflict("already_taken_over", "contact \(contact.id.rawValue) is already taken over by \(takeover.startedBy ?? "someone")")
            }
        }
        api.endpoint(.post, "contacts/:id/release", scope: "takeover:write", logger: logger) { _, context, principal in
            try principal.require("live_takeover")
            let contact = try await principal.contact(try context.id("id", "contact"))
            guard let takeover = try await principal.stores.takeovers.releaseTakeover(tenantID: principal.tenant.id, contactID: contact.id, at: Date()) else {
                throw APIError.conflict("not_taken_over", "contact \(contact.id.rawValue) is not taken over")
            }
            logger.info("takeover released", metadata: ["tenant.id": "\(principal.tenant.id)", "contact.id": "\(contact.id)", "by": "\(principal.actor)"])
            return APIJSON.response(.ok, ["takeover": APIRepresentation.takeover(takeover)])
        }
        api.endpoint(.post, "contacts/:id/messages", scope: "takeover:write", logger: logger) { request, context, principal in
            try principal.require("live_takeover")
            let contact = try await principal.contact(try context.id("id", "contact"))
            let body = try await APIBody.read(request, context: context, allowed: ["text", "chatbot_id"])
            guard let text = try body.string("text", required: true, maxLength: 4096) else { throw APIError.invalid("text", "is required") }
            let requested = try body.string("chatbot_id")
            let chatbot: ChatbotDefinition
            if requested == nil, let takeover = try await principal.stores.takeovers.activeTakeover(tenantID: principal.tenant.id, contactID: contact.id),
                let held = principal.tenant.chatbots.first(where: { $0.id == takeover.chatbotID })
            {
                chatbot = held
            } else {
                chatbot = try principal.chatbot(for: contact, requested: requested)
            }
            let now = Date()
            let entry = try await principal.stores.outbox.enqueueOutbound(
                ConversationKey(tenantID: principal.tenant.id, chatbotID: chatbot.id, contactID: contact.id), text: text, purpose: .human, at: now
            )
            try await principal.stores.usage.incrementUsage(tenantID: principal.tenant.id, UsageIncrements(messagesSent: 1), at: now)
            outbox.submit([entry])
            return APIJSON.response(
                .accepted,
                ["message": ["id": entry.id.rawValue, "chatbot_id": chatbot.id.rawValue, "text": text, "status": "queued", "is_from_human": true, "provider": entry.provider.rawValue]]
            )
        }
    }
}
