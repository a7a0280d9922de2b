import AsyncHTTPClient
import Foundation
import Logging
import SwiftRepliesCore

/// The WhatsApp Cloud API (Meta Graph API) channel.
///
/// Account settings: `app_secret` (webhook signatures), `verify_token` (subscription handshake),
/// `access_token` (sending), `api_version` (default `v21.0`). The binding gives the
/// `phone_number_id` messages are sent from.
public struct MetaChannel: MessagingChannel {
    /// The Graph API version used when an account sets none.
    public static let defaultAPIVersion = "v21.0"

    /// Meta error codes that mean "slow down" or "try again later" even when Graph answers them
    /// with HTTP 400: API rate limits (4, 80007), temporary downtime (2), Cloud API throughput
    /// (130429), spam and pair rate limits (131048, 131056), service unavailable (131016, 133004).
    public static let retryableErrorCodes: Set<String> = ["2", "4", "80007", "130429", "131016", "131048", "131056", "133004"]

    public var provider: ProviderKind { .meta }

    private let transport: ProviderHTTPTransport
    /// The app secrets' HMAC keys, keyed once each.
    private let signatureKeys = SignatureKeys()

    /// - Parameters:
    ///   - httpClient: the client outbound calls go through (owned and shut down by the caller).
    ///   - requestTimeout: the deadline of one send, from connecting to the end of the response.
    ///   - logger: for transport diagnostics (no message text is logged).
    public init(httpClient: HTTPClient, requestTimeout: Duration = .seconds(10), logger: Logger = Logger(label: "swiftreplies.channels.meta")) {
        self.transport = ProviderHTTPTransport(client: httpClient, timeout: requestTimeout, logger: logger)
    }

    // MARK: Inbound

    /// Checks `X-Hub-Signature-256` against the `app_secret` of each enabled Meta account.
    /// Every account whose secret signed the request (several only when accounts share an app).
    public func signingAccounts(_ request: WebhookRequest, accounts: [ProviderAccount]) -> [ProviderAccount] {
        guard let header = request.header(MetaSignature.headerName), let digest = MetaSignature.digest(ofHeader: header) else { return [] }
        var signers: [ProviderAccount] = []
        // Accounts of one app share its secret: each secret's HMAC is computed once.
        var verdicts: [String: Bool] = [:]
        for account in accounts where account.provider == .meta && account.isEnabled {
            guard let secret = account.settings["app_secret"], !secret.isEmpty else { continue }
            let signed: Bool
            if let known = verdicts[secret] {
                signed = known
            } else {
                signed = signatureKeys.key(for: secret).signed(request.body, digest: digest)
                verdicts[secret] = signed
            }
            if signed { signers.append(account) }
        }
        return signers
    }

    /// The subscription handshake (`GET` with `hub.mode=subscribe`, `hub.verify_token`,
    /// `hub.challenge`): the challenge to echo with 200 when the token equals (in constant time)
    /// the `verify_token` of an enabled Meta account, otherwise `nil` (answer 403).
    public func verifyHandshake(query: [String: String], accounts: [ProviderAccount]) -> String? {
        guard query["hub.mode"] == "subscribe", let challenge = query["hub.challenge"], !challenge.isEmpty,
            let token = query["hub.verify_token"], !token.isEmpty
        else { return nil }
        var matched = false
        for account in accounts where account.provider == .meta && account.isEnabled {
            guard let expected = account.settings["verify_token"], !expected.isEmpty else { continue }
            if ConstantTime.equals(token, expected) { matched = true }
        }
        return matched ? challenge : nil
    }

    /// The handshake for a request as received (reads its query string).
    public func verifyHandshake(_ request: WebhookRequest, accounts: [ProviderAccount]) -> String? {
        verifyHandshake(query: request.queryItems, accounts: accounts)
    }

    /// Parses `entry[].changes[]` with `field == "messages"`: every message (any type; unknown
    /// ones as `.unsupported` with `provider_type`) and every status. Other fields and `errors`
    /// entries are counted in `ignoredCount`.
    public func parse(_ request: WebhookRequest) throws -> ParsedWebhook {
        try MetaWebhookParser.parse(request.body)
    }

    // MARK: Outbound

    /// `POST {baseURL}/{api_version}/{phone_number_id}/messages` with a bearer token and a text
    /// message body.
    public func makeSendRequest(_ message: OutboundText) throws(ChannelConfigurationError) -> ProviderHTTPRequest {
        guard let token = message.account.settings["access_token"], !token.isEmpty else {
            throw ChannelConfigurationError("Meta account \(message.account.id) has no access_token")
        }
        guard let phoneNumberID = message.binding.phoneNumberID, !phoneNumberID.isEmpty else {
            throw ChannelConfigurationError("Meta channel \(message.binding.number) has no phone_number_id")
        }
        let version = message.account.settings["api_version"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultAPIVersion
        let url = try ProviderURL.join(
            message.account.baseURL, "/\(ProviderURL.segment(version))/\(ProviderURL.segment(phoneNumberID))/messages")
        return ProviderHTTPRequest(
            method: "POST", url: url,
            headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json", "Accept": "application/json"],
            // Members in sorted order, as `CompactJSON.encode` writes a dictionary.
            body: CompactJSON.encode(members: [
                .init("messaging_product", .string("whatsapp")), .init("recipient_type", .string("individual")),
                .init("text", .members([.init("body", .string(message.text)), .init("preview_url", .bool(false))])),
                .init("to", .string(message.to.digits)), .init("type", .string("text")),
            ]))
    }

    /// 2xx → accepted with `messages[0].id` (a 2xx without one is reported as rejected, not
    /// resent). Otherwise the Graph error envelope's `error.code` / `error.message`: 429, 5xx and
    /// `retryableErrorCodes` are retryable, other 4xx rejected.
    public static func classify(_ response: ProviderHTTPResponse) -> ChannelSendResult {
        let json = JSONValue.parse(response.body)
        if (200..<300).contains(response.status) {
            guard let id = json?["messages"]?.arrayValue?.first?["id"]?.text, !id.isEmpty else {
                return SendResponseClassifier.acceptedWithoutID(response)
            }
            return .accepted(providerMessageID: id)
        }
        let error = json?["error"]
        return SendResponseClassifier.classifyFailure(
            response, code: error?["code"]?.text, message: error?["message"]?.text, retryableCodes: retryableErrorCodes)
    }

    public func send(_ message: OutboundText) async -> ChannelSendResult {
        let request: ProviderHTTPRequest
        do { request = try makeSendRequest(message) } catch { return .rejected(code: nil, message: error.message) }
        switch await transport.perform(request) {
        case .failed(let result): return result
        case .response(let response): return Self.classify(response)
        }
    }
}

/// The HMAC keys of the app secrets webhooks were checked against, so each secret is keyed once
/// rather than on every webhook. Secrets come from the configuration: when reloads have left more
/// than 256 of them, the cache starts over.
final class SignatureKeys: Sendable {
    private let keys = BoundedMemo<String, MetaSignature.Key>(capacity: 256)

    func key(for secret: String) -> MetaSignature.Key {
        keys.value(for: secret) { MetaSignature.Key(appSecret: $0) }
    }
}
