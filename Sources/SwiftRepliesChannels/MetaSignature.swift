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
        guard let header, !appSecret.isEmpty, let digest = digest(ofHeader: header) else { return false }
        return Key(appSecret: appSecret).signed(body, digest: digest)
    }

    /// The HMAC a header carries: `sha256=` and 64 hex digits, blanks around them allowed; `nil`
    /// otherwise. Read once per webhook, then checked against each account's key.
    static func digest(ofHeader header: String) -> [UInt8]? {
        var text = Substring(header)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        guard text.hasPrefix("sha256="), let digest = Hex.decode(text.dropFirst("sha256=".count)), digest.count == SHA256.byteCount else {
            return nil
        }
        return digest
    }

    /// An app secret as an HMAC key, keyed once: every webhook copies it rather than hashing the
    /// padded secret again.
    struct Key: Sendable {
        private let keyed: HMAC<SHA256>

        init(appSecret: String) {
            keyed = HMAC(key: SymmetricKey(data: Array(appSecret.utf8)))
        }

        /// Whether `digest` is this key's HMAC of `body`, compared in constant time.
        func signed(_ body: [UInt8], digest: [UInt8]) -> Bool {
            var mac = keyed
            mac.update(data: body)
            return mac.finalize() == digest
        }
    }
}
