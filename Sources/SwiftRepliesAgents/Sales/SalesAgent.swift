import Foundation
import SwiftRepliesCore

/// The built-in `sales` module: a catalogue-and-knowledge-base sales agent that needs no network.
///
/// It greets, answers product and price questions naming the product and its catalogue price,
/// answers FAQs from the knowledge base hits the `knowledge_base` middleware found, records order
/// intents, grants discounts up to the agent's limit and asks the Actions Center above it, hands
/// a conversation to a human on the agent's keywords, and answers everything else with the
/// agent's fallback: never an invented price. Customers may write English, French, Arabic or
/// Arabizi; the frame of each answer follows their language.
///
/// Settings (`settings:` in the agent YAML): `knowledge_min_score` (default 2.5), the BM25 score
/// a knowledge base hit needs to be used as the answer, and `knowledge_confident_score`
/// (default 4.5): below it, the entry must also contain more than half of the question's
/// meaningful words (so "do you sell cars?" does not get the wholesale answer).
public struct SalesAgent: AgentModule {
    public let definition: AgentDefinition
    let lexicon = SalesLexicon.standard
    let products: ProductMatcher
    let minimumKnowledgeScore: Double
    let confidentKnowledgeScore: Double
    private let humanPhrases: [[String]]

    public init(definition: AgentDefinition) {
        self.definition = definition
        self.products = ProductMatcher(products: definition.catalogue)
        self.minimumKnowledgeScore = definition.settings["knowledge_min_score"]?.numberValue ?? 2.5
        self.confidentKnowledgeScore = definition.settings["knowledge_confident_score"]?.numberValue ?? 4.5
        self.humanPhrases = definition.escalation.humanKeywords.map { TextNormalizer.tokens($0) }.filter { !$0.isEmpty }
    }

    /// The sales agent answers each customer turn from its own words, so it needs no history (a
    /// database read saved per turn). For an Actions Center resolution it reads the language of
    /// the latest customer message from the history (resolution turns always carry some).
    public var historyLimit: Int { 0 }

    public func respond(to turn: Turn) async throws -> AgentResponse {
        if case .actionResolved(let resolution) = turn.trigger {
            return resolved(resolution, turn: turn)
        }
        let response = answer(turn)
        // The Actions Center cannot take a request now (feature off, or the day's limit reached):
        // say so instead of promising that a person will decide.
        if let escalation = response.escalation, let availability = turn.context.notes[ActionsCenterNotes.availability] {
            let phrases = SalesPhrases(language: CustomerLanguage.detect(turn.text))
            let limit = escalation.requestType == "discount_approval" ? (definition.escalation.maxDiscountPercent ?? 0) : 0
            return AgentResponse(
                messages: [phrases.escalationUnavailable(today: availability == ActionsCenterNotes.dailyLimitReached, offerPercent: limit)],
                intent: "\(escalation.requestType).unavailable"
            )
        }
        return response
    }

    /// Tells the customer an operator's decision, in the language of their last message (this
    /// turn's, when an earlier approval decided at once). An approved discount is applied to the
    /// order intent (on the product the request named).
    private func resolved(_ resolution: ActionResolution, turn: Turn) -> AgentResponse {
        let latest = turn.text.isEmpty ? turn.history.last(where: { $0.direction == .inbound })?.text ?? "" : turn.text
        let language = CustomerLanguage.detect(latest)
        let sku = turn.context.notes[ActionsCenterNotes.factPrefix + "sku"]
        let product = sku.flatMap { sku in definition.catalogue.first { $0.sku == sku } }
        var orderIntent: OrderIntent?
        if resolution.outcome == .approved, resolution.requestType == "discount_approval", let percent = resolution.requestedAmount {
            let lines = product.map { [OrderLine(sku: $0.sku, name: $0.name, quantity: 1, unitPrice: $0.price, currency: $0.currency)] } ?? []
            orderIntent = OrderIntent(lines: lines, discountPercent: percent)
        }
        return AgentResponse(
            messages: [SalesPhrases(language: language).resolution(resolution, product: product)], orderIntent: orderIntent,
            intent: "action.\(resolution.outcome.rawValue)"
        )
    }

