/// An outbound provider API call as a channel builds it, before any HTTP client sees it, so
/// request building can be tested without a network.
public struct ProviderHTTPRequest: Sendable, Hashable {
    public var method: String
    /// The absolute URL.
    public var url: String
    /// Header fields by name as they will be sent.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String = "POST", url: String, headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { HeaderFields.namesMatch($0.key, name) }?.value
    }

    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
