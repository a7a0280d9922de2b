/// Turns customer text in English, French, Arabic and Arabizi into comparable tokens.
///
/// Lower-cases, folds Latin diacritics (`é` → `e`), normalises Arabic letter variants
/// (`أإآ` → `ا`, `ة` → `ه`, `ى` → `ي`, no tatweel or harakat), splits on anything that is not a
/// letter or digit (so Arabizi `2adde` stays one token), and drops the articles `ال`, `el`, `l'`.
public enum TextNormalizer {
    /// Tokens of `text`, in order, duplicates kept.
    public static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        func flush() {
            guard !current.isEmpty else { return }
            result.append(contentsOf: stripArticle(current))
            current = ""
        }
        for scalar in text.lowercased().unicodeScalars {
            if let folded = fold(scalar) {
                if folded.isEmpty { continue }
                current.append(folded)
            } else {
                flush()
            }
        }
        flush()
        return result
    }

    /// The text normalised as one string of tokens separated by single spaces.
    public static func normalized(_ text: String) -> String {
        tokens(text).joined(separator: " ")
    }

    /// `nil` for a separator, `""` for a character to drop, otherwise the folded character(s).
    private static func fold(_ scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x30...0x39, 0x61...0x7A: return String(scalar)
        case 0x0640, 0x064B...0x065F, 0x0670: return ""  // tatweel, harakat
        case 0x0622, 0x0623, 0x0625, 0x0671: return "ا"
        case 0x0629: return "ه"
        case 0x0649: return "ي"
        case 0x0624: return "و"
        case 0x0626: return "ي"
        case 0x0660...0x0669: return String(UnicodeScalar(scalar.value - 0x0660 + 0x30) ?? "0")
        case 0x06F0...0x06F9: return String(UnicodeScalar(scalar.value - 0x06F0 + 0x30) ?? "0")
        case 0x0027, 0x2019: return nil
        default:
            break
        }
        if let latin = latinFold[scalar.value] { return latin }
        if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
            return String(scalar)
        }
        return nil
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

    private static func stripArticle(_ token: String) -> [String] {
        // Arabic article and its common clitic forms: ال، وال، بال، فال، كال، لل
        for prefix in ["وال", "بال", "فال", "كال", "ال", "لل"] where token.hasPrefix(prefix) && token.count > prefix.count + 1 {
            return [String(token.dropFirst(prefix.count))]
        }
        return [token]
    }
}
