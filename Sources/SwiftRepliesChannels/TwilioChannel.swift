import AsyncHTTPClient
import Foundation
import Logging
import SwiftRepliesCore

/// The Twilio WhatsApp channel.
///
/// Account settings: `account_sid` and `auth_token` (sending and webhook signatures),
/// `public_url` (this server's public base URL as Twilio calls it, e.g.
/// `https://bot.example.com`; required to check signatures), optional `status_callback_url`
/// (sent as `StatusCallback` with each message; otherwise the sender's console setting applies).
public struct TwilioChannel: MessagingChannel {
    public var provider: ProviderKind { .twilio }

    private let transport: ProviderHTTPTransport

    /// - Parameters:
    ///   - httpClient: the client outbound calls go through (owned and shut down by the caller).
    ///   - requestTimeout: the deadline of one send, from connecting to the end of the response.
    ///   - logger: for transport diagnostics (no message text is logged).
    public init(httpClient: HTTPClient, requestTimeout: Duration = .seconds(10), logger: Logger = Logger(label: "swiftreplies.channels.twilio")) {
        self.transport = ProviderHTTPTransport(client: httpClient, timeout: requestTimeout, logger: logger)
    }

    // MARK: Inbound

    /// Checks `X-Twilio-Signature` for each enabled Twilio account, over
    /// `public_url + path + ("?" + query)` and the form fields (or, with `bodySHA256` in the
    /// query, over the URL alone plus the body's hash).
    public func signingAccounts(_ request: WebhookRequest, accounts: [ProviderAccount]) -> [ProviderAccount] {
        guard let signature = request.header(TwilioSignature.headerName) else { return [] }
        var signers: [ProviderAccount] = []
        for account in accounts where account.provider == .twilio && account.isEnabled {
            guard let token = account.settings["auth_token"], !token.isEmpty,
                let publicURL = account.settings["public_url"], !publicURL.isEmpty
            else { continue }
            let url = Self.signedURL(publicURL: publicURL, path: request.path, rawQuery: request.rawQuery)
            if TwilioSignature.isValid(signature: signature, authToken: token, url: url, body: request.body) { signers.append(account) }
        }
        return signers
    }

    /// The URL Twilio signed: the public base URL (without trailing `/`), the request path and
    /// the raw query.
    public static func signedURL(publicURL: String, path: String, rawQuery: String) -> String {
        var base = publicURL.trimmingCharactersInWhitespace()
        while base.hasSuffix("/") { base.removeLast() }
        let normalizedPath = path.isEmpty || path.hasPrefix("/") ? path : "/" + path
        return base + normalizedPath + (rawQuery.isEmpty ? "" : "?" + rawQuery)
    }

    /// Parses one inbound message (`MessageSid`/`SmsMessageSid` with `Body`/`NumMedia`, no
    /// `MessageStatus` other than `received`) or one status callback (`MessageStatus`:
    /// queued/sent/delivered/read/failed/undelivered, `ErrorCode`).
    public func parse(_ request: WebhookRequest) throws -> ParsedWebhook {
        try TwilioWebhookParser.parse(request.body)
    }

    // MARK: Outbound

    /// `POST {baseURL}/2010-04-01/Accounts/{account_sid}/Messages.json`, basic auth
    /// `account_sid:auth_token`, form body `To`, `From` (both `whatsapp:+<digits>`), `Body`.
    public func makeSendRequest(_ message: OutboundText) throws(ChannelConfigurationError) -> ProviderHTTPRequest {
        guard let sid = message.account.settings["account_sid"], !sid.isEmpty else {
            throw ChannelConfigurationError("Twilio account \(message.account.id) has no account_sid")
        }
        guard let token = message.account.settings["auth_token"], !token.isEmpty else {
            throw ChannelConfigurationError("Twilio account \(message.account.id) has no auth_token")
        }
        let url = try ProviderURL.join(message.account.baseURL, "/2010-04-01/Accounts/\(ProviderURL.segment(sid))/Messages.json")
        var fields = [
            ("To", "whatsapp:" + message.to.e164),
            ("From", "whatsapp:" + message.binding.number.e164),
            ("Body", message.text),
        ]
        if let callback = message.account.settings["status_callback_url"], !callback.isEmpty {
            fields.append(("StatusCallback", callback))
        }
        let credentials = Data("\(sid):\(token)".utf8).base64EncodedString()
        return ProviderHTTPRequest(
            method: "POST", url: url,
            headers: [
                "Authorization": "Basic \(credentials)", "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            ],
            body: Array(FormURLEncoding.encode(fields).utf8))
    }

    /// 2xx (201) → accepted with `sid`. Errors read Twilio's `code` / `message`: 429 and 5xx
    /// retryable, other 4xx rejected (e.g. `21211` invalid To).
    public static func classify(_ response: ProviderHTTPResponse) -> ChannelSendResult {
        let json = JSONValue.parse(response.body)
        if (200..<300).contains(response.status) {
            guard let sid = json?["sid"]?.text, !sid.isEmpty else { return SendResponseClassifier.acceptedWithoutID(response) }
            return .accepted(providerMessageID: sid)
        }
        return SendResponseClassifier.classifyFailure(response, code: json?["code"]?.text, message: json?["message"]?.text)
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
