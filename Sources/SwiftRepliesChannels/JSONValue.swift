import Foundation

/// A parsed JSON document, kept untyped so provider payloads with unknown keys, `null`s and
/// numbers-or-strings parse the same on every platform.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Parses a body; `nil` when it is not JSON.
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        JSONParser.parse(bytes)
    }

    /// The member `key` of an object, or `nil`.
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var objectValue: JSONObject? {
        if case .object(let members) = self { return members }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// A string, or a number rendered as text (`131047`, `37.4611978`); `nil` otherwise.
    var text: String? {
        switch self {
        case .string(let value): return value
        case .integer(let value): return String(value)
        case .double(let value): return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): return value ? "true" : "false"
        default: return nil
        }
    }

    /// A number, or a string holding one.
    var number: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .double(let value): return value
        case .string(let value): return Double(value)
        default: return nil
        }
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// The members of a JSON object, in document order.
///
/// Provider payloads have objects of a few members each, read by a few known keys: a list
/// searched from the end costs less than building a hash table for every object of every
/// webhook (the tables and their hashing were the largest share of the webhook's allocations).
/// A key that appears twice reads as its last value, as a dictionary built in order would.
struct JSONObject: Sendable, Equatable {
    /// The members as they appeared, duplicates included.
    private(set) var members: [(key: String, value: JSONValue)]

    init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    /// Makes room for `count` members (provider objects mostly have four or fewer).
    mutating func reserveCapacity(_ count: Int) {
        members.reserveCapacity(count)
    }

    /// Appends a member (a later duplicate hides an earlier one).
    mutating func append(key: String, value: JSONValue) {
        members.append((key, value))
    }

    /// The last value of `key`, or `nil`.
    subscript(key: String) -> JSONValue? {
        var index = members.endIndex
        while index > members.startIndex {
            index -= 1
            if members[index].key == key { return members[index].value }
        }
        return nil
    }

    /// The distinct keys, each with its last value.
    var count: Int { Set(members.map(\.key)).count }

    /// Equal when both have the same keys with the same (last) values, in any order.
    static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.members.allSatisfy { rhs[$0.key] == lhs[$0.key] }
    }
}
