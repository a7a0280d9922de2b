import SwiftRepliesCore

/// The words of an agent's catalogue (names, aliases, descriptions in every language) and of its
/// knowledge base's questions and examples. Built once per agent definition; the sales agent
/// asks it whether a customer names something the shop does not carry, and which products come
/// closest.
struct SalesVocabulary: Sendable {
    private let words: Set<String>
    /// The catalogue's words alone: what "do you sell X" is judged on.
    private let catalogueWords: Set<String>
    /// Per product, its words (name, aliases, descriptions), for the closest products.
    private let productWords: [[String]]

    init(definition: AgentDefinition) {
        var texts: [String] = []
        var productWords: [[String]] = []
        for product in definition.catalogue {
            let own = [product.name, product.sku, product.description] + product.aliases + Array(product.descriptionTranslations.values)
            texts += own
            productWords.append(own.flatMap { TextNormalizer.tokens($0) })
        }
        catalogueWords = Set(productWords.joined())
        for entry in definition.knowledgeBase {
            // Questions, not answers: an answer's passing words ("never in the car") are no topic.
            texts += [entry.question, entry.category] + entry.examples
        }
        let tokens = texts.flatMap { TextNormalizer.tokens($0) }
        words = Set(tokens)
        self.productWords = productWords
    }

    /// The meaningful words of `topical` that neither the catalogue nor the knowledge base
    /// contains, in any form, and that are no signal word of the lexicon; `nil` when none.
    /// `catalogueOnly` judges on the catalogue's words alone ("do you sell an iPhone?" is about
    /// products even when a knowledge base answer mentions iPhones).
    func unknownWords(_ topical: [String], lexicon: SalesLexicon, catalogueOnly: Bool = false) -> [String]? {
        let words = catalogueOnly ? catalogueWords : self.words
        let unknown = topical.filter { word in
            guard word.count >= 3, Int(word) == nil, !words.contains(word) else { return false }
            // A plural of a known word is known ("portables"); a longer word that only starts
            // like one is not ("playstation", "laptopet").
            for suffix in ["s", "es", "x"] where word.hasSuffix(suffix) && words.contains(String(word.dropLast(suffix.count))) { return false }
            // A typo of a known word ("jomle" for "jemle") is known; a longer word is not ("iphone").
            if word.count >= 5, words.contains(where: { $0.utf8.count == word.utf8.count && Self.withinOneEdit(word, $0) }) { return false }
            return !lexicon.availability.contains(word) && !lexicon.order.contains(word) && !lexicon.catalogue.contains(word)
                && !lexicon.greeting.contains(word) && !lexicon.yes.contains(word) && !SalesVocabulary.fillers.contains(word)
        }
        return unknown.isEmpty ? nil : unknown
    }

    /// Up to three products that share a word start (four letters) with `topical`, best first;
    /// the first three of the catalogue when none does.
    func closestProducts(to topical: [String], in catalogue: [Product]) -> [Product] {
        let stems = Set(topical.filter { $0.count >= 4 }.map { String($0.prefix(4)) })
        var scored: [(Int, Int)] = []
        for (index, words) in productWords.enumerated() where index < catalogue.count {
            let score = Set(words.filter { $0.count >= 4 }.map { String($0.prefix(4)) }).intersection(stems).count
            if score > 0 { scored.append((index, score)) }
        }
        scored.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        let closest = scored.prefix(3).map { catalogue[$0.0] }
        return closest.isEmpty ? Array(catalogue.prefix(3)) : closest
    }

    /// Whether `a` and `b` differ by at most one substitution, insertion or deletion.
    static func withinOneEdit(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        guard abs(a.count - b.count) <= 1 else { return false }
        var i = 0
        var j = 0
        var edits = 0
        while i < a.count, j < b.count {
            if a[i] == b[j] {
                i += 1
                j += 1
                continue
            }
            edits += 1
            if edits > 1 { return false }
            if a.count > b.count { i += 1 } else if a.count < b.count { j += 1 } else {
                i += 1
                j += 1
            }
        }
        return edits + (a.count - i) + (b.count - j) <= 1
    }

    /// Words customers add around a product question that name no product.
    static let fillers: Set<String> = [
        "guys", "any", "some", "also", "still", "now", "please", "pls", "plz", "here", "there", "aussi", "encore", "des", "hon", "kamen", "ba3d",
        "kamen", "كمان", "هلق", "halla2", "sell", "have",
    ]
}
