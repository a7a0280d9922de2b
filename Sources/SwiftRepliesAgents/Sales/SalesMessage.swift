import SwiftRepliesCore

/// One customer message as the sales agent reads it: its tokens and language, the products and
/// quantity it names, and the signals of what the customer wants. Read once per message; the
/// agent decides from these facts and the conversation state.
struct SalesMessage: Sendable {
    let text: String
    let tokens: [String]
    let tokenSet: Set<String>
    let language: CustomerLanguage
    /// Whether the message itself shows its language (see `CustomerLanguage.detectWithEvidence`).
    let languageEvidence: Bool
    let named: [Product]
    let quantity: Int?
    let percent: Double?
    let asksPrice: Bool
    let wantsToOrder: Bool
    let returning: Bool
    let refund: Bool
    let complaint: Bool
    let discount: Bool
    let yes: Bool
    let no: Bool
    let thanks: Bool
    let greetingOnly: Bool
    let catalogue: Bool
    let asksAvailability: Bool
    let isQuestion: Bool
    /// Meaningful words beyond price, greeting and stop words.
    let topical: [String]
    /// A delivery place the message gives (`jounieh`), normalised.
    let place: String?

    /// Whether `named` came from "the second one" rather than a product's name.
    let namedByOrdinal: Bool
    /// The customer's name when the message gives it ("my name is Rita", "esme Rita", "اسمي ريتا").
    let name: String?

    /// Reads `text`; `state` resolves "the second one" to the products named last.
    init(_ text: String, agent: SalesAgent, state: SalesConversationState = .empty) {
        let lexicon = agent.lexicon
        self.text = text
        let tokens = TextNormalizer.tokens(text)
        self.tokens = tokens
        let tokenSet = Set(tokens)
        self.tokenSet = tokenSet
        (language, languageEvidence) = CustomerLanguage.detectWithEvidence(text, tokens: tokens)
        let matched = agent.products.match(tokens)
        if matched.isEmpty, let ordinal = tokens.lazy.compactMap({ SalesMessage.ordinals[$0] }).first, ordinal < state.products.count {
            named = [state.products[ordinal]]
            namedByOrdinal = true
            // "The second one" names a product, not a quantity.
            quantity = SalesAgent.quantity(in: tokens.filter { $0 != "one" && $0 != "wa7de" && $0 != "un" })
        } else {
            named = matched
            namedByOrdinal = false
            quantity = SalesAgent.quantity(in: tokens)
        }
        name = SalesMessage.name(in: tokens)
        percent = PercentExtractor.firstPercent(in: text)
        // "Combien de temps", "ad ma bkhalle", "how long": about time, not price.
        asksPrice = (!tokenSet.isDisjoint(with: lexicon.price) || lexicon.contains(lexicon.pricePhrases, in: tokens)) && tokenSet.isDisjoint(with: lexicon.time)
        returning = !tokenSet.isDisjoint(with: lexicon.returning)
        wantsToOrder = (!tokenSet.isDisjoint(with: lexicon.order) || lexicon.contains(lexicon.orderPhrases, in: tokens)) && !returning
        refund = !tokenSet.isDisjoint(with: lexicon.refund) || lexicon.contains(lexicon.refundPhrases, in: tokens)
        complaint = !tokenSet.isDisjoint(with: lexicon.complaint) || lexicon.contains(SalesAgent.notWorkingPhrases, in: tokens)
        discount = !tokenSet.isDisjoint(with: lexicon.discount) || (percent != nil && !tokenSet.isDisjoint(with: SalesAgent.offWords))
        yes = tokens.count <= 4 && !tokenSet.isDisjoint(with: lexicon.yes) && tokenSet.isDisjoint(with: lexicon.no) && tokenSet.isDisjoint(with: lexicon.thanks)
        no = tokens.count <= 3 && !tokenSet.isDisjoint(with: lexicon.no)
        thanks = !tokenSet.isDisjoint(with: lexicon.thanks)
            && tokens.allSatisfy { lexicon.thanks.contains($0) || lexicon.greeting.contains($0) || KnowledgeIndex.stopwords.contains($0) || SalesAgent.smallTalkWords.contains($0) || lexicon.yes.contains($0) }
        greetingOnly = tokens.allSatisfy { lexicon.greeting.contains($0) || KnowledgeIndex.stopwords.contains($0) || SalesMessage.howAreYou.contains($0) }
        catalogue = !tokenSet.isDisjoint(with: lexicon.catalogue) || lexicon.contains(lexicon.catalouguePhrases, in: tokens)
        asksAvailability = !tokenSet.isDisjoint(with: lexicon.availability) || lexicon.contains(lexicon.availabilityPhrases, in: tokens)
        isQuestion = SalesAgent.isQuestion(text, tokens: tokens)
        topical = tokens.filter {
            !lexicon.price.contains($0) && !lexicon.greeting.contains($0) && !KnowledgeIndex.stopwords.contains($0) && !SalesAgent.priceQuestionWords.contains($0)
        }
        place = tokens.first { lexicon.places.contains($0) }
        let productWords = Set(named.flatMap { agent.products.words(of: $0) })
        namesOnlyProducts = !named.isEmpty
            && topical.allSatisfy { productWords.contains($0) || SalesMessage.connectives.contains($0) || SalesMessage.ordinals[$0] != nil || $0 == "one" }
        asksCatalogue = catalogue && named.isEmpty
            && topical.allSatisfy { lexicon.catalogue.contains($0) || lexicon.availability.contains($0) || SalesMessage.catalogueFillers.contains($0) }
    }

