import SwiftRepliesCore

/// Finds the catalogue products a message names, by name or alias, in any of the four languages.
struct ProductMatcher: Sendable {
    private struct Candidate: Sendable {
        var productIndex: Int
        var tokens: [String]
    }

    let products: [Product]
    private let candidates: [Candidate]

    init(products: [Product]) {
        self.products = products
        var candidates: [Candidate] = []
        for (index, product) in products.enumerated() {
            for phrase in [product.name, product.sku] + product.aliases {
                let tokens = TextNormalizer.tokens(phrase)
                if !tokens.isEmpty { candidates.append(Candidate(productIndex: index, tokens: tokens)) }
            }
        }
        self.candidates = candidates
    }

    /// The words of a product's name, sku and aliases, normalised.
    func words(of product: Product) -> [String] {
        guard let index = products.firstIndex(of: product) else { return [] }
        return candidates.filter { $0.productIndex == index }.flatMap(\.tokens)
    }

    /// Products named in `tokens`, in the order the customer names them ("the speaker and the
    /// power bank": the speaker first); where two start at the same word, the longer phrase
    /// first. Each product once.
    func match(_ tokens: [String]) -> [Product] {
        var best: [Int: Int] = [:]
        var first: [Int: Int] = [:]
        for candidate in candidates {
            let length = candidate.tokens.count
            guard length <= tokens.count else { continue }
            for start in 0...(tokens.count - length) {
                var matched = true
                for offset in 0..<length where !Self.same(tokens[start + offset], candidate.tokens[offset]) {
                    matched = false
                    break
                }
                if matched {
                    best[candidate.productIndex] = max(best[candidate.productIndex] ?? 0, length)
                    first[candidate.productIndex] = min(first[candidate.productIndex] ?? start, start)
                    break
                }
            }
        }
        return best.sorted { lhs, rhs in
            let (left, right) = (first[lhs.key] ?? 0, first[rhs.key] ?? 0)
            if left != right { return left < right }
            return lhs.value != rhs.value ? lhs.value > rhs.value : lhs.key < rhs.key
        }.map { products[$0.key] }
    }

    /// Equal, or the same word with a plural or article difference (`strip`/`strips`).
    private static func same(_ word: String, _ phrase: String) -> Bool {
        if word == phrase { return true }
        // A prefix relation needs the same first byte: most pairs end here, before counting characters.
        guard word.utf8.first == phrase.utf8.first else { return false }
        let (short, long) = word.count < phrase.count ? (word, phrase) : (phrase, word)
        guard short.count >= 3, long.hasPrefix(short) else { return false }
        let rest = long.dropFirst(short.count)
        if rest == "s" || rest == "es" || rest == "x" { return true }
        return short.count >= 4 && rest.count <= 2
    }
}
