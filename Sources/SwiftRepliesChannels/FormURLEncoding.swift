/// `application/x-www-form-urlencoded` decoding and encoding (query strings, Twilio bodies).
///
/// Decoding turns `+` into a space and percent-decodes the UTF-8 bytes; a malformed escape
/// (`%G1`, a lone `%`) is kept literally, and invalid UTF-8 becomes U+FFFD. Encoding keeps only
/// ASCII letters, digits and `-._~`, writes a space as `+` and percent-encodes everything else
/// (upper-case hex), which is what Python's `urlencode` and Twilio's SDKs produce.
public enum FormURLEncoding {
    /// The name/value pairs of an encoded string, in order, duplicates kept. Empty segments
    /// (`a=1&&b=2`) are skipped; a segment without `=` is a name with an empty value.
    public static func decodePairs(_ raw: String) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for segment in raw.split(separator: "&", omittingEmptySubsequences: true) {
            if let equals = segment.firstIndex(of: "=") {
                let name = percentDecode(segment[segment.startIndex..<equals])
                let value = percentDecode(segment[segment.index(after: equals)...])
                pairs.append((name: name, value: value))
            } else {
                pairs.append((name: percentDecode(segment), value: ""))
            }
        }
        return pairs
    }

    /// The decoded fields by name. When a name repeats, the first value wins.
    public static func decode(_ raw: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in decodePairs(raw) where result[pair.name] == nil {
            result[pair.name] = pair.value
        }
        return result
    }

    /// Encodes pairs in the given order: `name=value&name=value`.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    /// One name or value, form-encoded.
    public static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                output.append("+")
            default:
                output.append("%")
                output.unicodeScalars.append(hexDigit(byte >> 4))
                output.unicodeScalars.append(hexDigit(byte & 0x0F))
            }
        }
        return output
    }

    /// Percent-decodes one name or value, `+` as a space.
    public static func percentDecode<S: StringProtocol>(_ text: S) -> String {
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
                index += 1
            } else if byte == UInt8(ascii: "%"), index + 2 < input.count,
                let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> Unicode.Scalar {
        let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
        return Unicode.Scalar(digits[Int(nibble & 0x0F)])
    }
}
