import Foundation

/// How urgent an Actions Center request is.
public enum ActionPriority: String, Sendable, Codable, Hashable, CaseIterable {
    case low, medium, high, urgent
}

/// A decision the agent may not take alone: the Actions Center asks a human.
public struct EscalationRequest: Sendable, Hashable {
    /// `discount_approval`, `refund`, `human_handoff`, or a module-defined type.
    public var requestType: String
    /// A human-readable summary ("Customer asks for 25% off the ECLA Whitening Kit").
    public var details: String
    /// The amount at stake (a discount in percent, a refund in money), when there is one.
    public var requestedAmount: Double?
    public var priority: ActionPriority
    /// Extra facts for the operator (product, sku, ...).
    public var context: [String: String]

    public init(requestType: String, details: String, requestedAmount: Double? = nil, priority: ActionPriority = .medium, context: [String: String] = [:]) {
        self.requestType = requestType
        self.details = details
        self.requestedAmount = requestedAmount
        self.priority = priority
        self.context = context
    }
}

/// One line of an order intent.
public struct OrderLine: Sendable, Hashable {
    public var sku: String
    public var name: String
    public var quantity: Int
    public var unitPrice: Decimal
    public var currency: String

    public init(sku: String, name: String, quantity: Int, unitPrice: Decimal, currency: String) {
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.currency = currency
    }
}

/// The customer wants to buy: what, how many, at which discount.
public struct OrderIntent: Sendable, Hashable {
    public var lines: [OrderLine]
    public var discountPercent: Double?

    public init(lines: [OrderLine], discountPercent: Double? = nil) {
        self.lines = lines
        self.discountPercent = discountPercent
    }
}

/// What an agent (and the middleware around it) answers for a turn.
public struct AgentResponse: Sendable, Hashable {
    /// Texts to send, in order.
    public var messages: [String]
    /// A decision to ask a human for (handled by the `actions_center` middleware).
    public var escalation: EscalationRequest?
    public var orderIntent: OrderIntent?
    /// A short label of how the answer was found (`greeting`, `price`, `faq:<id>`, `fallback`, ...),
    /// for logs, analytics and tests.
    public var intent: String?
    /// The middleware that stopped the chain, when one did.
    public var stoppedBy: String?
    /// Usage to count when the turn commits, in the turn's own transaction (`usage_limits` for
    /// a tenant without message limits: nothing to decide, only to count). A turn that fails and
    /// runs again is counted once.
    public var metering: MessageMetering?

    public init(messages: [String] = [], escalation: EscalationRequest? = nil, orderIntent: OrderIntent? = nil, intent: String? = nil, stoppedBy: String? = nil) {
        self.messages = messages
        self.escalation = escalation
        self.orderIntent = orderIntent
        self.intent = intent
        self.stoppedBy = stoppedBy
    }

    /// Nothing to say (a reaction, a human has the conversation, ...).
    public static func silent(stoppedBy: String? = nil, intent: String? = nil) -> AgentResponse {
        AgentResponse(intent: intent, stoppedBy: stoppedBy)
    }
}
