/// A BM25 index over knowledge base entries (question, examples and category), with prefix
/// terms so that French and English word forms that share their first five letters
/// (`commande`, `commander`; `return`, `returns`) meet, a light stemming of Latin words
/// (`cards` → `card`, `opening` → `open`, `ships` → `ship`), and the agent's synonyms
/// (`shop` read as `store`). Forms that differ within their first five letters do not meet
/// (`livrer`, `livraison`) unless a synonym says so.
///
/// A hit's coverage counts only the query's words that some entry contains: words no entry
/// could contain ("exactly", a product name, `3andkon`) do not count against it.
///
/// Built once per agent definition (and again when entries change); searching is lock-free and
/// `Sendable`.
public struct KnowledgeIndex: Sendable {
    /// BM25 parameters.
    public struct Parameters: Sendable, Hashable {
        public var k1: Double = 1.2
        public var b: Double = 0.75
        /// How much a prefix-only match counts against an exact token match.
        public var prefixWeight: Double = 0.5
        /// Prefix length used for prefix terms (tokens at least this long get one).
        public var prefixLength: Int = 5
        /// Words read as another (`shop` → `store`), normalised; from the agent's `synonyms:`.
        public var synonyms: [String: String] = [:]
        /// Words that weigh less in a query (product names: "warranty on the S24" is about the
        /// warranty), and how much they weigh.
        public var weakWords: Set<String> = []
        public var weakWeight: Double = 0.3
        public init() {}

        /// Parameters for an agent: its synonyms (each listed word read as its key) and its
        /// product names as weak words.
        public init(agent: AgentDefinition) {
            var synonyms: [String: String] = [:]
            for (word, others) in agent.synonyms {
                guard let canonical = TextNormalizer.tokens(word).first else { continue }
                for other in others { for token in TextNormalizer.tokens(other) where token != canonical { synonyms[token] = canonical } }
            }
            self.synonyms = synonyms
            var weak: Set<String> = []
            for product in agent.catalogue {
                for phrase in [product.name, product.sku] + product.aliases { weak.formUnion(TextNormalizer.tokens(phrase)) }
            }
            self.weakWords = weak.subtracting(KnowledgeIndex.stopwords)
        }
    }

    private struct Document: Sendable {
        var termFrequencies: [String: Double]
        var length: Double
    }

    /// One document's frequency of a term.
    private struct Posting: Sendable {
        var document: Int
        var termFrequency: Double
    }

    /// A term's inverse document frequency and the documents that have it.
    private struct Postings: Sendable {
        var inverseDocumentFrequency: Double
        var documents: [Posting]
    }

    public let entries: [KnowledgeEntry]
    private let documents: [Document]
    private let postings: [String: Postings]
    /// Per document, BM25's length normalisation `k1 * (1 - b + b * length / averageLength)`.
    private let lengthNorms: [Double]
    private let parameters: Parameters

    public init(entries: [KnowledgeEntry], parameters: Parameters = Parameters()) {
        self.entries = entries
        self.parameters = parameters
        var documents: [Document] = []
        var postings: [String: [Posting]] = [:]
        for (index, entry) in entries.enumerated() {
            let text = ([entry.question] + entry.examples + [entry.category.replacingUnderscores()]).joined(separator: " \n ")
            let terms = Self.terms(TextNormalizer.tokens(text).map { Self.canonical($0, parameters: parameters) }, parameters: parameters)
            var counts: [String: Double] = [:]
            for (term, weight) in terms { counts[term, default: 0] += weight }
            for (term, frequency) in counts { postings[term, default: []].append(Posting(document: index, termFrequency: frequency)) }
            documents.append(Document(termFrequencies: counts, length: Double(terms.count)))
        }
        self.documents = documents
        let count = Double(documents.count)
        self.postings = postings.mapValues { list in
            let frequency = Double(list.count)
            return Postings(inverseDocumentFrequency: log(1 + (count - frequency + 0.5) / (frequency + 0.5)), documents: list)
        }
        let total = documents.reduce(0) { $0 + $1.length }
        let averageLength = documents.isEmpty ? 1 : max(1, total / Double(documents.count))
        self.lengthNorms = documents.map { parameters.k1 * (1 - parameters.b + parameters.b * $0.length / averageLength) }
    }

