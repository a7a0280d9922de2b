import Foundation
import Logging
import SwiftRepliesCore

/// The JSON body the `http` module POSTs for each turn (schema version 1, documented in
/// docs/remote-agents.md). Keys are snake_case; absent optional values are omitted.
struct HTTPAgentTurnPayload: Encodable {
    struct Reference: Encodable {
        var id: String
        var name: String
    }

    struct CatalogueItem: Encodable {
        var sku: String
        var name: String
        var price: Decimal
        var currency: String
        var description: String
    }

    struct Escalation: Encodable {
        var maxDiscountPercent: Double?
        var humanKeywords: [String]
        enum CodingKeys: String, CodingKey {
            case maxDiscountPercent = "max_discount_percent"
            case humanKeywords = "human_keywords"
        }
    }

    struct Agent: Encodable {
        var id: String
        var name: String
        var persona: String
        var greeting: String
        var currency: String
        var catalogue: [CatalogueItem]
        var escalation: Escalation
    }

    struct ContactInfo: Encodable {
        var id: Int64
        var phone: String
        var name: String?
    }

    struct Message: Encodable {
        var id: Int64
        var direction: String
        var kind: String
        var text: String?
        var fromHuman: Bool
        var createdAt: Date
        enum CodingKeys: String, CodingKey {
            case id, direction, kind, text
            case fromHuman = "from_human"
            case createdAt = "created_at"
        }
    }

    struct ActionOutcome: Encodable {
        var id: Int64
        var requestType: String
        var outcome: String
        var response: String?
        var requestedAmount: Double?
        enum CodingKeys: String, CodingKey {
            case id, outcome, response
            case requestType = "request_type"
            case requestedAmount = "requested_amount"
        }
    }

    struct Trigger: Encodable {
        var type: String
        var action: ActionOutcome?
    }

    struct KnowledgeHitInfo: Encodable {
        var id: String
        var category: String
        var question: String
        var answer: String
        var score: Double
    }

    struct Instruction: Encodable {
        var id: Int64
        var text: String
        var expiresAt: Date?
        enum CodingKeys: String, CodingKey {
            case id, text
            case expiresAt = "expires_at"
        }
    }

    struct Context: Encodable {
        var knowledgeHits: [KnowledgeHitInfo]
        var instructions: [Instruction]
        var notes: [String: String]
        enum CodingKeys: String, CodingKey {
            case instructions, notes
            case knowledgeHits = "knowledge_hits"
        }
    }

    var version = 1
    var requestID: String
    var trigger: Trigger
    var tenant: Reference
    var chatbot: Reference
    var agent: Agent
    var contact: ContactInfo
    var text: String
    var messages: [Message]
    var history: [Message]
    var context: Context
    var configRevision: Int
    var startedAt: Date

    enum CodingKeys: String, CodingKey {
        case version, trigger, tenant, chatbot, agent, contact, text, messages, history, context
        case requestID = "request_id"
        case configRevision = "config_revision"
        case startedAt = "started_at"
    }

    init(turn: Turn, requestID: String) {
        self.requestID = requestID
        switch turn.trigger {
        case .customerMessages:
            trigger = Trigger(type: "customer_messages")
        case .actionResolved(let resolution):
            trigger = Trigger(
                type: "action_resolved",
                action: ActionOutcome(
                    id: resolution.actionID, requestType: resolution.requestType, outcome: resolution.outcome.rawValue, response: resolution.response,
                    requestedAmount: resolution.requestedAmount))
        }
        tenant = Reference(id: turn.tenant.id.rawValue, name: turn.tenant.name)
        chatbot = Reference(id: turn.chatbot.id.rawValue, name: turn.chatbot.name)
        let definition = turn.agent
        agent = Agent(
            id: definition.id.rawValue, name: definition.name, persona: definition.persona, greeting: definition.greeting, currency: definition.currency,
            catalogue: definition.catalogue.map { CatalogueItem(sku: $0.sku, name: $0.name, price: $0.price, currency: $0.currency, description: $0.description) },
            escalation: Escalation(maxDiscountPercent: definition.escalation.maxDiscountPercent, humanKeywords: definition.escalation.humanKeywords))
        contact = ContactInfo(id: turn.contact.id.rawValue, phone: turn.contact.phone.digits, name: turn.contact.name)
        text = turn.text
        messages = turn.messages.map(Self.message)
        history = turn.history.map(Self.message)
        context = Context(
            knowledgeHits: turn.context.knowledgeHits.map {
                KnowledgeHitInfo(id: $0.entry.id, category: $0.entry.category, question: $0.entry.question, answer: $0.entry.answer, score: $0.score)
            },
            instructions: turn.context.instructions.filter { $0.isActive(at: turn.startedAt) }.map { Instruction(id: $0.id, text: $0.text, expiresAt: $0.expiresAt) },
            notes: turn.context.notes)
        configRevision = turn.configRevision
        startedAt = turn.startedAt
    }

    private static func message(_ message: ConversationMessage) -> Message {
        Message(
            id: message.id.rawValue, direction: message.direction.rawValue, kind: message.kind.rawValue, text: message.text, fromHuman: message.isFromHuman,
            createdAt: message.createdAt)
    }

    /// The body bytes: sorted keys, ISO 8601 dates, so the same turn always gives the same bytes.
    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(self))
    }
}

/// The remote agent's reply: `{messages, intent?, escalation?, order_intent?}`.
enum HTTPAgentReply {
    /// Maps the reply body to an `AgentResponse`, or explains what is wrong with it.
    static func response(from bytes: [UInt8], catalogue: [Product], logger: Logger) throws -> AgentResponse {
        guard let root = JSONValue.parse(bytes) else { throw ReplySchemaError("the body is not JSON") }
        guard case .object = root else { throw ReplySchemaError("the body must be a JSON object, found \(root.typeName)") }
        guard let rawMessages = root["messages"] else { throw ReplySchemaError("'messages' is missing (send [] to say nothing)") }
        guard let items = rawMessages.arrayValue else { throw ReplySchemaError("'messages' must be an array of strings, found \(rawMessages.typeName)") }
        var messages: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else { throw ReplySchemaError("messages[\(index)] must be a string, found \(item.typeName)") }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { messages.append(text) }
        }
        var intent: String?
        if let raw = root["intent"] {
            guard let text = raw.stringValue else { throw ReplySchemaError("'intent' must be a string, found \(raw.typeName)") }
            intent = text
        }
        let escalation = try root["escalation"].map { try ReplyMapping.escalation($0, field: "escalation") }
        let order = try root["order_intent"].flatMap { try ReplyMapping.orderIntent($0, field: "order_intent", catalogue: catalogue, logger: logger) }
        // An escalation or an order with nothing said would leave the customer waiting in silence.
        if messages.isEmpty, let escalation {
            messages = [ReplyMapping.escalationMessage(escalation)]
        } else if messages.isEmpty, let order {
            messages = [ReplyMapping.orderMessage(order)]
        }
        return AgentResponse(messages: messages, escalation: escalation, orderIntent: order, intent: intent ?? "remote")
    }
}
