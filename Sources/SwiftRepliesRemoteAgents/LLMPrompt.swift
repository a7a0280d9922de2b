import Foundation
import SwiftRepliesCore

/// Builds the chat-completions request of the `llm` module from a turn: a system message with
/// the persona, the catalogue, the knowledge base hits, the team's active instructions and the
/// escalation rules; then the conversation history and the new customer messages; and the two
/// tools the model may call.
struct LLMPrompt {
    /// One chat message as OpenAI-compatible endpoints take it.
    struct Message: Encodable, Equatable {
        var role: String
        var content: String
    }

    /// The request body of `POST <base_url>/chat/completions`.
    struct Request: Encodable {
        var model: String
        var messages: [Message]
        var temperature: Double
        var maxTokens: Int?
        var tools: [JSONValue]?
        var toolChoice: String?

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature, tools
            case maxTokens = "max_tokens"
            case toolChoice = "tool_choice"
        }
    }

    /// Knowledge base hits beyond this many are left out of the prompt.
    static let maximumKnowledgeHits = 5

    static let escalationTool = "request_human_decision"
    static let orderTool = "record_order_intent"

    let turn: Turn
    let settings: LLMAgentSettings

    func request() -> Request {
        let tools = Self.tools(catalogue: turn.agent.catalogue)
        return Request(
            model: settings.model, messages: messages(), temperature: settings.temperature, maxTokens: settings.maxTokens,
            tools: tools.isEmpty ? nil : tools, toolChoice: tools.isEmpty ? nil : "auto")
    }

    func messages() -> [Message] {
        var messages = [Message(role: "system", content: systemPrompt())]
        for message in turn.history {
            guard let text = Self.readable(message.kind, text: message.text) else { continue }
            messages.append(Message(role: message.direction == .inbound ? "user" : "assistant", content: text))
        }
        for message in turn.messages {
            guard let text = Self.readable(message.kind, text: message.text) else { continue }
            messages.append(Message(role: "user", content: text))
        }
        if case .actionResolved(let resolution) = turn.trigger {
            // Some chat templates need the conversation to end with a user turn: the team's
            // decision is handed over as a note, not as the customer's words.
            messages.append(Message(role: "user", content: "[Note from the team, not from the customer] \(Self.describe(resolution)) Tell the customer the outcome."))
        }
        return messages
    }

    func systemPrompt() -> String {
        let agent = turn.agent
        var sections: [String] = []
        let persona = agent.persona.trimmingCharacters(in: .whitespacesAndNewlines)
        sections.append(persona.isEmpty ? "You are \(agent.name), the WhatsApp assistant of \(turn.tenant.name)." : persona)

        var rules = [
            "You are chatting on WhatsApp with a customer of \(turn.tenant.name)\(turn.contact.name.map { " named \($0)" } ?? "").",
            "Answer briefly, in the customer's language.",
            "Use only the facts below: never invent products, prices, stock or policies. Quote only catalogue prices.",
            "When you do not know, say that a member of the team will follow up.",
        ]
        if !agent.greeting.isEmpty { rules.append("Greet new customers like this: \"\(agent.greeting)\"") }
        sections.append(rules.joined(separator: "\n"))

        if agent.catalogue.isEmpty {
            sections.append("## Catalogue\nThere is no catalogue: do not quote any price.")
        } else {
            let lines = agent.catalogue.map { product in
                var line = "- \(product.sku) | \(product.name) | \(product.formattedPrice)"
                if !product.description.isEmpty { line += " | \(product.description)" }
                return line
            }
            sections.append("## Catalogue (sku | name | price | description)\n" + lines.joined(separator: "\n"))
        }

        let hits = turn.context.knowledgeHits.prefix(Self.maximumKnowledgeHits)
        if !hits.isEmpty {
            let lines = hits.map { "- Q: \($0.entry.question)\n  A: \($0.entry.answer)" }
            sections.append("## Knowledge base entries that match the customer's message (best first)\n" + lines.joined(separator: "\n"))
        }

        let instructions = turn.context.instructions.filter { $0.isActive(at: turn.startedAt) }
        if !instructions.isEmpty {
            let lines = instructions.map { "- \($0.text)" }
            sections.append("## Instructions from the team for this conversation (follow them)\n" + lines.joined(separator: "\n"))
        }

        var tools = ["## What you may not decide alone"]
        if let limit = agent.escalation.maxDiscountPercent, limit > 0 {
            tools.append("You may grant a discount of up to \(ReplyMapping.percentText(limit)) yourself.")
            tools.append("For a larger discount, call \(Self.escalationTool) with request_type \"discount_approval\" and requested_amount the percent asked.")
        } else {
            tools.append("You may not grant any discount yourself: call \(Self.escalationTool) with request_type \"discount_approval\" and requested_amount the percent asked.")
        }
        tools.append("For a refund, call \(Self.escalationTool) with request_type \"refund\".")
        var handoff = "When the customer asks for a person, call \(Self.escalationTool) with request_type \"human_handoff\""
        if !agent.escalation.humanKeywords.isEmpty {
            handoff += " (also when they write: \(agent.escalation.humanKeywords.joined(separator: ", ")))"
        }
        tools.append(handoff + ".")
        if !agent.catalogue.isEmpty {
            tools.append("When the customer clearly wants to buy, call \(Self.orderTool) with the sku and quantity of each product.")
        }
        tools.append("Whenever you call a tool, also write the customer a short message.")
        sections.append(tools.joined(separator: "\n"))

        if case .actionResolved(let resolution) = turn.trigger {
            sections.append("## The team's decision\n\(Self.describe(resolution))")
        }
        return sections.joined(separator: "\n\n")
    }

    /// The text the model sees for a message; `nil` for messages without words.
    static func readable(_ kind: MessageKind, text: String?) -> String? {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        switch kind {
        case .text, .button, .listReply: return text
        default: return "[\(kind.rawValue)] \(text)"
        }
    }

    static func describe(_ resolution: ActionResolution) -> String {
        var text = "Your request #\(resolution.actionID) (\(resolution.requestType)"
        if let amount = resolution.requestedAmount { text += ", \(amount == amount.rounded() ? String(Int(amount)) : String(amount))" }
        text += ") was \(resolution.outcome.rawValue)."
        if let response = resolution.response, !response.isEmpty { text += " The team says: \"\(response)\"." }
        return text
    }

    /// The OpenAI `tools` the model may call; the order tool only when there is a catalogue.
    static func tools(catalogue: [Product]) -> [JSONValue] {
        var tools: [JSONValue] = [
            function(
                name: escalationTool,
                description: "Ask a human in the Actions Center to decide something you may not decide alone (a discount above your limit, a refund, a request for a person). The customer waits for the answer.",
                properties: [
                    "request_type": .object([
                        "type": .string("string"),
                        "description": .string("discount_approval, refund, human_handoff, or another short snake_case type"),
                    ]),
                    "details": .object(["type": .string("string"), "description": .string("One sentence for the team: who wants what and why")]),
                    "requested_amount": .object(["type": .string("number"), "description": .string("The discount in percent or the amount of money at stake, if any")]),
                    "priority": .object(["type": .string("string"), "enum": .array(ActionPriority.allCases.map { .string($0.rawValue) })]),
                ],
                required: ["request_type", "details"])
        ]
        if !catalogue.isEmpty {
            tools.append(
                function(
                    name: orderTool,
                    description: "Record that the customer wants to buy: each product by sku, with a quantity. Prices come from the catalogue.",
                    properties: [
                        "lines": .object([
                            "type": .string("array"),
                            "items": .object([
                                "type": .string("object"),
                                "properties": .object([
                                    "sku": .object(["type": .string("string"), "enum": .array(catalogue.map { .string($0.sku) })]),
                                    "quantity": .object(["type": .string("integer"), "minimum": .number(1)]),
                                ]),
                                "required": .array([.string("sku"), .string("quantity")]),
                            ]),
                        ]),
                        "discount_percent": .object(["type": .string("number"), "description": .string("Only a discount you may grant or that was approved")]),
                    ],
                    required: ["lines"]))
        }
        return tools
    }

    private static func function(name: String, description: String, properties: [String: JSONValue], required: [String]) -> JSONValue {
        .object([
            "type": .string("function"),
            "function": .object([
                "name": .string(name),
                "description": .string(description),
                "parameters": .object([
                    "type": .string("object"),
                    "properties": .object(properties),
                    "required": .array(required.map { .string($0) }),
                ]),
            ]),
        ])
    }
}
