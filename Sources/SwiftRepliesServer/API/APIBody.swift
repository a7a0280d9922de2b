import Foundation
import Hummingbird

/// A JSON request body, read field by field: every problem is a 422 naming the field and why.
struct APIBody {
    let fields: [String: Any]

    /// Reads the request's body: empty means `{}`; anything but a JSON object is refused.
    static func read(_ request: Request, context: APIRequestContext, allowed: Set<String>) async throws -> APIBody {
        var buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return APIBody(fields: [:]) }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw APIError.invalid("body", "must be a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.invalid(unknown, "is not a field of this request (known: \(allowed.sorted().joined(separator: ", ")))")
        }
        return APIBody(fields: object)
    }

    func has(_ key: String) -> Bool { fields[key] != nil && !(fields[key] is NSNull) }

    /// A string: trimmed, not empty, at most `maxLength` characters.
    func string(_ key: String, required: Bool = false, maxLength: Int = 4096) throws -> String? {
        guard let value = fields[key], !(value is NSNull) else {
            if required { throw APIError.invalid(key, "is required") }
            return nil
        }
        guard let text = value as? String else { throw APIError.invalid(key, "must be a string") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { throw APIError.invalid(key, "must not be empty") }
        if trimmed.count > maxLength { throw APIError.invalid(key, "must be at most \(maxLength) characters") }
        return trimmed
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, isJSONBool(number) else { throw APIError.invalid(key, "must be true or false") }
        return number.boolValue
    }

    /// A whole number within `range`.
    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, !isJSONBool(number), number.doubleValue == number.doubleValue.rounded() else {
            throw APIError.invalid(key, "must be a whole number")
        }
        guard range.contains(number.intValue) else { throw APIError.invalid(key, "must be between \(range.lowerBound) and \(range.upperBound)") }
        return number.intValue
    }

    /// A list of non-empty strings.
    func strings(_ key: String, maxCount: Int = 100, maxLength: Int = 100) throws -> [String]? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        guard let array = value as? [Any] else { throw APIError.invalid(key, "must be a list of strings") }
        if array.count > maxCount { throw APIError.invalid(key, "must have at most \(maxCount) items") }
        return try array.enumerated().map { index, item in
            guard let text = item as? String else { throw APIError.invalid("\(key)[\(index)]", "must be a string") }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { throw APIError.invalid("\(key)[\(index)]", "must not be empty") }
            if trimmed.count > maxLength { throw APIError.invalid("\(key)[\(index)]", "must be at most \(maxLength) characters") }
            return trimmed
        }
    }

    /// An object of string values; `null` values mean "remove".
    func stringMap(_ key: String, maxCount: Int = 100) throws -> [String: String?]? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        guard let object = value as? [String: Any] else { throw APIError.invalid(key, "must be an object of strings") }
        if object.count > maxCount { throw APIError.invalid(key, "must have at most \(maxCount) fields") }
        var result: [String: String?] = [:]
        for (name, item) in object {
            if name.isEmpty || name.count > 100 { throw APIError.invalid("\(key).\(name)", "must have a name of 1 to 100 characters") }
            if item is NSNull {
                result[name] = .some(nil)
                continue
            }
            guard let text = item as? String else { throw APIError.invalid("\(key).\(name)", "must be a string (or null to remove it)") }
            if text.count > 1000 { throw APIError.invalid("\(key).\(name)", "must be at most 1000 characters") }
            result[name] = .some(text)
        }
        return result
    }

    /// An ISO 8601 date and time.
    func date(_ key: String) throws -> Date? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        guard let text = value as? String, let date = APIJSON.parseDate(text) else {
            throw APIError.invalid(key, "must be an ISO 8601 date and time, such as 2026-12-01T09:00:00Z")
        }
        return date
    }
}

/// Whether an `NSNumber` from `JSONSerialization` is a boolean (`true`/`false`, not `0`/`1`):
/// JSON booleans come as char-typed numbers, JSON numbers never do.
func isJSONBool(_ number: NSNumber) -> Bool {
    String(cString: number.objCType) == "c"
}
