import Foundation
import Hummingbird
import Logging
import SwiftRepliesCore

/// Contacts, their conversation and their instructions:
///
/// - `GET /api/v1/contacts?phone=&tag=&q=&limit=&offset=` (`contacts:read`)
/// - `GET /api/v1/contacts/{id}` (`contacts:read`), with its active takeover
/// - `PATCH /api/v1/contacts/{id}` `{name?, tags?, custom_fields?}` (`contacts:write`)
/// - `GET /api/v1/contacts/{id}/messages?before=&limit=` (`conversations:read`), newest page
///   first, each page oldest first; `next_before` pages further back
/// - `GET|POST /api/v1/contacts/{id}/instructions` (`instructions:read|write`)
///   `{text, expires_at? | expires_in_minutes?, chatbot_id?}`
/// - `DELETE /api/v1/instructions/{id}` (`instructions:write`)
struct ContactsController: Sendable {
    let logger: Logger

    func register(on api: RouterGroup<APIRequestContext>) {
        api.endpoint(.get, "contacts", scope: "contacts:read", logger: logger) { request, _, principal in
            let (limit, offset) = try request.paging()
            var digits: String?
            if let phone = request.query("phone") {
                let only = phone.filter(\.isNumber)
                guard !only.isEmpty else { throw APIError.invalid("phone", "must contain digits") }
                digits = only
            }
            let filter = ContactFilter(phoneDigits: digits, tag: request.query("tag"), search: request.query("q"), limit: limit, offset: offset)
            let contacts = try await principal.stores.contacts.contactRecords(tenantID: principal.tenant.id, filter: filter)
            return APIJSON.response(.ok, ["contacts": contacts.map(APIRepresentation.contact), "limit": limit, "offset": offset])
        }
        api.endpoint(.get, "contacts/:id", scope: "contacts:read", logger: logger) { _, context, principal in
            let contact = try await principal.contact(try context.id("id", "contact"))
            var object = APIRepresentation.contact(contact)
            let takeover = try await principal.stores.takeovers.activeTakeover(tenantID: principal.tenant.id, contactID: contact.id)
            object["takeover"] = takeover.map(APIRepresentation.takeover) ?? NSNull()
            return APIJSON.response(.ok, ["contact": object])
        }
        api.endpoint(.patch, "contacts/:id", scope: "contacts:write", logger: logger) { request, context, principal in
            let id = try context.id("id", "contact")
            let body = try await APIBody.read(request, context: context, allowed: ["name", "tags", "custom_fields"])
            let changes = ContactChanges(
                name: try body.string("name", maxLength: 200), tags: try body.strings("tags"), customFields: try body.stringMap("custom_fields")
            )
            guard let contact = try await principal.stores.contacts.updateContact(tenantID: principal.tenant.id, id: ContactID(id), changes: changes) else {
                throw APIError.notFound("contact \(id) not found")
            }
            return APIJSON.response(.ok, ["contact": APIRepresentation.contact(contact)])
        }
        api.endpoint(.get, "contacts/:id/messages", scope: "conversations:read", logger: logger) { request, context, principal in
            let contact = try await principal.contact(try context.id("id", "contact"))
            let (limit, _) = try request.paging()
            var before: MessageID?
            if let text = request.query("before") {
                guard let id = Int64(text), id > 0 else { throw APIError.invalid("before", "must be a message id") }
                before = MessageID(id)
            }
            let page = try await principal.stores.contacts.conversationPage(tenantID: principal.tenant.id, contactID: contact.id, before: before, limit: limit)
            let next: Any = page.count == limit ? (page.first.map { $0.id.rawValue } ?? NSNull()) : NSNull()
            return APIJSON.response(.ok, ["contact_id": contact.id.rawValue, "messages": page.map(APIRepresentation.message), "next_before": next])
        }
        api.endpoint(.get, "contacts/:id/instructions", scope: "instructions:read", logger: logger) { _, context, principal in
            let contact = try await principal.contact(try context.id("id", "contact"))
            let instructions = try await principal.stores.instructions.contactInstructions(tenantID: principal.tenant.id, contactID: contact.id, at: Date())
            return APIJSON.response(.ok, ["instructions": instructions.map(APIRepresentation.instruction)])
        }
        api.endpoint(.post, "contacts/:id/instructions", scope: "instructions:write", logger: logger) { request, context, principal in
            let contact = try await principal.contact(try context.id("id", "contact"))
            let body = try await APIBody.read(request, context: context, allowed: ["text", "expires_at", "expires_in_minutes", "chatbot_id"])
            guard let text = try body.string("text", required: true, maxLength: 2000) else { throw APIError.invalid("text", "is required") }
            let now = Date()
            var expiresAt = try body.date("expires_at")
            if let minutes = try body.int("expires_in_minutes", in: 1...525_600) {
                if expiresAt != nil { throw APIError.invalid("expires_in_minutes", "cannot be given with expires_at") }
                expiresAt = now.addingTimeInterval(Double(minutes) * 60)
            }
            if let expiresAt, expiresAt <= now { throw APIError.invalid("expires_at", "must be in the future") }
            let chatbot = try principal.chatbot(for: contact, requested: try body.string("chatbot_id"))
            let instruction = try await principal.stores.instructions.addInstruction(
                ConversationKey(tenantID: principal.tenant.id, chatbotID: chatbot.id, contactID: contact.id), text: text, expiresAt: expiresAt, at: now
            )
            return APIJSON.response(.created, ["instruction": APIRepresentation.instruction(instruction)])
        }
        api.endpoint(.delete, "instructions/:id", scope: "instructions:write", logger: logger) { _, context, principal in
            let id = try context.id("id", "instruction")
            guard try await principal.stores.instructions.deleteInstruction(tenantID: principal.tenant.id, id: id) else { throw APIError.notFound("instruction \(id) not found") }
            return Response(status: .noContent)
        }
    }
}
