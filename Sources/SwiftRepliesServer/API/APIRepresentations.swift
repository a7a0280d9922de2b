import Foundation
import SwiftRepliesCore

/// How records look in API answers (snake_case keys, ISO 8601 dates, `null` for absent values).
enum APIRepresentation {
    static func contact(_ contact: ContactRecord) -> [String: Any] {
        [
            "id": contact.id.rawValue, "phone": "+" + contact.phone.digits, "name": APIJSON.optional(contact.name), "tags": contact.tags,
            "custom_fields": contact.customFields, "chatbot_id": APIJSON.optional(contact.chatbotID?.rawValue),
            "last_interaction": APIJSON.date(contact.lastInteraction), "created_at": APIJSON.date(contact.createdAt),
        ]
    }

    static func message(_ message: StoredMessage) -> [String: Any] {
        [
            "id": message.id.rawValue, "chatbot_id": message.chatbotID.rawValue, "direction": message.direction.rawValue, "kind": message.kind.rawValue,
            "text": APIJSON.optional(message.text), "status": message.status, "provider": message.provider.rawValue,
            "is_from_human": message.isFromHuman, "ai_processed": message.aiProcessed, "processing_ms": APIJSON.optional(message.processingMilliseconds),
            "purpose": APIJSON.optional(message.purpose?.rawValue), "created_at": APIJSON.date(message.createdAt),
        ]
    }

    static func instruction(_ instruction: ConversationInstruction) -> [String: Any] {
        [
            "id": instruction.id, "contact_id": instruction.contactID.rawValue, "chatbot_id": instruction.chatbotID.rawValue, "text": instruction.text,
            "expires_at": APIJSON.date(instruction.expiresAt), "created_at": APIJSON.date(instruction.createdAt),
        ]
    }

    static func knowledge(_ record: KnowledgeRecord) -> [String: Any] {
        [
            "id": record.id, "source": "api", "chatbot_id": record.chatbotID.rawValue, "category": record.category, "question": record.question,
            "answer": record.answer, "created_at": APIJSON.date(record.createdAt), "updated_at": APIJSON.date(record.updatedAt),
        ]
    }

    /// An entry of the agent's YAML (read-only through the API).
    static func knowledge(_ entry: KnowledgeEntry, chatbot: ChatbotID) -> [String: Any] {
        [
            "id": entry.id, "source": "yaml", "chatbot_id": chatbot.rawValue, "category": entry.category, "question": entry.question,
            "answer": entry.answer, "examples": entry.examples,
        ]
    }

    static func action(_ action: ActionRecord) -> [String: Any] {
        [
            "id": action.id, "chatbot_id": action.chatbotID.rawValue, "contact_id": action.contactID.rawValue, "request_type": action.requestType,
            "details": action.details, "requested_amount": APIJSON.optional(action.requestedAmount), "priority": action.priority.rawValue,
            "status": action.status.rawValue, "response": APIJSON.optional(action.response), "auto_approve_similar": action.autoApproveSimilar,
            "auto_approved": action.autoApproved, "created_at": APIJSON.date(action.createdAt), "expires_at": APIJSON.date(action.expiresAt),
            "resolved_at": APIJSON.date(action.resolvedAt), "resolved_by": APIJSON.optional(action.resolvedBy),
            "customer_told_at": APIJSON.date(action.deliveredAt),
            "context": [
                "facts": action.context.facts,
                "conversation": action.context.conversation.map { ["from": $0.from, "text": $0.text, "at": APIJSON.date($0.at)] },
            ],
        ]
    }

    static func takeover(_ takeover: TakeoverRecord) -> [String: Any] {
        [
            "id": takeover.id, "contact_id": takeover.contactID.rawValue, "chatbot_id": takeover.chatbotID.rawValue,
            "started_by": APIJSON.optional(takeover.startedBy), "started_at": APIJSON.date(takeover.startedAt),
            "released_at": APIJSON.date(takeover.releasedAt), "active": takeover.releasedAt == nil,
        ]
    }

    static func webhook(_ webhook: WebhookRecord, includeSecret: Bool) -> [String: Any] {
        var object: [String: Any] = [
            "id": webhook.id, "url": webhook.url, "events": webhook.events, "chatbot_id": APIJSON.optional(webhook.chatbotID?.rawValue),
            "created_at": APIJSON.date(webhook.createdAt),
        ]
        if includeSecret { object["secret"] = APIJSON.optional(webhook.secret) }
        return object
    }

    static func event(_ event: AnalyticsEventRecord) -> [String: Any] {
        [
            "id": event.id, "type": event.type, "chatbot_id": APIJSON.optional(event.chatbotID?.rawValue),
            "contact_id": APIJSON.optional(event.contactID?.rawValue), "data": event.data, "created_at": APIJSON.date(event.at),
        ]
    }
}