    /// The entries that match `query`, best first, with their scores; at most `limit`.
    ///
    /// Each query term is looked up once and scores the documents that have it (an inverted
    /// index), so a search costs the postings it touches, not the size of the knowledge base.
    public func search(_ query: String, limit: Int = 3, minimumScore: Double = 0.0001) -> [KnowledgeHit] {
        let words = TextNormalizer.tokens(query).filter { !Self.stopwords.contains($0) }
        let weak = Set(words.filter { parameters.weakWords.contains($0) })
        let queryTokens = Array(Set(words.map { Self.canonical($0, parameters: parameters) }))
        guard !queryTokens.isEmpty, !documents.isEmpty else { return [] }
        var unique: [String: Double] = [:]
        for token in queryTokens {
            let factor = weak.contains(token) ? parameters.weakWeight : 1
            for (term, weight) in Self.terms([token], parameters: parameters) { unique[term] = max(unique[term] ?? 0, weight * factor) }
        }
        var scores = [Double](repeating: 0, count: documents.count)
        for (term, queryWeight) in unique {
            guard let withTerm = postings[term] else { continue }
            for posting in withTerm.documents {
                let tf = posting.termFrequency
                scores[posting.document] += withTerm.inverseDocumentFrequency * (tf * (parameters.k1 + 1) / (tf + lengthNorms[posting.document])) * queryWeight
            }
        }
        var scored: [(Int, Double)] = []
        for index in scores.indices where scores[index] >= minimumScore { scored.append((index, scores[index])) }
        scored.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        // Coverage counts the query's words that some entry has, product names aside.
        let termsOfTokens = queryTokens.filter { !weak.contains($0) }.map { Self.terms([$0], parameters: parameters) }.filter { terms in terms.contains { postings[$0.0] != nil } }
        return scored.prefix(limit).map { index, score in
            let document = documents[index]
            let matched = termsOfTokens.filter { terms in terms.contains { document.termFrequencies[$0.0] != nil } }
            return KnowledgeHit(entry: entries[index], score: score, coverage: termsOfTokens.isEmpty ? 0 : Double(matched.count) / Double(termsOfTokens.count))
        }
    }

    /// A token as the index reads it: its synonym's key, else its light stem (Latin words of five
    /// letters or more lose a plural `s` or an `ing`: `cards` → `card`, `opening` → `open`).
    static func canonical(_ token: String, parameters: Parameters) -> String {
        if let synonym = parameters.synonyms[token] { return synonym }
        guard token.utf8.count >= 5, token.utf8.allSatisfy({ $0 < 0x80 }) else { return token }
        var stem = Substring(token)
        if stem.hasSuffix("s"), !stem.hasSuffix("ss"), !stem.hasSuffix("us") { stem = stem.dropLast() }
        if stem.utf8.count >= 6, stem.hasSuffix("ing") { stem = stem.dropLast(3) }
        return parameters.synonyms[String(stem)] ?? String(stem)
    }

    /// Exact tokens (weight 1) plus prefix terms (`~comma`, weight `prefixWeight`).
    private static func terms(_ tokens: [String], parameters: Parameters) -> [(String, Double)] {
        var terms: [(String, Double)] = []
        terms.reserveCapacity(tokens.count * 2)
        for token in tokens {
            terms.append((token, 1))
            if token.count >= parameters.prefixLength {
                terms.append(("~" + String(token.prefix(parameters.prefixLength)), parameters.prefixWeight))
            } else if token.count >= 4 {
                // Meant to let short words meet their longer forms (`ship`, `ships`), but those
                // have five letters or more and so a five-letter term (`~ships`): this only adds
                // weight to an exact four-letter match.
                terms.append(("~" + token, parameters.prefixWeight))
            }
        }
        return terms
    }

    /// Words too common to tell entries apart, in the four languages customers use.
    public static let stopwords: Set<String> = Set(rawStopwords.flatMap { TextNormalizer.tokens($0) })

    private static let rawStopwords: [String] = [
        // English
        "a", "an", "the", "is", "are", "was", "be", "to", "of", "and", "or", "in", "on", "for", "it", "i", "you", "we",
        "my", "your", "me", "do", "does", "can", "could", "will", "would", "what", "with", "at", "this", "that", "there",
        "please", "plz", "pls", "hi", "hello", "thanks", "thank", "any", "have", "has", "if", "so", "u", "ur",
        // French
        "le", "la", "les", "un", "une", "des", "de", "du", "et", "ou", "est", "je", "tu", "vous", "nous", "il", "elle",
        "ce", "ca", "que", "qui", "pour", "avec", "en", "au", "aux", "mon", "ma", "mes", "votre", "vos", "est-ce",
        "bonjour", "merci", "svp", "stp", "pas", "ne", "se", "sur", "dans", "on", "l", "d", "j", "c", "qu", "s",
        // Arabizi / Lebanese in Latin letters
        "el", "l", "w", "ya", "ana", "enta", "inte", "ente", "hal", "shi", "chi", "yalla", "marhaba", "merci", "ma",
        "3a", "3al", "men", "la", "b", "bi",
        // Arabic
        "في", "من", "على", "عن", "الى", "إلى", "الي", "ان", "أن", "هل", "ما", "و", "يا", "انا", "انت", "هذا", "هيدا",
        "مرحبا", "شكرا", "لو", "او", "مع", "اللي", "يلي",
    ]
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? " " : $0 })
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
