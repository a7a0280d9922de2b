/// A provider's answer to an outbound call, as the channels classify it into a
/// `ChannelSendResult`.
public struct ProviderHTTPResponse: Sendable, Hashable {
    public var status: Int
    /// Header fields as received (look them up by case-insensitive name).
    public var headers: HeaderFields
    public var body: [UInt8]

    public init(status: Int, headers: HeaderFields, body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.init(status: status, headers: HeaderFields(headers), body: body)
    }

    /// Convenience for tests: a body given as text.
    public init(status: Int, headers: [String: String] = [:], text: String) {
        self.init(status: status, headers: headers, body: Array(text.utf8))
    }

    /// The value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name] }
}
