import Foundation

/// A product of an agent's catalogue.
public struct Product: Sendable, Hashable {
    public var sku: String
    public var name: String
    /// Other names customers use for it, in any language (matched like the name).
    public var aliases: [String]
    public var price: Decimal
    public var currency: String
    public var description: String
    /// The description per language (`fr`, `ar`, ...), where the YAML gives it.
    public var descriptionTranslations: [String: String]

    public init(
        sku: String, name: String, aliases: [String] = [], price: Decimal, currency: String, description: String,
        descriptionTranslations: [String: String] = [:]
    ) {
        self.sku = sku
        self.name = name
        self.aliases = aliases
        self.price = price
        self.currency = currency
        self.description = description
        self.descriptionTranslations = descriptionTranslations
    }

    /// The description in `language` (`en`, `fr`, `ar`, `arabizi`), or the default one.
    public func description(in language: String) -> String { descriptionTranslations[language] ?? description }

    /// The price as customers read it: `49 USD`, `12.50 USD`.
    public var formattedPrice: String { Money.format(price, currency: currency) }
}

/// Formatting of amounts of money without locale surprises.
public enum Money {
    /// `49 USD` for whole amounts, `12.50 USD` otherwise.
    public static func format(_ amount: Decimal, currency: String) -> String {
        var rounded = Decimal()
        var value = amount
        NSDecimalRound(&rounded, &value, 2, .bankers)
        let number = NSDecimalNumber(decimal: rounded)
        let whole = number.doubleValue.rounded() == number.doubleValue
        let text = whole ? String(Int64(number.doubleValue)) : String(format: "%.2f", number.doubleValue)
        return "\(text) \(currency)"
    }
}

/// One question-and-answer entry of a knowledge base.
public struct KnowledgeEntry: Sendable, Hashable, Identifiable {
    /// Stable identifier (from YAML, or `db-<n>` for entries added through the API).
    public var id: String
    public var category: String
    public var question: String
    public var answer: String
    /// Alternate phrasings of the question, in any language, that should find this entry.
    public var examples: [String]
    /// The answer per language (`fr`, `ar`, ...), where the YAML gives it.
    public var answerTranslations: [String: String]

    public init(id: String, category: String, question: String, answer: String, examples: [String] = [], answerTranslations: [String: String] = [:]) {
        self.id = id
        self.category = category
        self.question = question
        self.answer = answer
        self.examples = examples
        self.answerTranslations = answerTranslations
    }

    /// The answer in `language` (`en`, `fr`, `ar`, `arabizi`), or the default one.
    public func answer(in language: String) -> String { answerTranslations[language] ?? answer }
}

/// What an agent may not decide alone, and how long a human has to decide.
public struct EscalationPolicy: Sendable, Hashable {
    /// The largest discount, in percent, the agent may grant without a human; `nil` means none.
    public var maxDiscountPercent: Double?
    /// Words or phrases that make the agent hand the conversation to a human.
    public var humanKeywords: [String]
    /// How long an Actions Center request waits for a decision before it expires.
    public var actionTTLSeconds: Int

    public init(maxDiscountPercent: Double? = nil, humanKeywords: [String] = [], actionTTLSeconds: Int = 3600) {
        self.maxDiscountPercent = maxDiscountPercent
        self.humanKeywords = humanKeywords
        self.actionTTLSeconds = actionTTLSeconds
    }
}

extension AgentDefinition {
    /// The greeting in `language`, or the default one.
    public func greeting(in language: String) -> String { greetingTranslations[language] ?? greeting }
    /// The fallback in `language`, or the default one.
    public func fallback(in language: String) -> String { fallbackTranslations[language] ?? fallback }
}

/// An agent definition, loaded from `agents/<id>.yaml`.
public struct AgentDefinition: Sendable, Hashable {
    public var id: AgentID
    /// The agent module that runs this definition (`sales`, `http`, `llm`, or a custom one).
    public var module: String
    public var name: String
    public var persona: String
    public var greeting: String
    /// What the agent says when it cannot answer; never an invented fact.
    public var fallback: String
    /// The greeting per language (`fr`, `ar`, ...), where the YAML gives it.
    public var greetingTranslations: [String: String] = [:]
    /// The fallback per language, where the YAML gives it.
    public var fallbackTranslations: [String: String] = [:]
    /// Words a customer may write for another, per agent (`synonyms:` in YAML): each key's
    /// words are read as the key (`shop: [store, boutique, ma7al]`).
    public var synonyms: [String: [String]] = [:]
    public var currency: String
    public var catalogue: [Product]
    public var knowledgeBase: [KnowledgeEntry]
    /// Middleware names, outermost first, exactly as the YAML lists them.
    public var middleware: [String]
    public var escalation: EscalationPolicy
    /// Module-specific settings (`settings:` in YAML).
    public var settings: ConfigValue
    /// The file the definition was read from, for messages.
    public var sourceFile: String

    public init(
        id: AgentID, module: String, name: String, persona: String = "", greeting: String = "",
        fallback: String = "Sorry, I don't know that yet. A member of our team will get back to you.",
        currency: String = "USD", catalogue: [Product] = [], knowledgeBase: [KnowledgeEntry] = [],
        middleware: [String] = [], escalation: EscalationPolicy = EscalationPolicy(),
        settings: ConfigValue = .map([:]), sourceFile: String = ""
    ) {
        self.id = id
        self.module = module
        self.name = name
        self.persona = persona
        self.greeting = greeting
        self.fallback = fallback
        self.currency = currency
        self.catalogue = catalogue
        self.knowledgeBase = knowledgeBase
        self.middleware = middleware
        self.escalation = escalation
        self.settings = settings
        self.sourceFile = sourceFile
    }
}
