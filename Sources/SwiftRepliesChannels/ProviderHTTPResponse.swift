/// A provider's answer to an outbound call, as the channels classify it into a
/// `ChannelSendResult`.
public struct ProviderHTTPResponse: Sendable, Hashable {
    public var status: Int
    /// Header fields with lower-cased names (the first value of each).
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        var lowered: [String: String] = [:]
        for (name, value) in headers where lowered[name.lowercased()] == nil { lowered[name.lowercased()] = value }
        self.headers = lowered
        self.body = body
    }

    /// Convenience for tests: a body given as text.
    public init(status: Int, headers: [String: String] = [:], text: String) {
        self.init(status: status, headers: headers, body: Array(text.utf8))
    }

    /// The value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}
