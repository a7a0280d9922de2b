import Foundation
import SwiftRepliesCore
import SwiftRepliesTesting

/// One expectation of a scenario file, on a reply or on what a case left behind.
public enum EvalCheck: Sendable, Hashable, CustomStringConvertible {
    /// Every fact appears in the replies (case and accents ignored; digits in any script).
    case contains([String])
    /// At least one of them appears.
    case containsAny([String])
    /// None of them appears.
    case containsNone([String])
    /// The replies are in this language (`en`, `fr`, `ar`, `arabizi`). Arabizi texts are optional
    /// in an agent's YAML, so for `arabizi` a reply in English, the default, is right too.
    case language(String)
    /// The agent's intent label is this one, or starts with it when it ends with `*`.
    case intent(String)
    /// An escalation of this type was requested (`discount_approval`, `human_handoff`, `refund`).
    case escalation(String)
    /// No escalation was requested.
    case noEscalation
    /// An order intent holding at least these lines (sku and quantity).
    case order([EvalOrderLine])
    /// No order intent.
    case noOrder
    /// The bot said nothing.
    case silent
    /// The turn carried an active conversation instruction containing this text.
    case instruction(String)
    /// After the case: the store holds an Actions Center request of this type for the conversation.
    case action(String)
    /// After the case: the store holds no Actions Center request for the conversation.
    case noAction
    /// After the case: a human has the conversation.
    case takeover

    /// Whether the check is about the reply's language (scored apart from content).
    public var isLanguage: Bool {
        if case .language = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .contains(let facts): return "replies containing " + facts.map { "\"\($0)\"" }.joined(separator: " and ")
        case .containsAny(let facts): return "replies containing one of " + facts.map { "\"\($0)\"" }.joined(separator: ", ")
        case .containsNone(let facts): return "replies containing none of " + facts.map { "\"\($0)\"" }.joined(separator: ", ")
        case .language(let language): return "replies in \(language)"
        case .intent(let intent): return "intent \(intent)"
        case .escalation(let type): return "an escalation of type \(type)"
        case .noEscalation: return "no escalation"
        case .order(let lines): return "an order intent for " + lines.map(\.description).joined(separator: ", ")
        case .noOrder: return "no order intent"
        case .silent: return "no reply"
        case .instruction(let text): return "an active instruction containing \"\(text)\""
        case .action(let type): return "an Actions Center request of type \(type) in the store"
        case .noAction: return "no Actions Center request in the store"
        case .takeover: return "a human holding the conversation"
        }
    }

    /// Checks a reply. `nil` when met, otherwise what was found instead.
    func failure(on reply: TurnReply) -> String? {
        let response = reply.response
        switch self {
        case .contains(let facts):
            let text = Self.fold(reply.text)
            return facts.allSatisfy { text.contains(Self.fold($0)) } ? nil : Self.quote(reply)
        case .containsAny(let facts):
            let text = Self.fold(reply.text)
            return facts.contains { text.contains(Self.fold($0)) } ? nil : Self.quote(reply)
        case .containsNone(let facts):
            let text = Self.fold(reply.text)
            return facts.contains { text.contains(Self.fold($0)) } ? Self.quote(reply) : nil
        case .language(let expected):
            guard !reply.messages.isEmpty else { return "no reply" }
            let found = ReplyLanguageDetector.detect(reply.text)
            // Arabizi texts are optional in an agent: without one, the default language (English) is right too.
            let met = found == expected || (expected == "arabizi" && found == "en")
            return met ? nil : "\(found): \(Self.quote(reply))"
        case .intent(let expected):
            let intent = response.intent ?? "none"
            let met = expected.hasSuffix("*") ? intent.hasPrefix(String(expected.dropLast())) : intent == expected
            return met ? nil : "intent \(intent)"
        case .escalation(let type):
            guard let escalation = response.escalation else { return "no escalation (intent \(response.intent ?? "none"))" }
            return escalation.requestType == type ? nil : "an escalation of type \(escalation.requestType)"
        case .noEscalation:
            return response.escalation.map { "an escalation of type \($0.requestType)" }
        case .order(let lines):
            return Self.orderFailure(lines, response.orderIntent)
        case .noOrder:
            return response.orderIntent.map(Self.describe)
        case .silent:
            return reply.messages.isEmpty ? nil : Self.quote(reply)
        case .instruction(let text):
            guard let turn = reply.turn else { return "the agent was not called" }
            let instructions = turn.context.instructions.map(\.text)
            return instructions.contains { Self.fold($0).contains(Self.fold(text)) } ? nil : "instructions \(instructions)"
        case .action, .noAction, .takeover:
            return "a check of what the store holds, written under `expect` (put it under `after`)"
        }
    }

    /// Checks what a case left behind: the effects its turns reported and its last order intent.
    func failure(effects: [TurnEffect], lastOrder: OrderIntent?) -> String? {
        let created = effects.filter { $0.kind == .actionCreated }.compactMap { $0.attributes["request_type"] }
        switch self {
        case .action(let type):
            return created.contains(type) ? nil : (created.isEmpty ? "no Actions Center request" : "requests of type \(created.joined(separator: ", "))")
        case .noAction:
            return created.isEmpty ? nil : "requests of type \(created.joined(separator: ", "))"
        case .takeover:
            return effects.contains { $0.kind == .takeover } ? nil : "no takeover"
        case .order(let lines):
            return Self.orderFailure(lines, lastOrder)
        case .noOrder:
            return lastOrder.map(Self.describe)
        default:
            return "a check of a reply, written under `after` (put it under a turn's `expect`)"
        }
    }

    private static func orderFailure(_ lines: [EvalOrderLine], _ order: OrderIntent?) -> String? {
        guard let order else { return "no order intent" }
        let met = lines.allSatisfy { expected in
            order.lines.contains { line in line.sku == expected.sku && (expected.quantity.map { $0 == line.quantity } ?? true) }
        }
        return met ? nil : describe(order)
    }

    static func describe(_ order: OrderIntent) -> String {
        "an order intent for " + order.lines.map { "\($0.quantity) × \($0.sku)" }.joined(separator: ", ")
    }

    static func quote(_ reply: TurnReply) -> String {
        reply.messages.isEmpty ? "no reply (\(reply.response.intent ?? reply.response.stoppedBy ?? "silent"))" : "\"\(reply.text)\" (intent \(reply.response.intent ?? "none"))"
    }

    /// Lower case, no accents, Western digits.
    static func fold(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        return String(String.UnicodeScalarView(folded.unicodeScalars.map { scalar in
            switch scalar.value {
            case 0x0660...0x0669: return UnicodeScalar(scalar.value - 0x0660 + 0x30) ?? scalar
            case 0x06F0...0x06F9: return UnicodeScalar(scalar.value - 0x06F0 + 0x30) ?? scalar
            default: return scalar
            }
        }))
    }
}

/// An order line a scenario expects: a sku, and a quantity when it matters.
public struct EvalOrderLine: Sendable, Hashable, CustomStringConvertible {
    public var sku: String
    public var quantity: Int?

    public init(sku: String, quantity: Int? = nil) {
        self.sku = sku
        self.quantity = quantity
    }

    public var description: String { quantity.map { "\($0) × \(sku)" } ?? sku }
}
