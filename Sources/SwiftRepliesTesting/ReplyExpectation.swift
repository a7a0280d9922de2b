import Foundation
import SwiftRepliesCore

/// What a script expects of the bot's answer to one customer message (or to an operator step
/// that runs a turn).
///
/// Text expectations look at the replies; the others look at the `AgentResponse` (intent,
/// escalation, order intent), at the turn the agent received (instructions, knowledge base hits),
/// or at what probes report (`actionCreated`, `actionResolved`, `takeover`). Over a live channel
/// (`LiveScriptRunner`) only the text expectations and `silent` can be checked; the others are
/// reported as unchecked.
public enum ReplyExpectation: Sendable, Hashable, CustomStringConvertible {
    // MARK: Replies

    /// Some reply contains the text (case- and diacritic-insensitive).
    case contains(String)
    /// No reply contains the text.
    case doesNotContain(String)
    /// Some reply matches the regular expression (case-insensitive).
    case matches(String)
    /// Exactly this many replies.
    case replyCount(Int)
    /// The bot stays silent: no reply at all (none in the response, none in the outbox).
    case silent

    // MARK: The agent's response

    /// The answer was found this way (`AgentResponse.intent`: `price`, `faq:<id>`, `fallback`, ...).
    case intent(String)
    /// This middleware answered instead of the agent (`AgentResponse.stoppedBy`).
    case stoppedBy(String)
    /// The turn asks a human for a decision (an Actions Center request): of this request type and
    /// for this amount (a discount in percent, a refund in money), when given.
    case escalation(type: String? = nil, amount: Double? = nil)
    /// The turn asks for no decision.
    case noEscalation
    /// The turn records an order intent: with a line for this sku, and this quantity of it, when given.
    case orderIntent(sku: String? = nil, quantity: Int? = nil)
    /// The turn's order intent carries this discount, in percent.
    case orderDiscount(percent: Double)
    /// The turn records no order intent.
    case noOrderIntent

    // MARK: What the agent saw

    /// The agent received an active conversation instruction containing the text
    /// (`turn.context.instructions`, filled by the `conversation_instructions` middleware).
    case instruction(containing: String)
    /// The agent received no active conversation instruction.
    case noInstructions
    /// The agent received this knowledge base entry as its best hit (`turn.context.knowledgeHits`).
    case knowledgeHit(id: String)

    // MARK: What the turn left behind (reported by a `TurnEffectProbe`; the kit's default
    // `OperatorRecordsProbe` reads the Actions Center's requests and takeovers)

    /// The turn created an Actions Center request (of this request type, when given).
    case actionCreated(type: String? = nil)
    /// An Actions Center request was resolved (`approved`, `denied` or `expired`, when given).
    case actionResolved(outcome: String? = nil)
    /// A human has the conversation (live takeover).
    case takeover
    /// Any effect a probe reports: of this kind (`TurnEffect.Kind.rawValue`), with these
    /// attributes among its own.
    case effect(kind: String, attributes: [String: String] = [:])

    public var description: String {
        switch self {
        case .contains(let text): return "a reply containing \"\(text)\""
        case .doesNotContain(let text): return "no reply containing \"\(text)\""
        case .matches(let pattern): return "a reply matching /\(pattern)/"
        case .replyCount(let count): return "\(count) repl\(count == 1 ? "y" : "ies")"
        case .silent: return "no reply"
        case .intent(let intent): return "intent \(intent)"
        case .stoppedBy(let name): return "an answer from middleware \(name)"
        case .escalation(let type, let amount):
            return "an escalation" + (type.map { " of type \($0)" } ?? "") + (amount.map { " for \(Self.number($0))" } ?? "")
        case .noEscalation: return "no escalation"
        case .orderIntent(let sku, let quantity):
            return "an order intent" + (sku.map { " for \(quantity.map { "\($0) × " } ?? "")\($0)" } ?? quantity.map { " of quantity \($0)" } ?? "")
        case .orderDiscount(let percent): return "an order intent with a \(Self.number(percent))% discount"
        case .noOrderIntent: return "no order intent"
        case .instruction(let text): return "an active instruction containing \"\(text)\" in the turn"
        case .noInstructions: return "no active instruction in the turn"
        case .knowledgeHit(let id): return "knowledge base entry \(id) as the best hit"
        case .actionCreated(let type): return "an Actions Center request created" + (type.map { " of type \($0)" } ?? "")
        case .actionResolved(let outcome): return "an Actions Center request resolved" + (outcome.map { " (\($0))" } ?? "")
        case .takeover: return "a human taking the conversation over"
        case .effect(let kind, let attributes):
            return "effect \(TurnEffect(kind: TurnEffect.Kind(rawValue: kind), attributes: attributes))"
        }
    }

