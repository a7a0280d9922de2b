import Foundation

/// One cell of a legacy row, already converted to the field's kind.
enum LegacyValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)
    case number(Double)

    var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .number(let value): return value.isFinite ? Int64(value) : nil
        case .text(let text): return Int64(text.trimmingCharactersInWhitespace())
        case .null: return nil
        }
    }

    var text: String? {
        switch self {
        case .text(let text): return text
        case .integer(let value): return String(value)
        case .number(let value): return String(value)
        case .null: return nil
        }
    }

    var number: Double? {
        switch self {
        case .number(let value): return value
        case .integer(let value): return Double(value)
        case .text(let text): return Double(text.trimmingCharactersInWhitespace())
        case .null: return nil
        }
    }

    /// A timestamp read as unix seconds (numbers above 10^11 are taken as milliseconds).
    var date: Date? {
        guard let seconds = number, seconds.isFinite else { return nil }
        return Date(timeIntervalSince1970: seconds > 100_000_000_000 ? seconds / 1000 : seconds)
    }
}
