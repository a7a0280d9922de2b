import Crypto
import Foundation
import SwiftRepliesCore

/// Tenant API keys: `srk_<tenant id>_<64 hex digits>` (256 random bits). The tenant is in the
/// key, so a request is checked against that tenant's keys only (no cross-tenant look-up, as
/// PostgreSQL's row-level security wants); only the key's SHA-256 is stored, and hashes are
/// compared in constant time.
public enum APIKeyFormat {
    static let prefix = "srk_"

    /// A new random key for `tenant`.
    public static func generate(tenant: TenantID) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + tenant.rawValue + "_" + hex(bytes)
    }

    /// The tenant a key names, or `nil` when it is not shaped like a key.
    public static func tenant(of key: String) -> TenantID? {
        guard key.hasPrefix(prefix), let separator = key.lastIndex(of: "_") else { return nil }
        let tenant = key[key.index(key.startIndex, offsetBy: prefix.count)..<separator]
        let secret = key[key.index(after: separator)...]
        guard !tenant.isEmpty, secret.count == 64, secret.allSatisfy(\.isHexDigit) else { return nil }
        return TenantID(String(tenant))
    }

    /// The lower-case hex SHA-256 of the key, as stored.
    public static func hash(_ key: String) -> String {
        hex(Array(SHA256.hash(data: Data(key.utf8))))
    }

    /// Compares two hashes without leaking where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<min(left.count, right.count) { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// What an API key may do. A scope is `<area>:read` or `<area>:write`; `read` and `write` grant
/// that access to every area, `all` grants everything.
public enum APIScopes {
    /// The areas of the API.
    public static let areas = ["contacts", "conversations", "instructions", "knowledge", "actions", "takeover", "usage", "webhooks", "events"]

    /// Every scope a key may be given.
    public static var known: [String] { ["all", "read", "write"] + areas.flatMap { ["\($0):read", "\($0):write"] } }

    /// What `keys create` gives without `--scopes`.
    public static let defaults = ["read", "write"]

    /// Checks a list of scopes (comma-separated or separate); throws a message naming the
    /// unknown ones.
    public static func parse(_ values: [String]) throws -> [String] {
        let scopes = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        let unknown = scopes.filter { !known.contains($0) }
        if !unknown.isEmpty {
            throw APIScopeError(description: "unknown scope\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")) (known: \(known.joined(separator: ", ")))")
        }
        return scopes.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    /// Whether `granted` allows `required` (`contacts:read`).
    public static func allows(_ granted: [String], _ required: String) -> Bool {
        if granted.contains("all") || granted.contains(required) { return true }
        guard let access = required.split(separator: ":").last else { return false }
        return granted.contains(String(access))
    }
}

/// A scope list that names unknown scopes.
public struct APIScopeError: Error, CustomStringConvertible {
    public var description: String
}
