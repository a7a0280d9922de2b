import Foundation
import SwiftRepliesCore

/// Parses the timestamps providers put in webhooks.
enum ProviderTimestamp {
    /// Unix seconds as a string or a number (Meta `timestamp`).
    static func unixSeconds(_ value: JSONValue?) -> Date? {
        guard let seconds = value?.number, seconds.isFinite, seconds > 0 else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// ISO 8601 with or without fractional seconds, offset as `Z`, `+0000` or `+00:00`
    /// (Infobip `receivedAt`, `doneAt`, `seenAt`).
    static func iso8601(_ value: JSONValue?) -> Date? {
        guard let text = value?.text, !text.isEmpty else { return nil }
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    private static let formats = [
        "yyyy-MM-dd'T'HH:mm:ss.SSSZ", "yyyy-MM-dd'T'HH:mm:ssZ",
        "yyyy-MM-dd'T'HH:mm:ss.SSSXXXXX", "yyyy-MM-dd'T'HH:mm:ssXXXXX",
    ]

    /// An HTTP `Retry-After` value: delay seconds, or an HTTP date (turned into seconds from now).
    static func retryAfterSeconds(_ header: String?, now: Date = Date()) -> Double? {
        guard let header = header?.trimmingCharactersInWhitespace(), !header.isEmpty else { return nil }
        if let seconds = Double(header), seconds.isFinite, seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
