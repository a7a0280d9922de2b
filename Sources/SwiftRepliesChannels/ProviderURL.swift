import SwiftRepliesCore

/// Joins an account's base URL and an API path.
enum ProviderURL {
    /// `base` without trailing slashes (and with `https://` when it names only a host, as
    /// Infobip's per-account base URLs often do), followed by `path`.
    static func join(_ base: String, _ path: String) throws(ChannelConfigurationError) -> String {
        var trimmed = base.trimmingCharactersInWhitespace()
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard !trimmed.isEmpty else { throw ChannelConfigurationError("the account has no base URL") }
        // This runs on every send: byte comparisons, not Foundation's string search.
        let bytes = Array(trimmed.utf8)
        let hasScheme = bytes.indices.dropLast(2).contains { bytes[$0] == 0x3A && bytes[$0 + 1] == 0x2F && bytes[$0 + 2] == 0x2F }
        if !hasScheme {
            trimmed = "https://" + trimmed
        } else if !hasPrefixIgnoringCase(bytes, "https://") && !hasPrefixIgnoringCase(bytes, "http://") {
            throw ChannelConfigurationError("the account's base URL \(base) is not http(s)")
        }
        return trimmed + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// Whether `bytes` start with the lower-case ASCII `prefix`, ignoring ASCII case.
    private static func hasPrefixIgnoringCase(_ bytes: [UInt8], _ prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        return prefix.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { actual, wanted in actual == wanted || ((0x41...0x5A).contains(actual) && actual | 0x20 == wanted) }
        }
    }

    /// Percent-encodes one path segment (an id or a version taken from configuration).
    static func segment(_ text: String) -> String {
        // Form encoding writes a space as `+`, which a path would read literally.
        FormURLEncoding.escape(text).split(separator: "+", omittingEmptySubsequences: false).joined(separator: "%20")
    }
}
