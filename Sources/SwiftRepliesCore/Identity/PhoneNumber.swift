/// A phone number in its canonical form: international digits only, no `+`, no `00`, no spaces.
///
/// `+96179374241`, `0096179374241`, `whatsapp:+96179374241` and `961 79 374 241` are all the
/// same `PhoneNumber("96179374241")`.
public struct PhoneNumber: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The canonical digits (E.164 without the `+`).
    public let digits: String

    /// Normalises a number as written by a person or a provider; `nil` when it is not a phone number.
    ///
    /// Accepted: an optional `whatsapp:` or `tel:` prefix, an optional `+` or `00` international
    /// prefix, digits separated by spaces, dashes, dots or parentheses. The result must have
    /// between 6 and 15 digits (E.164 allows 15; short codes below 6 are not WhatsApp numbers).
    public init?(normalizing raw: String) {
        if let canonical = Self.plainDigits(raw) {
            self.digits = canonical
            return
        }
        var text = Substring(raw.trimmingCharactersInWhitespace())
        for prefix in ["whatsapp:", "tel:"] where text.lowercased().hasPrefix(prefix) {
            text = text.dropFirst(prefix.count)
        }
        text = Substring(String(text).trimmingCharactersInWhitespace())
        if text.hasPrefix("+") { text = text.dropFirst() }
        var digits = ""
        digits.reserveCapacity(text.count)
        for character in text {
            if let ascii = character.asciiValue, ascii >= 48, ascii <= 57 {
                digits.append(character)
            } else if character == " " || character == "-" || character == "." || character == "(" || character == ")" || character == "\u{00A0}" {
                continue
            } else {
                return nil
            }
        }
        if digits.hasPrefix("00") { digits.removeFirst(2) }
        guard digits.count >= 6, digits.count <= 15, !digits.hasPrefix("0") else { return nil }
        self.digits = digits
    }

    /// The digits of `raw` when it is already canonical but for an optional leading `+`
    /// (`96179374241`, `+96179374241`): how providers write numbers, so every webhook takes this
    /// path. `nil` for anything else, which the general rules above then read.
    private static func plainDigits(_ raw: String) -> String? {
        var utf8 = Substring(raw).utf8
        if utf8.first == UInt8(ascii: "+") { utf8 = utf8.dropFirst() }
        guard (6...15).contains(utf8.count), let first = utf8.first, first != UInt8(ascii: "0"),
            utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return String(Substring(utf8))
    }

    /// Wraps digits that are already canonical (as stored in the database).
    public init(canonical digits: String) { self.digits = digits }

    /// `+` followed by the digits, as most APIs and people write it.
    public var e164: String { "+" + digits }
    public var description: String { digits }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.digits < rhs.digits }
}

extension String {
    /// The string without leading and trailing whitespace and newlines (Foundation-free).
    public func trimmingCharactersInWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        guard let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[start...end])
    }
}