    /// Whether the expectation can be checked from the replies alone, as a live channel shows them.
    public var isObservableOverChannel: Bool {
        switch self {
        case .contains, .doesNotContain, .matches, .replyCount, .silent: return true
        default: return false
        }
    }

    /// Whether `reply` meets the expectation.
    public func isMet(by reply: TurnReply) -> Bool {
        if case .met = check(reply) { return true }
        return false
    }

    /// The outcome of checking one expectation.
    public enum Outcome: Sendable, Hashable {
        case met
        /// Not met; what was found instead.
        case unmet(found: String)
        /// Cannot be checked on this reply (it was observed over a channel, which shows only texts).
        case unobservable
    }

    /// Checks the expectation against `reply`.
    public func check(_ reply: TurnReply) -> Outcome {
        if reply.observedOverChannel, !isObservableOverChannel { return .unobservable }
        let messages = reply.messages
        let response = reply.response
        func outcome(_ met: Bool, _ found: @autoclosure () -> String) -> Outcome { met ? .met : .unmet(found: found()) }
        switch self {
        case .contains(let text):
            return outcome(messages.contains { Self.fold($0).contains(Self.fold(text)) }, reply.describedReplies)
        case .doesNotContain(let text):
            return outcome(!messages.contains { Self.fold($0).contains(Self.fold(text)) }, reply.describedReplies)
        case .matches(let pattern):
            guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else {
                return .unmet(found: "an invalid regular expression")
            }
            return outcome(messages.contains { regex.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }, reply.describedReplies)
        case .replyCount(let count):
            return outcome(messages.count == count, reply.describedReplies)
        case .silent:
            return outcome(messages.isEmpty && reply.outbox.isEmpty, reply.describedReplies)
        case .intent(let intent):
            return outcome(response.intent == intent, "intent \(response.intent ?? "none")")
        case .stoppedBy(let name):
            return outcome(response.stoppedBy == name, response.stoppedBy.map { "an answer from \($0)" } ?? "an answer from the agent")
        case .escalation(let type, let amount):
            guard let escalation = response.escalation else { return .unmet(found: "no escalation") }
            let typeMatches = type.map { $0 == escalation.requestType } ?? true
            let amountMatches = amount.map { expected in escalation.requestedAmount.map { abs($0 - expected) < 0.000_1 } ?? false } ?? true
            return outcome(typeMatches && amountMatches, Self.describe(escalation))
        case .noEscalation:
            return outcome(response.escalation == nil, response.escalation.map(Self.describe) ?? "")
        case .orderIntent(let sku, let quantity):
            guard let order = response.orderIntent else { return .unmet(found: "no order intent") }
            let met = order.lines.contains { line in
                (sku.map { $0 == line.sku } ?? true) && (quantity.map { $0 == line.quantity } ?? true)
            }
            return outcome(met && !order.lines.isEmpty, Self.describe(order))
        case .orderDiscount(let percent):
            guard let order = response.orderIntent else { return .unmet(found: "no order intent") }
            return outcome(order.discountPercent.map { abs($0 - percent) < 0.000_1 } ?? false, Self.describe(order))
        case .noOrderIntent:
            return outcome(response.orderIntent == nil, response.orderIntent.map(Self.describe) ?? "")
        case .instruction(let text):
            guard let turn = reply.turn else { return .unmet(found: "the agent was not called (\(response.stoppedBy.map { "answered by \($0)" } ?? "no turn"))") }
            let instructions = turn.context.instructions
            return outcome(instructions.contains { Self.fold($0.text).contains(Self.fold(text)) }, Self.describe(instructions))
        case .noInstructions:
            guard let turn = reply.turn else { return .met }
            return outcome(turn.context.instructions.isEmpty, Self.describe(turn.context.instructions))
        case .knowledgeHit(let id):
            guard let turn = reply.turn else { return .unmet(found: "the agent was not called") }
            let hits = turn.context.knowledgeHits
            return outcome(
                hits.first?.entry.id == id,
                hits.isEmpty ? "no knowledge base hit" : "hits " + hits.map { "\($0.entry.id) (\(Self.number($0.score)))" }.joined(separator: ", "))
        case .actionCreated(let type):
            return effectOutcome(reply, kind: .actionCreated) { effect in type.map { effect.attributes["request_type"] == $0 } ?? true }
        case .actionResolved(let outcome):
            return effectOutcome(reply, kind: .actionResolved) { effect in outcome.map { effect.attributes["outcome"] == $0 } ?? true }
        case .takeover:
            return effectOutcome(reply, kind: .takeover) { _ in true }
        case .effect(let kind, let attributes):
            return effectOutcome(reply, kind: TurnEffect.Kind(rawValue: kind)) { effect in attributes.allSatisfy { effect.attributes[$0.key] == $0.value } }
        }
    }

