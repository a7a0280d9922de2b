import Foundation
import Logging
import SwiftRepliesCore

/// Turns what a remote agent or a model asked for (an escalation, an order by sku) into the
/// runtime's types, checking every field. Shared by the `http` and `llm` modules.
enum ReplyMapping {
    /// An escalation from `{request_type, details, requested_amount?, priority?, context?}`.
    static func escalation(_ value: JSONValue, field: String) throws -> EscalationRequest {
        guard case .object = value else { throw ReplySchemaError("\(field) must be an object, found \(value.typeName)") }
        guard let requestType = value["request_type"]?.stringValue, !requestType.isEmpty else {
            throw ReplySchemaError("\(field).request_type must be a non-empty string")
        }
        guard let details = value["details"]?.stringValue else { throw ReplySchemaError("\(field).details must be a string") }
        var amount: Double?
        if let raw = value["requested_amount"] {
            guard let number = raw.numberValue else { throw ReplySchemaError("\(field).requested_amount must be a number, found \(raw.typeName)") }
            amount = number
        }
        var priority = ActionPriority.medium
        if let raw = value["priority"] {
            guard let text = raw.stringValue, let parsed = ActionPriority(rawValue: text.lowercased()) else {
                throw ReplySchemaError("\(field).priority must be one of \(ActionPriority.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            priority = parsed
        }
        var context: [String: String] = [:]
        if let raw = value["context"] {
            guard let members = raw.objectValue else { throw ReplySchemaError("\(field).context must be an object of strings") }
            for (key, member) in members {
                switch member {
                case .string(let text): context[key] = text
                case .number(let number): context[key] = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
                case .bool(let flag): context[key] = flag ? "true" : "false"
                case .null: continue
                default: throw ReplySchemaError("\(field).context.\(key) must be a string")
                }
            }
        }
        return EscalationRequest(requestType: requestType, details: details, requestedAmount: amount, priority: priority, context: context)
    }

    /// An order intent from `{lines: [{sku, quantity}], discount_percent?}`, priced from the
    /// agent's catalogue: a remote agent or a model names products, never prices. Lines whose sku
    /// is not in the catalogue are dropped (and logged); `nil` when no line is left.
    static func orderIntent(_ value: JSONValue, field: String, catalogue: [Product], logger: Logger) throws -> OrderIntent? {
        guard case .object = value else { throw ReplySchemaError("\(field) must be an object, found \(value.typeName)") }
        guard let rawLines = value["lines"]?.arrayValue else { throw ReplySchemaError("\(field).lines must be an array") }
        var lines: [OrderLine] = []
        for (index, rawLine) in rawLines.enumerated() {
            let lineField = "\(field).lines[\(index)]"
            guard let sku = rawLine["sku"]?.stringValue else { throw ReplySchemaError("\(lineField).sku must be a string") }
            guard let quantity = rawLine["quantity"]?.numberValue, quantity >= 1, quantity == quantity.rounded(), quantity <= 100_000 else {
                throw ReplySchemaError("\(lineField).quantity must be a whole number of at least 1")
            }
            guard let product = catalogue.first(where: { $0.sku == sku }) else {
                logger.warning("order line for a sku not in the catalogue dropped", metadata: ["sku": "\(sku)"])
                continue
            }
            if let index = lines.firstIndex(where: { $0.sku == sku }) {
                lines[index].quantity += Int(quantity)
            } else {
                lines.append(OrderLine(sku: sku, name: product.name, quantity: Int(quantity), unitPrice: product.price, currency: product.currency))
            }
        }
        var discount: Double?
        if let raw = value["discount_percent"] {
            guard let number = raw.numberValue, (0...100).contains(number) else {
                throw ReplySchemaError("\(field).discount_percent must be a number from 0 to 100")
            }
            discount = number > 0 ? number : nil
        }
        guard !lines.isEmpty else { return nil }
        return OrderIntent(lines: lines, discountPercent: discount)
    }

    /// What the customer is told when the agent asked a human but said nothing itself.
    static func escalationMessage(_ escalation: EscalationRequest) -> String {
        switch escalation.requestType {
        case "human_handoff": return "I'm passing you to a member of our team; they will reply here shortly."
        default: return "Let me check that with the team. I'll get back to you here shortly."
        }
    }

    /// What the customer is told when the agent recorded an order but said nothing itself.
    static func orderMessage(_ intent: OrderIntent) -> String {
        let items = intent.lines.map { "\($0.quantity) × \($0.name) (\(Money.format($0.unitPrice, currency: $0.currency)) each)" }
        let discount = intent.discountPercent.map { " with \(percentText($0)) off" } ?? ""
        return "Great, I've noted your order: \(items.joined(separator: ", "))\(discount). Our team will confirm it with you shortly."
    }

    /// `10%`, `12.5%`.
    static func percentText(_ percent: Double) -> String {
        percent == percent.rounded() ? "\(Int(percent))%" : String(format: "%.1f%%", percent)
    }
}
