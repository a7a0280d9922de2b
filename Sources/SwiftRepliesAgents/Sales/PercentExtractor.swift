/// Finds a percentage in customer text: `25%`, `25 %`, `%25`, `25 percent`, `25 pour cent`,
/// `٢٥٪`, `25 bel miye`.
enum PercentExtractor {
    private static let percentWords: Set<String> = ["percent", "pourcent", "pct", "بالمية", "بالمئة", "بالمائة", "miye", "mieh", "mi2a"]

    static func firstPercent(in text: String) -> Double? {
        // Most messages hold no digit at all: no percentage, and no need to split the text into characters.
        guard text.unicodeScalars.contains(where: { ("0"..."9").contains($0) || (0x0660...0x0669).contains($0.value) || (0x06F0...0x06F9).contains($0.value) })
        else { return nil }
        let characters = Array(text.map { Self.asciiDigit($0) ?? $0 })
        var index = 0
        while index < characters.count {
            guard characters[index].isASCII, characters[index].isNumber else {
                index += 1
                continue
            }
            let start = index
            while index < characters.count, (characters[index].isASCII && characters[index].isNumber) || characters[index] == "." || characters[index] == "," {
                index += 1
            }
            var number = String(characters[start..<index]).replacingOccurrences(of: ",", with: ".")
            while number.hasSuffix(".") { number.removeLast() }
            guard let value = Double(number) else { continue }
            // `%25`
            if start > 0, characters[start - 1] == "%" || characters[start - 1] == "٪" { return value }
            var look = index
            while look < characters.count, characters[look] == " " { look += 1 }
            if look < characters.count, characters[look] == "%" || characters[look] == "٪" { return value }
            // A word after the number.
            var wordEnd = look
            while wordEnd < characters.count, characters[wordEnd].isLetter { wordEnd += 1 }
            let word = String(characters[look..<wordEnd]).lowercased()
            if percentWords.contains(word) { return value }
            if word == "pour" || word == "bel" || word == "bil" || word == "bl" {
                var next = wordEnd
                while next < characters.count, characters[next] == " " { next += 1 }
                var nextEnd = next
                while nextEnd < characters.count, characters[nextEnd].isLetter { nextEnd += 1 }
                let second = String(characters[next..<nextEnd]).lowercased()
                if second == "cent" || second == "miye" || second == "mieh" || second == "mi2a" { return value }
            }
        }
        return nil
    }

    private static func asciiDigit(_ character: Character) -> Character? {
        guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1 else { return nil }
        switch scalar.value {
        case 0x0660...0x0669: return Character(UnicodeScalar(scalar.value - 0x0660 + 0x30) ?? "0")
        case 0x06F0...0x06F9: return Character(UnicodeScalar(scalar.value - 0x06F0 + 0x30) ?? "0")
        default: return nil
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