    /// The message names products and nothing else ("serum violet", "and the kit?").
    let namesOnlyProducts: Bool
    /// The message asks what the shop sells, and nothing else.
    let asksCatalogue: Bool

    /// "The second one", "le deuxième", "el tene", "التاني".
    static let ordinals: [String: Int] = [
        "first": 0, "premier": 0, "premiere": 0, "awal": 0, "awwal": 0, "اول": 0, "second": 1, "deuxieme": 1, "tene": 1,
        "tani": 1, "tenye": 1, "تاني": 1, "ثاني": 1, "تانيه": 1, "third": 2, "troisieme": 2, "talet": 2, "تالت": 2, "ثالث": 2,
    ]

    /// The word after "my name is", "je m'appelle", "esme", "اسمي", capitalised.
    static func name(in tokens: [String]) -> String? {
        let openings: [[String]] = [["my", "name", "is"], ["name", "is"], ["je", "m", "appelle"], ["mon", "nom", "est"], ["esme"], ["ismi"], ["اسمي"]]
        for opening in openings where opening.count < tokens.count {
            for start in 0...(tokens.count - opening.count - 1) where tokens[start..<(start + opening.count)].elementsEqual(opening) {
                let words = tokens[(start + opening.count)...].prefix(1).filter { !KnowledgeIndex.stopwords.contains($0) && Int($0) == nil }
                guard !words.isEmpty else { continue }
                return words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
            }
        }
        return nil
    }

    /// "How are you", "ça va", "shlonak": with a greeting, still a greeting.
    static let howAreYou: Set<String> = ["how", "are", "r", "doing", "va", "cava", "shlonak", "shlonik", "ahwalak", "كيف", "الحال", "كيفك"]

    static let connectives: Set<String> = ["and", "et", "w", "wel", "و", "also", "aussi", "kamen", "كمان", "about", "parlez", "moi", "tell", "khabberne", "خبرني"]
    static let catalogueFillers: Set<String> = [
        "see", "show", "list", "voir", "montrer", "liste", "quels", "quelles", "quel", "what", "shu", "chou", "شو", "fi", "في", "sell", "vendez", "all", "tous", "kel",
    ]

    /// A message that only gives a quantity ("2", "2 please", "baddi 3", "j'en prends 3").
    var isBareQuantity: Bool {
        guard quantity != nil, named.isEmpty else { return false }
        return tokens.count <= 4 && !asksPrice && !refund && !complaint && !discount
    }
}
