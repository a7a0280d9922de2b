import Foundation

/// Encodes outbound request bodies (sorted keys, unescaped slashes, so they are stable in tests).
enum JSONBody {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of strings and booleans cannot fail.
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}
