import AsyncHTTPClient
import Foundation
import Logging
import SwiftRepliesCore

/// The Infobip WhatsApp channel.
///
/// Account settings: `api_key` (sending), `webhook_secret` (inbound authentication, required to
/// accept webhooks), optional `webhook_user`. The binding's number is the sender.
///
/// Infobip signs nothing, so inbound requests must carry the secret, either as
/// `Authorization: Basic base64(user:webhook_secret)` (any user, or exactly `webhook_user` when
/// set) or as `X-Webhook-Secret: webhook_secret`.
public struct InfobipChannel: MessagingChannel {
    public var provider: ProviderKind { .infobip }

    private let transport: ProviderHTTPTransport

    /// - Parameters:
    ///   - httpClient: the client outbound calls go through (owned and shut down by the caller).
    ///   - requestTimeout: the deadline of one send, from connecting to the end of the response.
    ///   - logger: for transport diagnostics (no message text is logged).
    public init(httpClient: HTTPClient, requestTimeout: Duration = .seconds(10), logger: Logger = Logger(label: "swiftreplies.channels.infobip")) {
        self.transport = ProviderHTTPTransport(client: httpClient, timeout: requestTimeout, logger: logger)
    }

    // MARK: Inbound

    /// The enabled Infobip accounts whose `webhook_secret` the request carries, compared in
    /// constant time.
    public func signingAccounts(_ request: WebhookRequest, accounts: [ProviderAccount]) -> [ProviderAccount] {
        let headerSecret = request.header("X-Webhook-Secret")
        let basic = request.header("Authorization").flatMap(Self.basicCredentials)
        guard headerSecret != nil || basic != nil else { return [] }
        var signers: [ProviderAccount] = []
        for account in accounts where account.provider == .infobip && account.isEnabled {
            guard let secret = account.settings["webhook_secret"], !secret.isEmpty else { continue }
            if let headerSecret, ConstantTime.equals(headerSecret, secret) {
                signers.append(account)
                continue
            }
            if let basic {
                let passwordMatches = ConstantTime.equals(basic.password, secret)
                var userMatches = true
                if let user = account.settings["webhook_user"], !user.isEmpty { userMatches = ConstantTime.equals(basic.user, user) }
                if passwordMatches && userMatches { signers.append(account) }
            }
        }
        return signers
    }

    /// `user` and `password` of an `Authorization: Basic ...` value; `nil` for other schemes
    /// or bad base64.
    static func basicCredentials(_ header: String) -> (user: String, password: String)? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1]).trimmingCharactersInWhitespace()),
            let decoded = String(data: data, encoding: .utf8), let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
    }

    /// Parses `results[]`: inbound messages, delivery reports (`PENDING` → accepted,
    /// `DELIVERED`, `UNDELIVERABLE`/`EXPIRED`/`REJECTED` → failed with the error's `name`) and
    /// seen reports (→ read). Results of other shapes are counted in `ignoredCount`.
    public func parse(_ request: WebhookRequest) throws -> ParsedWebhook {
        try InfobipWebhookParser.parse(request.body)
    }

    // MARK: Outbound

    /// `POST {baseURL}/whatsapp/1/message/text` with `Authorization: App {api_key}`.
    public func makeSendRequest(_ message: OutboundText) throws(ChannelConfigurationError) -> ProviderHTTPRequest {
        guard let apiKey = message.account.settings["api_key"], !apiKey.isEmpty else {
            throw ChannelConfigurationError("Infobip account \(message.account.id) has no api_key")
        }
        let url = try ProviderURL.join(message.account.baseURL, "/whatsapp/1/message/text")
        return ProviderHTTPRequest(
            method: "POST", url: url,
            headers: ["Authorization": "App \(apiKey)", "Content-Type": "application/json", "Accept": "application/json"],
            body: CompactJSON.encode([
                "from": .string(message.binding.number.digits), "to": .string(message.to.digits), "content": .object(["text": .string(message.text)]),
            ]))
    }

    /// Any 2xx → accepted with `messageId` (a `REJECTED` status group in a 2xx is rejected).
    /// Errors read `requestError.serviceException.messageId` / `text` (or the newer
    /// `errorCode` / `description`): 429 and 5xx retryable, other 4xx rejected.
    public static func classify(_ response: ProviderHTTPResponse) -> ChannelSendResult {
        let json = JSONValue.parse(response.body)
        if (200..<300).contains(response.status) {
            let item = json?["messages"]?.arrayValue?.first ?? json
            if item?["status"]?["groupName"]?.text?.uppercased() == "REJECTED" {
                return .rejected(
                    code: item?["status"]?["name"]?.text, message: item?["status"]?["description"]?.text ?? "rejected by Infobip")
            }
            guard let id = item?["messageId"]?.text, !id.isEmpty else { return SendResponseClassifier.acceptedWithoutID(response) }
            return .accepted(providerMessageID: id)
        }
        let exception = json?["requestError"]?["serviceException"] ?? json?["requestError"]?["policyException"]
        let code = exception?["messageId"]?.text ?? json?["errorCode"]?.text
        let message = exception?["text"]?.text ?? json?["description"]?.text
        return SendResponseClassifier.classifyFailure(response, code: code, message: message)
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
