import Crypto
import Foundation

/// Twilio's `X-Twilio-Signature`: base64 of HMAC-SHA1, keyed with the auth token, over the full
/// URL Twilio called followed by every form parameter's name and value, sorted by name.
///
/// As Twilio's own validators do, a signature made over the URL with the default port
/// (`:443`, `:80`) is accepted for the URL without it, and the reverse. For JSON webhooks Twilio
/// adds `bodySHA256=<hex SHA-256 of the body>` to the URL and signs the URL alone.
public enum TwilioSignature {
    /// The header name.
    public static let headerName = "X-Twilio-Signature"

    /// The signature of a request (for tests and tools that post signed webhooks).
    public static func compute(authToken: String, url: String, params: [(String, String)]) -> String {
        let key = SymmetricKey(data: Array(authToken.utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: signedBytes(url: url, params: params), using: key)
        return Data(mac).base64EncodedString()
    }

    /// Whether `signature` signs `url` and `params` (trying the default-port variants of the
    /// URL), compared in constant time. A missing or malformed signature is invalid.
    public static func isValid(signature: String?, authToken: String, url: String, params: [(String, String)]) -> Bool {
        guard let signature, !authToken.isEmpty,
            let provided = Data(base64Encoded: signature.trimmingCharacters(in: .whitespaces)), provided.count == Insecure.SHA1.byteCount
        else { return false }
        let key = SymmetricKey(data: Array(authToken.utf8))
        var valid = false
        for candidate in urlVariants(url) {
            let data = signedBytes(url: candidate, params: params)
            if HMAC<Insecure.SHA1>.isValidAuthenticationCode(provided, authenticating: data, using: key) { valid = true }
        }
        return valid
    }

    /// Validates a request body as Twilio signs it: when the URL's query has `bodySHA256`, the
    /// signature covers the URL alone and the body's SHA-256 must match; otherwise the body's
    /// form fields (URL-decoded, blank values kept) are the parameters.
    public static func isValid(signature: String?, authToken: String, url: String, body: [UInt8]) -> Bool {
        let query = url.firstIndex(of: "?").map { FormURLEncoding.decode(String(url[url.index(after: $0)...])) } ?? [:]
        if let expectedHash = query["bodySHA256"] {
            let actualHash = Hex.encode(Array(SHA256.hash(data: body)))
            let hashMatches = ConstantTime.equals(actualHash, expectedHash.lowercased())
            let signatureMatches = isValid(signature: signature, authToken: authToken, url: url, params: [])
            return hashMatches && signatureMatches
        }
        let params = FormURLEncoding.decodePairs(String(decoding: body, as: UTF8.self)).map { ($0.name, $0.value) }
        return isValid(signature: signature, authToken: authToken, url: url, params: params)
    }

    /// The URL as given plus the same URL with the scheme's default port added (when it has no
    /// port) or removed (when it has the default one).
    public static func urlVariants(_ url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [url] }
        let defaultPort: String
        switch url[..<schemeEnd.lowerBound].lowercased() {
        case "https": defaultPort = "443"
        case "http": defaultPort = "80"
        default: return [url]
        }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hostPort = authority[hostStart...]
        let bracketEnd = hostPort.lastIndex(of: "]")
        var port: Substring?
        var hostEnd = hostPort.endIndex
        if let colon = hostPort.lastIndex(of: ":"), bracketEnd.map({ colon > $0 }) ?? true {
            port = hostPort[hostPort.index(after: colon)...]
            hostEnd = colon
        }
        let prefix = url[..<hostStart]
        let host = hostPort[..<hostEnd]
        let rest = afterScheme[authorityEnd...]
        if let port {
            guard port == defaultPort else { return [url] }
            return [url, String(prefix + host + rest)]
        }
        return [url, String(prefix + host) + ":" + defaultPort + String(rest)]
    }

    private static func signedBytes(url: String, params: [(String, String)]) -> [UInt8] {
        let sorted = params.sorted { lhs, rhs in
            if lhs.0 != rhs.0 { return Array(lhs.0.utf8).lexicographicallyPrecedes(Array(rhs.0.utf8)) }
            return Array(lhs.1.utf8).lexicographicallyPrecedes(Array(rhs.1.utf8))
        }
        var bytes = Array(url.utf8)
        for (name, value) in sorted {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: value.utf8)
        }
        return bytes
    }
}
