import SwiftRepliesCore

/// The four ways the seed tenants' customers write.
public enum CustomerLanguage: String, Sendable, Hashable, CaseIterable {
    case english = "en"
    case french = "fr"
    case arabic = "ar"
    /// Lebanese Arabic in Latin letters, digits for sounds (`2adde`, `3andkon`, `7elo`).
    case arabizi

    /// Guesses the language of a message from its script and marker words.
    public static func detect(_ text: String) -> CustomerLanguage {
        detect(text, tokens: TextNormalizer.tokens(text))
    }

    /// The same, for a caller that already has the text's tokens.
    public static func detect(_ text: String, tokens: [String]) -> CustomerLanguage {
        detectWithEvidence(text, tokens: tokens).language
    }

    /// The language and whether the text shows it: Arabic script, a French or Arabizi marker, or
    /// an English word. A short follow-up without any ("serum violet", "2") shows none; the
    /// conversation's language then applies.
    public static func detectWithEvidence(_ text: String, tokens: [String]) -> (language: CustomerLanguage, evidence: Bool) {
        var arabicLetters = 0
        var latinLetters = 0
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                // ASCII: only letters are alphabetic (no property look-up needed).
                if (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) { latinLetters += 1 }
            } else if (0x0600...0x06FF).contains(value) {
                arabicLetters += 1
            } else if scalar.properties.isAlphabetic {
                latinLetters += 1
            }
        }
        if arabicLetters > latinLetters { return (.arabic, true) }
        var french = 0
        var arabizi = 0
        for token in tokens {
            if frenchMarkers.contains(token) { french += 1 }
            if arabiziMarkers.contains(token) { arabizi += 1 }
            // Digits standing for Arabic sounds inside a word: 2adde, 3andak, 7elo, ma3ak.
            if writesSoundsWithDigits(token) { arabizi += 1 }
        }
        if text.unicodeScalars.contains(where: { Self.frenchAccents.contains($0.value) }) { french += 1 }
        if arabizi > 0, arabizi >= french { return (.arabizi, true) }
        if french > 0 { return (.french, true) }
        return (.english, tokens.contains { englishMarkers.contains($0) })
    }

    static let englishMarkers: Set<String> = [
        "the", "how", "what", "is", "are", "i", "you", "u", "want", "please", "pls", "price", "much", "do", "does", "can", "and", "my", "your",
        "where", "when", "hi", "hello", "thanks", "ok", "yes", "no", "get", "take", "tell", "me", "about", "have", "order", "need",
    ]

    /// Whether a token of more than two characters mixes letters with the digits Arabizi writes
    /// sounds with (2, 3, 5, 7). ASCII tokens, nearly all of them, are read byte by byte.
    static func writesSoundsWithDigits(_ token: String) -> Bool {
        var digit = false
        var letter = false
        var ascii = true
        var length = 0
        for byte in token.utf8 {
            length += 1
            switch byte {
            case UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "7"): digit = true
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): letter = true
            case 0x80...: ascii = false
            default: break
            }
        }
        guard digit else { return false }
        if ascii { return letter && length > 2 }
        return token.count > 2 && token.contains(where: { $0.isLetter })
    }

    /// é è ç à ê â î ô û ù ë ï
    static let frenchAccents: Set<UInt32> = [0xE9, 0xE8, 0xE7, 0xE0, 0xEA, 0xE2, 0xEE, 0xF4, 0xFB, 0xF9, 0xEB, 0xEF]

    static let frenchMarkers: Set<String> = [
        "bonjour", "bonsoir", "salut", "combien", "prix", "coute", "est", "vous", "je", "livraison", "merci", "produit", "produits",
        "voudrais", "veux", "commander", "acheter", "remise", "reduction", "quel", "quelle", "quand", "comment", "avez", "pour", "les",
        "des", "une", "svp", "oui", "non", "avec", "mon", "ma", "mes", "votre", "retour", "rembourse", "garantie", "paiement",
        "et", "le", "la", "du", "un", "moi", "ce", "ca", "sont", "heure", "prends", "faire", "passez", "parlez", "etes", "ouvrez",
        "exactement", "peux", "possible", "quoi", "garde", "laisse", "temps", "jours", "aussi", "bien", "merci", "beaucoup", "remboursez",
        "de", "il", "elle", "utiliser", "marche", "fils", "fille", "ans", "autonomie", "recu", "recue", "allume",
    ]
    static let arabiziMarkers: Set<String> = [
        "kif", "kifak", "kifik", "adde", "2adde", "addesh", "2addesh", "b2adde", "bi2adde", "baddi", "bade", "badde", "bde", "shu", "chu",
        "chou", "shou", "fi", "fee", "3andkon", "3andak", "3andik", "aandkon", "ndkon", "wen", "emta", "lezem", "mnih", "ktir", "kteer",
        "hayda", "hayde", "hek", "lesh", "leh", "mech", "mish", "msh", "ma3", "ma3ak", "w", "ya3ne", "yaane", "habibi", "tawsil",
        "sa3er", "se3er", "sa3r", "marhaba", "marhaba", "ahla", "3a", "3al", "bi", "kam", "khasm", "ta2sit", "raje3", "b", "eza", "iza",
        "ad", "adesh", "fiye", "fiyi", "lyom", "kel", "bas", "ghrad", "mahalkon", "kifkon", "yislamo", "akid", "eh", "bkhalle", "bhot",
        "btdoum", "natije", "snene", "ebne",
    ]
}
