import Foundation
import SwiftRepliesCore

/// The built-in `sales` module: a catalogue-and-knowledge-base sales agent that needs no network.
///
/// It answers as a shop assistant would, in this order: a complaint or refund request, a request
/// for a person, a discount, an order, a price, a knowledge base answer, small talk, and the
/// agent's fallback, never an invented price. A product the shop does not carry gets a plain
/// "we don't sell that" with the closest products it does sell. Customers may write English,
/// French, Arabic or Arabizi; every answer is in their language where the agent's YAML gives the
/// text in it (the default language otherwise). Follow-ups ("how much?", "2", "yes") resolve
/// against the conversation state, rebuilt each turn from the stored history the turn carries.
///
/// Settings (`settings:` in the agent YAML): `knowledge_min_score` (default 2.0), the BM25 score
/// a knowledge base hit needs to be used as the answer, and `knowledge_confident_score`
/// (default 4.5): below it, the entry must also contain at least half of the question's words
/// that the knowledge base knows (so "do you sell cars?" does not get the wholesale answer).
public struct SalesAgent: AgentModule {
    public let definition: AgentDefinition
    let lexicon = SalesLexicon.standard
    let products: ProductMatcher
    let minimumKnowledgeScore: Double
    let confidentKnowledgeScore: Double
    let humanPhrases: [[String]]
    /// The words of the catalogue and of the knowledge base, to tell a product the shop does
    /// not carry from a question it can answer; computed once per definition.
    let vocabulary: SalesVocabulary

    public init(definition: AgentDefinition) {
        self.definition = definition
        self.products = ProductMatcher(products: definition.catalogue)
        self.minimumKnowledgeScore = definition.settings["knowledge_min_score"]?.numberValue ?? 2.0
        self.confidentKnowledgeScore = definition.settings["knowledge_confident_score"]?.numberValue ?? 4.5
        self.humanPhrases = definition.escalation.humanKeywords.map { TextNormalizer.tokens($0) }.filter { !$0.isEmpty } + SalesLexicon.standard.humanPhrases
        self.vocabulary = SalesVocabulary(definition: definition)
    }

    /// The recent history the conversation state is rebuilt from (customer and bot messages).
    public var historyLimit: Int { 12 }

    public func respond(to turn: Turn) async throws -> AgentResponse {
        if case .actionResolved(let resolution) = turn.trigger {
            return resolved(resolution, turn: turn)
        }
        let text = turn.text
        guard !TextNormalizer.tokens(text).isEmpty else {
            // Only emoji or punctuation ("👍", "?"): greet rather than ignore the customer.
            if text.trimmingCharactersInWhitespace().isEmpty { return .silent(intent: "empty") }
            let language = turn.history.last { $0.direction == .inbound }?.text.map { CustomerLanguage.detect($0) } ?? .english
            return AgentResponse(messages: [greeting(language)], intent: "greeting")
        }
        let state = SalesConversationState.rebuilt(from: turn.history, agent: self)
        let message = SalesMessage(text, agent: self, state: state)
        let response = decide(message, state: state, hits: turn.context.knowledgeHits).response
        turn.logger.debug(
            "sales agent answered",
            metadata: ["agent.intent": "\(response.intent ?? "none")", "agent.language": "\(message.language.rawValue)", "agent.product": "\(state.product?.sku ?? "-")"])
        // The Actions Center cannot take a request now (feature off, or the day's limit reached):
        // say so instead of promising that a person will decide.
        if let escalation = response.escalation, let availability = turn.context.notes[ActionsCenterNotes.availability] {
            let limit = escalation.requestType == "discount_approval" ? (definition.escalation.maxDiscountPercent ?? 0) : 0
            return AgentResponse(
                messages: [SalesPhrases(language: message.language).escalationUnavailable(today: availability == ActionsCenterNotes.dailyLimitReached, offerPercent: limit)],
                intent: "\(escalation.requestType).unavailable"
            )
        }
        return response
    }

    /// The greeting in `language`, or a generic one when the agent has none.
    func greeting(_ language: CustomerLanguage) -> String {
        let text = definition.greeting(in: language.rawValue)
        return text.isEmpty ? definition.fallback(in: language.rawValue) : text
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

    /// The knowledge base hit good enough to answer with, if any.
    func acceptedHit(_ hits: [KnowledgeHit], message: SalesMessage) -> KnowledgeHit? {
        guard let hit = hits.first, !message.topical.isEmpty, hit.score >= minimumKnowledgeScore else { return nil }
        return hit.coverage >= 0.5 || hit.score >= confidentKnowledgeScore ? hit : nil
    }

    /// Order lines for `products`, `quantity` each.
    func lines(_ products: [Product], quantity: Int) -> [OrderLine] {
        products.prefix(3).map { OrderLine(sku: $0.sku, name: $0.name, quantity: quantity, unitPrice: $0.price, currency: $0.currency) }
    }

    /// The total of `lines`, formatted.
    func total(_ lines: [OrderLine]) -> String {
        let total = lines.reduce(Decimal(0)) { $0 + $1.unitPrice * Decimal($1.quantity) }
        return Money.format(total, currency: lines.first?.currency ?? definition.currency)
    }

    /// The words of a price question that say nothing about its topic ("how much", "ad eh").
    static let priceQuestionWords: Set<String> = ["how", "much", "ad", "ma", "eh", "ha2", "haq", "حق"]
    /// With a percentage, a discount request ("20% off").
    static let offWords: Set<String> = ["off", "moins"]
    /// "Not working" in the four languages: a complaint.
    static let notWorkingPhrases: [[String]] = [
        ["not", "working"], ["doesnt", "work"], ["stopped", "working"], ["ne", "marche", "pas"], ["marche", "plus"], ["ma", "3am", "yeshteghlo"],
        ["ma", "3am", "teshteghel"], ["ما", "عم", "يشتغل"], ["ما", "عم", "تشتغل"],
    ]
    /// Words of small talk around thanks ("ok thank you so much").
    static let smallTalkWords: Set<String> = ["a", "lot", "so", "much", "very", "beaucoup", "ktir", "kteer", "كتير", "كثير", "bro", "habibi", "🙏"]
    /// Words that open a question.
    static let questionOpenings: Set<String> = [
        "can", "could", "do", "does", "is", "are", "how", "what", "when", "where", "why", "which", "est", "peut", "peux", "puis",
        "comment", "quand", "ou", "pourquoi", "fi", "hal", "fine", "feene", "fiye", "kif", "shu", "chou", "emta", "wen", "هل", "فيني", "كيف", "شو", "متى", "وين",
    ]
    /// Quantities written as words.
    static let quantityWords: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
        "wa7de": 1, "tnein": 2, "tnen": 2, "tlete": 3, "arb3a": 4, "khamse": 5, "واحد": 1, "اثنين": 2, "تنين": 2, "ثلاثه": 3, "تلاته": 3,
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
