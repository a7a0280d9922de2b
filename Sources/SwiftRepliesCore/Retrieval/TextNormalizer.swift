/// Turns customer text in English, French, Arabic and Arabizi into comparable tokens.
///
/// Lower-cases, folds Latin diacritics (`é` → `e`), normalises Arabic letter variants
/// (`أإآ` → `ا`, `ة` → `ه`, `ى` → `ي`, no tatweel or harakat), splits on anything that is not a
/// letter or digit (so Arabizi `2adde` stays one token), and drops the articles `ال`, `el`, `l'`.
public enum TextNormalizer {
    /// Tokens of `text`, in order, duplicates kept.
    public static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        var current = String.UnicodeScalarView()
        var startsArabic = false
        func flush() {
            guard !current.isEmpty else { return }
            let token = String(current)
            result.append(startsArabic ? stripArticle(token) : token)
            current = String.UnicodeScalarView()
        }
        for scalar in text.lowercased().unicodeScalars {
            let value = scalar.value
            // Lower-case ASCII letters and digits, most of what customers type, need no folding.
            if (0x61...0x7A).contains(value) || (0x30...0x39).contains(value) {
                if current.isEmpty { startsArabic = false }
                current.append(scalar)
                continue
            }
            // Every other ASCII scalar (spaces, punctuation, the apostrophe) ends a token: no
            // table or Unicode property look-up for them.
            if value < 0x80 {
                flush()
                continue
            }
            switch fold(scalar) {
            case .separator:
                flush()
            case .drop:
                continue
            case .scalar(let folded):
                if current.isEmpty { startsArabic = (0x0600...0x06FF).contains(folded.value) }
                current.append(folded)
            case .text(let folded):
                if current.isEmpty { startsArabic = false }
                current.append(contentsOf: folded.unicodeScalars)
            }
        }
        flush()
        return result
    }

    /// The text normalised as one string of tokens separated by single spaces.
    public static func normalized(_ text: String) -> String {
        tokens(text).joined(separator: " ")
    }

    /// What one scalar of lower-cased text becomes.
    private enum Folded {
        /// Ends the current token.
        case separator
        /// Left out (tatweel, harakat).
        case drop
        case scalar(Unicode.Scalar)
        /// Latin letters with diacritics and ligatures (`é` → `e`, `œ` → `oe`).
        case text(String)
    }

    private static func fold(_ scalar: Unicode.Scalar) -> Folded {
        switch scalar.value {
        case 0x0640, 0x064B...0x065F, 0x0670: return .drop  // tatweel, harakat
        case 0x0622, 0x0623, 0x0625, 0x0671: return .scalar("ا")
        case 0x0629: return .scalar("ه")
        case 0x0649: return .scalar("ي")
        case 0x0624: return .scalar("و")
        case 0x0626: return .scalar("ي")
        case 0x0660...0x0669: return .scalar(UnicodeScalar(scalar.value - 0x0660 + 0x30) ?? "0")
        case 0x06F0...0x06F9: return .scalar(UnicodeScalar(scalar.value - 0x06F0 + 0x30) ?? "0")
        case 0x0027, 0x2019: return .separator
        default:
            break
        }
        if let latin = latinFold[scalar.value] { return .text(latin) }
        if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
            return .scalar(scalar)
        }
        return .separator
    }

    private static let latinFold: [UInt32: String] = {
        var table: [UInt32: String] = [:]
        let groups: [(String, String)] = [
            ("àáâãäåā", "a"), ("çćč", "c"), ("èéêëēė", "e"), ("ìíîïī", "i"), ("ñń", "n"), ("òóôõöø", "o"),
            ("ùúûüū", "u"), ("ýÿ", "y"), ("œ", "oe"), ("æ", "ae"), ("ß", "ss"),
        ]
        for (letters, replacement) in groups {
            for scalar in letters.unicodeScalars { table[scalar.value] = replacement }
        }
        return table
    }()

    /// A token that starts with an Arabic letter, without its article or clitic form
    /// (ال، وال، بال، فال، كال، عال، لل) when at least two letters remain.
    private static func stripArticle(_ token: String) -> String {
        for prefix in ["وال", "بال", "فال", "كال", "عال", "ال", "لل"] where token.hasPrefix(prefix) && token.count > prefix.count + 1 {
            return String(token.dropFirst(prefix.count))
        }
        return token
    }
}
