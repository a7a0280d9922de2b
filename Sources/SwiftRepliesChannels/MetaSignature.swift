import Crypto

/// Meta's `X-Hub-Signature-256`: `sha256=` and the lower-case hex HMAC-SHA256 of the raw body,
/// keyed with the app secret.
public enum MetaSignature {
    /// The header name.
    public static let headerName = "X-Hub-Signature-256"

    /// The header value for a body (for tests and tools that post signed webhooks).
    public static func header(body: [UInt8], appSecret: String) -> String {
        let key = SymmetricKey(data: Array(appSecret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: key)
        return "sha256=" + Hex.encode(Array(mac))
    }

    /// Whether `header` is a valid signature of `body` under `appSecret`, compared in constant
    /// time. A missing header, a missing `sha256=` prefix or malformed hex is invalid.
    public static func isValid(header: String?, body: [UInt8], appSecret: String) -> Bool {
        guard let header, !appSecret.isEmpty else { return false }
        let trimmed = header.trimmingCharacters()
        guard trimmed.hasPrefix("sha256="), let digest = Hex.decode(String(trimmed.dropFirst("sha256=".count))),
            digest.count == SHA256.byteCount
        else { return false }
        let key = SymmetricKey(data: Array(appSecret.utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(digest, authenticating: body, using: key)
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
