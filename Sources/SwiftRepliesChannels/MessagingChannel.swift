import Foundation
import SwiftRepliesCore

/// An inbound provider webhook as the server received it, framework-free.
public struct WebhookRequest: Sendable {
    public var method: String
    /// The path as received (`/webhooks/meta`).
    public var path: String
    /// The raw query string without `?` (may be empty).
    public var rawQuery: String
    /// Header fields as received (look them up by case-insensitive name).
    public var headers: HeaderFields
    /// The exact body bytes (signatures cover these).
    public var body: [UInt8]

    public init(method: String, path: String, rawQuery: String = "", headers: HeaderFields, body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
    }

    public init(method: String, path: String, rawQuery: String = "", headers: [String: String] = [:], body: [UInt8] = []) {
        self.init(method: method, path: path, rawQuery: rawQuery, headers: HeaderFields(headers), body: body)
    }

    /// The value of a header (name is case-insensitive; repeated fields joined with ", ").
    public func header(_ name: String) -> String? { headers[name] }

    /// Query parameters, percent-decoded (`+` as space).
    public var queryItems: [String: String] { FormURLEncoding.decode(rawQuery) }
}

/// What a webhook carried, once authenticated and parsed.
public struct ParsedWebhook: Sendable, Hashable {
    public var messages: [InboundMessage]
    public var statuses: [DeliveryStatusUpdate]
    /// Parts the channel understood but that need no action (for example Meta `errors` entries).
    public var ignoredCount: Int

    public init(messages: [InboundMessage] = [], statuses: [DeliveryStatusUpdate] = [], ignoredCount: Int = 0) {
        self.messages = messages
        self.statuses = statuses
        self.ignoredCount = ignoredCount
    }
}

/// A webhook payload that cannot be understood (answered 400, nothing stored).
public struct WebhookPayloadError: Error, CustomStringConvertible, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The result of one attempt to send a message through a provider.
public enum ChannelSendResult: Sendable, Hashable {
    /// 2xx with the provider's message id.
    case accepted(providerMessageID: String)
    /// Worth another try: a connection error, a timeout (`possiblyDelivered`), 429 (with the
    /// provider's `Retry-After` in seconds when given) or 5xx.
    case retryable(error: String, retryAfterSeconds: Double?, possiblyDelivered: Bool)
    /// Refused for good (4xx other than 429), with the provider's error code when it gave one.
    case rejected(code: String?, message: String)
}

/// An outbound text message for one customer through one chatbot's channel.
public struct OutboundText: Sendable, Hashable {
    public var to: PhoneNumber
    public var text: String
    public var binding: ChannelBinding
    public var account: ProviderAccount

    public init(to: PhoneNumber, text: String, binding: ChannelBinding, account: ProviderAccount) {
        self.to = to
        self.text = text
        self.binding = binding
        self.account = account
    }
}

/// A provider channel: authenticates and parses its inbound webhooks, sends outbound messages,
/// reports delivery statuses. One instance serves every account of its provider.
public protocol MessagingChannel: Sendable {
    var provider: ProviderKind { get }

    /// Checks the request against the secrets of the enabled accounts of this provider, before
    /// anything is parsed; returns every account whose secret signed it (empty: 401). Only the
    /// numbers these accounts serve may be routed from the request.
    func signingAccounts(_ request: WebhookRequest, accounts: [ProviderAccount]) -> [ProviderAccount]

    /// Parses an authenticated webhook body. Throws `WebhookPayloadError` when malformed (400).
    func parse(_ request: WebhookRequest) throws -> ParsedWebhook

    /// Sends one text message. Never throws: every failure is classified.
    func send(_ message: OutboundText) async -> ChannelSendResult
}

extension MessagingChannel {
    /// The first account whose secret signed the request, or `nil`.
    public func authenticate(_ request: WebhookRequest, accounts: [ProviderAccount]) -> ProviderAccount? {
        signingAccounts(request, accounts: accounts).first
    }
}
