import Foundation
import SwiftRepliesCore

/// What a script expects of the bot's answer to one customer message.
public enum ReplyExpectation: Sendable, Hashable, CustomStringConvertible {
    /// Some reply contains the text (case- and diacritic-insensitive).
    case contains(String)
    /// No reply contains the text.
    case doesNotContain(String)
    /// Some reply matches the regular expression.
    case matches(String)
    /// The agent asked for a human decision (of this request type, when given).
    case escalation(type: String?)
    /// The agent did not ask for a decision.
    case noEscalation
    /// The agent recorded an order intent (for this sku, when given).
    case orderIntent(sku: String?)
    /// The answer was found this way (`AgentResponse.intent`: `price`, `faq:<id>`, `fallback`, ...).
    case intent(String)
    /// The bot said nothing.
    case silent

    public var description: String {
        switch self {
        case .contains(let text): return "a reply containing \"\(text)\""
        case .doesNotContain(let text): return "no reply containing \"\(text)\""
        case .matches(let pattern): return "a reply matching /\(pattern)/"
        case .escalation(let type): return "an escalation\(type.map { " of type \($0)" } ?? "")"
        case .noEscalation: return "no escalation"
        case .orderIntent(let sku): return "an order intent\(sku.map { " for \($0)" } ?? "")"
        case .intent(let intent): return "intent \(intent)"
        case .silent: return "no reply"
        }
    }

    /// Whether `reply` meets the expectation.
    public func isMet(by reply: TurnReply) -> Bool {
        let messages = reply.messages
        switch self {
        case .contains(let text): return messages.contains { Self.fold($0).contains(Self.fold(text)) }
        case .doesNotContain(let text): return !messages.contains { Self.fold($0).contains(Self.fold(text)) }
        case .matches(let pattern):
            guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return false }
            return messages.contains { regex.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }
        case .escalation(let type):
            guard let escalation = reply.response.escalation else { return false }
            return type.map { $0 == escalation.requestType } ?? true
        case .noEscalation: return reply.response.escalation == nil
        case .orderIntent(let sku):
            guard let order = reply.response.orderIntent else { return false }
            return sku.map { sku in order.lines.contains { $0.sku == sku } } ?? true
        case .intent(let intent): return reply.response.intent == intent
        case .silent: return messages.isEmpty
        }
    }

    private static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }
}

/// The bot's answer to one customer message in a test.
public struct TurnReply: Sendable {
    public var sent: String
    public var response: AgentResponse
    /// The replies as stored in the outbox.
    public var outbox: [OutboxEntry]

    public var messages: [String] { response.messages }
    /// All replies joined by newlines.
    public var text: String { messages.joined(separator: "\n") }
}

/// A script expectation that was not met.
public struct ScriptFailure: Error, CustomStringConvertible, Sendable {
    public var step: Int
    public var sent: String
    public var expectation: ReplyExpectation
    public var replies: [String]
    public var intent: String?

    public var description: String {
        "step \(step) (\"\(sent)\"): expected \(expectation), got \(replies.isEmpty ? "no reply" : replies.map { "\"\($0)\"" }.joined(separator: " / ")) [intent: \(intent ?? "-")]"
    }
}

/// A list of customer messages, each with what the bot must answer (Bot Framework
/// `TestAdapter` style): `ConversationScript().send("hi").expect(.intent("greeting"))`.
public struct ConversationScript: Sendable {
    public struct Step: Sendable {
        public var text: String
        public var expectations: [ReplyExpectation]
    }

    public private(set) var steps: [Step] = []

    public init() {}

    /// Adds a customer message.
    public func send(_ text: String) -> ConversationScript {
        var copy = self
        copy.steps.append(Step(text: text, expectations: []))
        return copy
    }

    /// Adds expectations on the answer to the last message.
    public func expect(_ expectations: ReplyExpectation...) -> ConversationScript {
        var copy = self
        guard !copy.steps.isEmpty else { return copy }
        copy.steps[copy.steps.count - 1].expectations += expectations
        return copy
    }
}
