import SwiftRepliesCore

/// Joins an account's base URL and an API path.
enum ProviderURL {
    /// `base` without trailing slashes (and with `https://` when it names only a host, as
    /// Infobip's per-account base URLs often do), followed by `path`.
    static func join(_ base: String, _ path: String) throws(ChannelConfigurationError) -> String {
        var trimmed = base.trimmingCharactersInWhitespace()
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard !trimmed.isEmpty else { throw ChannelConfigurationError("the account has no base URL") }
        if !trimmed.contains("://") { trimmed = "https://" + trimmed }
        let lowered = trimmed.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://") else {
            throw ChannelConfigurationError("the account's base URL \(base) is not http(s)")
        }
        return trimmed + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// Percent-encodes one path segment (an id or a version taken from configuration).
    static func segment(_ text: String) -> String {
        // Form encoding writes a space as `+`, which a path would read literally.
        FormURLEncoding.escape(text).split(separator: "+", omittingEmptySubsequences: false).joined(separator: "%20")
    }
}