    /// The answer to the customer's words.
    private func answer(_ turn: Turn) -> AgentResponse {
        let text = turn.text
        let tokens = TextNormalizer.tokens(text)
        guard !tokens.isEmpty else {
            // Only emoji or punctuation ("👍", "?"): greet rather than ignore the customer.
            if text.trimmingCharactersInWhitespace().isEmpty { return .silent(intent: "empty") }
            return AgentResponse(messages: [definition.greeting.isEmpty ? definition.fallback : definition.greeting], intent: "greeting")
        }
        let language = CustomerLanguage.detect(text, tokens: tokens)
        let phrases = SalesPhrases(language: language)
        let tokenSet = Set(tokens)
        let named = products.match(tokens)

        if lexicon.contains(humanPhrases, in: tokens) {
            return AgentResponse(
                messages: [phrases.humanHandoff],
                escalation: EscalationRequest(requestType: "human_handoff", details: "Customer asks for a person: \"\(text)\"", priority: .high),
                intent: "human_handoff"
            )
        }
        // Words beyond "how much" and greetings: a bare price question is about products.
        let topical = tokens.filter {
            !lexicon.price.contains($0) && !lexicon.greeting.contains($0) && !KnowledgeIndex.stopwords.contains($0) && !Self.priceQuestionWords.contains($0)
        }
        let bestHit = turn.context.knowledgeHits.first.flatMap {
            $0.score >= minimumKnowledgeScore && ($0.coverage > 0.5 || $0.score >= confidentKnowledgeScore) && !topical.isEmpty ? $0 : nil
        }
        // "Can I buy it in installments?" asks about a policy; "I want 2 pens" places an order.
        let asksQuestion = Self.isQuestion(text, tokens: tokens)
        let knowledgeFirst = asksQuestion && (bestHit?.score ?? 0) >= confidentKnowledgeScore

        if !tokenSet.isDisjoint(with: lexicon.refund), !knowledgeFirst {
            return AgentResponse(
                messages: [phrases.refundEscalated],
                escalation: EscalationRequest(requestType: "refund", details: "Customer asks for a refund: \"\(text)\"", priority: .high),
                intent: "refund"
            )
        }
        let percent = PercentExtractor.firstPercent(in: text)
        if !tokenSet.isDisjoint(with: lexicon.discount) || (percent != nil && !tokenSet.isDisjoint(with: Self.offWords)) {
            return discount(percent: percent, named: named, text: text, phrases: phrases)
        }

        let asksPrice = !tokenSet.isDisjoint(with: lexicon.price) || lexicon.contains(lexicon.pricePhrases, in: tokens)
        let wantsToOrder = !tokenSet.isDisjoint(with: lexicon.order) && tokenSet.isDisjoint(with: lexicon.returning)

        if !named.isEmpty, wantsToOrder, !knowledgeFirst {
            let quantity = Self.quantity(in: tokens) ?? 1
            let lines = named.prefix(3).map { OrderLine(sku: $0.sku, name: $0.name, quantity: quantity, unitPrice: $0.price, currency: $0.currency) }
            let total = lines.reduce(Decimal(0)) { $0 + $1.unitPrice * Decimal($1.quantity) }
            let currency = lines.first?.currency ?? definition.currency
            return AgentResponse(messages: [phrases.order(Array(lines), total: Money.format(total, currency: currency))], orderIntent: OrderIntent(lines: Array(lines)), intent: "order")
        }
        if !named.isEmpty, asksPrice || bestHit == nil {
            return AgentResponse(messages: named.prefix(3).map { phrases.price($0) }, intent: "price")
        }
        if let bestHit {
            return AgentResponse(messages: [bestHit.entry.answer], intent: "faq:\(bestHit.entry.id)")
        }
        if asksPrice, !definition.catalogue.isEmpty {
            return AgentResponse(messages: [phrases.whichProduct(definition.catalogue)], intent: "price.which_product")
        }
        if !definition.catalogue.isEmpty, !tokenSet.isDisjoint(with: lexicon.catalogue) || lexicon.contains(lexicon.catalouguePhrases, in: tokens) {
            return AgentResponse(messages: [phrases.catalogue(definition.catalogue)], intent: "catalogue")
        }
        if tokens.allSatisfy({ lexicon.greeting.contains($0) || KnowledgeIndex.stopwords.contains($0) }) {
            return AgentResponse(messages: [definition.greeting.isEmpty ? "Hello! How can I help you?" : definition.greeting], intent: "greeting")
        }
        return AgentResponse(messages: [definition.fallback], intent: "fallback")
    }

