import Crypto
import Foundation

/// How the `http` agent module signs its requests, and how a remote agent server checks them.
///
/// Each request carries two headers:
/// - `X-SwiftReplies-Timestamp`: the Unix time in whole seconds when the request was signed;
/// - `X-SwiftReplies-Signature`: `sha256=` followed by the lower-case hex HMAC-SHA256, keyed with
///   the shared secret (its UTF-8 bytes), of the timestamp, a `.`, and the raw request body:
///   `HMAC_SHA256(secret, "<timestamp>.<body>")`.
///
/// The receiver recomputes the HMAC over the bytes it received (before parsing them), compares
/// it in constant time, and rejects timestamps more than five minutes away from its clock, so a
/// captured request cannot be replayed later. Every retry of a turn is signed again with a fresh
/// timestamp; the body (and its `request_id`) stays the same, so a receiver can also drop
/// duplicates by `request_id`.
public enum RemoteAgentSignature {
    /// The header holding the signature, `sha256=<hex>`.
    public static let signatureHeader = "X-SwiftReplies-Signature"
    /// The header holding the Unix time (seconds) the signature was made at.
    public static let timestampHeader = "X-SwiftReplies-Timestamp"
    /// How far a timestamp may be from the receiver's clock, in seconds, by default.
    public static let defaultTolerance: TimeInterval = 300

    /// The `X-SwiftReplies-Signature` value for `body` signed at `timestamp` (Unix seconds).
    public static func signature(body: some Collection<UInt8>, timestamp: Int64, secret: String) -> String {
        "sha256=" + hex(mac(body: body, timestamp: timestamp, secret: secret))
    }

    /// Whether `signature` (an `X-SwiftReplies-Signature` value) signs `body` at `timestamp`
    /// (the `X-SwiftReplies-Timestamp` value) with `secret`, and the timestamp is within
    /// `tolerance` seconds of `now`. The comparison takes constant time.
    public static func isValid(
        signature: String, timestamp: String, body: some Collection<UInt8>, secret: String, now: Date = Date(),
        tolerance: TimeInterval = defaultTolerance
    ) -> Bool {
        guard let seconds = Int64(timestamp.trimmingCharacters(in: .whitespaces)),
            abs(now.timeIntervalSince1970 - TimeInterval(seconds)) <= tolerance,
            signature.hasPrefix("sha256="),
            let given = bytes(fromHex: String(signature.dropFirst("sha256=".count)))
        else { return false }
        let key = SymmetricKey(data: Array(secret.utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: signedBytes(body: body, timestamp: seconds), using: key)
    }

    private static func mac(body: some Collection<UInt8>, timestamp: Int64, secret: String) -> [UInt8] {
        let key = SymmetricKey(data: Array(secret.utf8))
        return Array(HMAC<SHA256>.authenticationCode(for: signedBytes(body: body, timestamp: timestamp), using: key))
    }

    private static func signedBytes(body: some Collection<UInt8>, timestamp: Int64) -> [UInt8] {
        var bytes = Array("\(timestamp).".utf8)
        bytes.append(contentsOf: body)
        return bytes
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func bytes(fromHex text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 2 == 0, !input.isEmpty else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 2)
        var index = 0
        while index < input.count {
            guard let high = nibble(input[index]), let low = nibble(input[index + 1]) else { return nil }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
