import SwiftRepliesCore

/// Tells the language of a bot's reply (`en`, `fr`, `ar`, `arabizi`) for `language:` checks.
///
/// A reply is longer and better spelt than a customer's message, so this counts function words
/// rather than looking for a single marker: Arabic script when it has more Arabic letters than
/// Latin ones in lower-case words; otherwise the language with the most function words, English
/// on a tie. Product names, prices and list lines (`• name: price`) are in every language's
/// replies and count for none.
public enum ReplyLanguageDetector {
    public static func detect(_ text: String) -> String {
        // Lines of a list ("• ECLA Whitening Pen: 18 USD") are names and prices: no language.
        let prose = text.split(separator: "\n").filter { !$0.hasPrefix("•") }.joined(separator: "\n")
        var arabicLetters = 0
        var latinLetters = 0
        var accents = 0
        // Capitalised Latin words are names (ECLA, AstroSouks Pro, USD) as often as sentence
        // starts: only lower-case words count as Latin prose.
        for word in prose.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let capitalised = word.unicodeScalars.first.map { (0x41...0x5A).contains($0.value) } ?? false
            for scalar in word.unicodeScalars {
                let value = scalar.value
                if (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) {
                    if !capitalised { latinLetters += 1 }
                } else if (0x0600...0x06FF).contains(value) {
                    arabicLetters += 1
                } else if frenchAccents.contains(value) {
                    accents += 1
                    if !capitalised { latinLetters += 1 }
                }
            }
        }
        if arabicLetters > latinLetters { return "ar" }
        var english = 0
        var french = accents > 0 ? 1 : 0
        var arabizi = 0
        for token in TextNormalizer.tokens(prose) {
            if englishWords.contains(token) { english += 1 }
            if frenchWords.contains(token) { french += 1 }
            if arabiziWords.contains(token) || soundsWithDigits(token) { arabizi += 1 }
        }
        if arabizi > english, arabizi >= french { return "arabizi" }
        if french > english { return "fr" }
        return "en"
    }

    /// A word that writes Arabic sounds with digits (`2adde`, `3a`, `7elo`): letters and one of 2 3 5 7 8 9.
    static func soundsWithDigits(_ token: String) -> Bool {
        var digit = false
        var letter = false
        for byte in token.utf8 {
            switch byte {
            case UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "7"), UInt8(ascii: "8"), UInt8(ascii: "9"): digit = true
            case UInt8(ascii: "a")...UInt8(ascii: "z"): letter = true
            default: break
            }
        }
        return digit && letter
    }

    static let frenchAccents: Set<UInt32> = [0xE9, 0xE8, 0xE7, 0xE0, 0xEA, 0xE2, 0xEE, 0xF4, 0xFB, 0xF9, 0xEB, 0xEF, 0xC9]

    static let englishWords: Set<String> = [
        "the", "and", "you", "your", "is", "are", "to", "of", "for", "our", "we", "with", "in", "it", "can", "will", "this", "that",
        "have", "has", "i", "my", "be", "on", "or", "at", "here", "please", "what", "which", "would", "like", "costs", "order", "team",
        "sorry", "thank", "hi", "welcome", "how", "help", "today", "if", "from", "days", "delivery", "not", "don", "do", "yes", "no",
    ]
    static let frenchWords: Set<String> = [
        "le", "la", "les", "de", "des", "du", "et", "vous", "votre", "vos", "nous", "notre", "nos", "est", "une", "un", "au", "aux",
        "pour", "avec", "dans", "sur", "je", "ce", "cette", "que", "qui", "pas", "ne", "livraison", "commande", "bonjour", "merci",
        "coute", "prix", "jours", "oui", "non", "sont", "peut", "pouvez", "votre", "bienvenue", "aider", "produit", "produits",
    ]
    static let arabiziWords: Set<String> = [
        "w", "3a", "3al", "el", "fina", "fik", "fiki", "baddak", "baddik", "hayda", "hayde", "ktir", "men", "ma3", "ma3ak", "3anna",
        "hon", "lal", "shi", "chi", "iza", "eza", "akid", "ahla", "yalla", "se3ro", "b3atli", "ayya", "kif", "fine", "3enwen", "bel",
    ]
}