    private func discount(percent: Double?, named: [Product], text: String, phrases: SalesPhrases) -> AgentResponse {
        let limit = definition.escalation.maxDiscountPercent ?? 0
        let productNote = named.first.map { " on \($0.name) (\($0.sku))" } ?? ""
        guard let percent else {
            if limit > 0 { return AgentResponse(messages: [phrases.discountMaximum(limit)], intent: "discount.offer") }
            return AgentResponse(
                messages: [phrases.discountEscalated(0)],
                escalation: EscalationRequest(requestType: "discount_approval", details: "Customer asks for a discount\(productNote): \"\(text)\""),
                intent: "discount.escalated"
            )
        }
        if percent <= limit {
            let lines = named.prefix(3).map { OrderLine(sku: $0.sku, name: $0.name, quantity: 1, unitPrice: $0.price, currency: $0.currency) }
            return AgentResponse(
                messages: [phrases.discountGranted(percent)], orderIntent: lines.isEmpty ? nil : OrderIntent(lines: Array(lines), discountPercent: percent),
                intent: "discount.granted"
            )
        }
        var context = ["limit_percent": SalesPhrases.percent(limit)]
        if let product = named.first {
            context["sku"] = product.sku
            context["product"] = product.name
        }
        return AgentResponse(
            messages: [phrases.discountEscalated(percent)],
            escalation: EscalationRequest(
                requestType: "discount_approval", details: "Customer asks for a \(SalesPhrases.percent(percent)) discount\(productNote); the agent may grant \(SalesPhrases.percent(limit))",
                requestedAmount: percent, priority: percent >= 2 * max(limit, 1) ? .high : .medium, context: context
            ),
            intent: "discount.escalated"
        )
    }

    /// The words of a price question that say nothing about its topic ("how much", "ad eh").
    static let priceQuestionWords: Set<String> = ["how", "much", "ad", "ma", "eh"]
    /// With a percentage, a discount request ("20% off").
    static let offWords: Set<String> = ["off", "moins"]
    /// Words that open a question.
    static let questionOpenings: Set<String> = [
        "can", "could", "do", "does", "is", "are", "how", "what", "when", "where", "why", "which", "est", "peut", "peux", "puis",
        "comment", "quand", "ou", "pourquoi", "fi", "hal", "fine", "feene", "kif", "shu", "chou", "emta", "wen", "هل", "فيني", "كيف", "شو", "متى", "وين",
    ]
    /// Quantities written as words.
    static let quantityWords: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
        "wa7de": 1, "tnein": 2, "tnen": 2, "tlete": 3, "arb3a": 4, "khamse": 5, "واحد": 1, "اثنين": 2, "تنين": 2, "ثلاثة": 3, "تلاتة": 3,
    ]

    /// Whether the customer asks rather than tells: a question mark (Latin or Arabic `؟`) or a
    /// question opening.
    static func isQuestion(_ text: String, tokens: [String]) -> Bool {
        // "?" is 0x3F; "؟" (U+061F) is 0xD8 0x9F in UTF-8, and 0x9F follows 0xD8 only there.
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "?") || (previous == 0xD8 && byte == 0x9F) { return true }
            previous = byte
        }
        guard let first = tokens.first else { return false }
        return questionOpenings.contains(first)
    }

    /// A small quantity (1-50) written as a digit or a number word.
    static func quantity(in tokens: [String]) -> Int? {
        for token in tokens {
            if let value = Int(token), (1...50).contains(value) { return value }
            if token.hasPrefix("x"), let value = Int(token.dropFirst()), (1...50).contains(value) { return value }
            if token.hasSuffix("x"), let value = Int(token.dropLast()), (1...50).contains(value) { return value }
            if let value = quantityWords[token] { return value }
        }
        return nil
    }
}
