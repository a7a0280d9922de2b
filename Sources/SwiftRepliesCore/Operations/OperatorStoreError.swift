import Foundation

/// A refusal of an operator store's write (an API key or webhook subscription that exists or
/// would pass a subscription limit).
public enum OperatorStoreError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A row with this name already exists (`what` says which).
    case duplicate(String)
    /// A subscription limit (`max_api_keys`, `max_webhooks`, ...) is reached.
    case limitReached(limit: String, value: Int)

    public var description: String {
        switch self {
        case .duplicate(let what): return "\(what) already exists"
        case .limitReached(let limit, let value): return "the subscription's \(limit) (\(value)) is reached"
        }
    }
}
