/// An account or binding lacks what a send needs (an `access_token`, a Meta `phone_number_id`,
/// a usable base URL). `send` reports it as `.rejected(code: nil, message:)`: retrying cannot help
/// until the configuration changes.
public struct ChannelConfigurationError: Error, CustomStringConvertible, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