    private func effectOutcome(_ reply: TurnReply, kind: TurnEffect.Kind, _ matches: (TurnEffect) -> Bool) -> Outcome {
        if reply.effects.contains(where: { $0.kind == kind && matches($0) }) { return .met }
        if reply.effects.isEmpty {
            return .unmet(found: "no effects reported (effects come from the TurnEffectProbes given to AgentTestKit.start; the default one reads the Actions Center's requests and takeovers)")
        }
        return .unmet(found: reply.effects.map(\.description).joined(separator: ", "))
    }

    static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(format: "%.2f", value)
    }

    static func describe(_ escalation: EscalationRequest) -> String {
        "an escalation of type \(escalation.requestType)" + (escalation.requestedAmount.map { " for \(number($0))" } ?? "")
    }

    static func describe(_ order: OrderIntent) -> String {
        "an order intent for " + order.lines.map { "\($0.quantity) × \($0.sku)" }.joined(separator: ", ")
            + (order.discountPercent.map { " with \(number($0))% off" } ?? "")
    }

    static func describe(_ instructions: [ConversationInstruction]) -> String {
        instructions.isEmpty ? "no active instruction" : "instructions " + instructions.map { "\"\($0.text)\"" }.joined(separator: ", ")
    }
}

/// The bot's answer to one customer message (or operator step) in a test.
public struct TurnReply: Sendable {
    /// What the customer sent (the step's name for an operator step).
    public var sent: String
    public var response: AgentResponse
    /// The replies as stored in the outbox (empty over a live channel).
    public var outbox: [OutboxEntry]
    /// The turn as the agent received it, after the middleware before it; `nil` when a
    /// middleware answered without calling the agent, when the message had nothing to answer,
    /// or when the reply was observed over a live channel.
    public var turn: Turn?
    /// What probes reported about the turn (Actions Center requests, takeover).
    public var effects: [TurnEffect]
    /// The reply was observed over a live channel: only its texts are known.
    public var observedOverChannel: Bool

    public init(
        sent: String, response: AgentResponse, outbox: [OutboxEntry] = [], turn: Turn? = nil, effects: [TurnEffect] = [],
        observedOverChannel: Bool = false
    ) {
        self.sent = sent
        self.response = response
        self.outbox = outbox
        self.turn = turn
        self.effects = effects
        self.observedOverChannel = observedOverChannel
    }

    /// The texts the bot sent, in order.
    public var messages: [String] { response.messages }
    /// All replies joined by newlines.
    public var text: String { messages.joined(separator: "\n") }

    var describedReplies: String {
        messages.isEmpty ? "no reply" : messages.map { "\"\($0)\"" }.joined(separator: " / ")
    }
}

/// A script expectation that was not met.
public struct ScriptFailure: Error, CustomStringConvertible, Sendable {
    /// The step's position in the script, from 1.
    public var step: Int
    public var sent: String
    public var expectation: ReplyExpectation
    public var replies: [String]
    public var intent: String?
    /// What was found instead, when the kit can say.
    public var found: String?

    public init(step: Int, sent: String, expectation: ReplyExpectation, replies: [String], intent: String?, found: String? = nil) {
        self.step = step
        self.sent = sent
        self.expectation = expectation
        self.replies = replies
        self.intent = intent
        self.found = found
    }

    public var description: String {
        let said = replies.isEmpty ? "no reply" : replies.map { "\"\($0)\"" }.joined(separator: " / ")
        // `found` adds something only when it is not the replies or the intent already shown.
        let extra = found.flatMap { $0 == said || $0 == "intent \(intent ?? "none")" ? nil : "; found \($0)" } ?? ""
        return "step \(step) (\"\(sent)\"): expected \(expectation), got \(said) [intent: \(intent ?? "-")]" + extra
    }
}

/// Every unmet expectation of a script.
public struct ScriptFailures: Error, CustomStringConvertible, Sendable {
    public var failures: [ScriptFailure]

    public init(failures: [ScriptFailure]) { self.failures = failures }

    public var description: String { failures.map(\.description).joined(separator: "\n") }
}

/// A misuse of the kit.
public struct ScriptError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(description: String) { self.description = description }
}
