import Foundation
import SwiftRepliesChannels
import SwiftRepliesCore

/// Loads the provider fixtures in `Tests/SwiftRepliesTests/Fixtures` (copied into the test
/// bundle) byte-exact, plus accounts and bindings to exercise the channels with.
enum ChannelFixture {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "fixture \(path) not found in the test bundle" }
    }

    /// The URL of `Fixtures/<path>` (for example `meta/inbound_text.json`).
    static func url(_ path: String) throws -> URL {
        guard let root = Bundle.module.resourceURL else { throw Missing(path: path) }
        let url = root.appendingPathComponent("Fixtures").appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: path) }
        return url
    }

    /// The exact bytes of a fixture file.
    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(path)))
    }

    static func text(_ path: String) throws -> String {
        String(decoding: try bytes(path), as: UTF8.self)
    }

    /// Decodes a JSON fixture into a test's own `Decodable` description of it.
    static func decode<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(bytes(path)))
    }

    /// A JSON fixture as Foundation objects, for shape comparisons.
    static func jsonObject(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(bytes(path))) as? [String: Any] ?? [:]
    }

    /// A webhook POST carrying a fixture's bytes.
    static func request(_ path: String, at route: String, headers: [String: String] = [:], rawQuery: String = "") throws -> WebhookRequest {
        WebhookRequest(method: "POST", path: route, rawQuery: rawQuery, headers: headers, body: try bytes(path))
    }

    static func metaAccount(id: String = "meta-main", appSecret: String = "swiftreplies-meta-fixture-app-secret", verifyToken: String = "meatyhamhock",
                            baseURL: String = "https://graph.facebook.com", extra: [String: String] = [:], disabled: String? = nil) -> ProviderAccount {
        var settings = ["app_secret": appSecret, "verify_token": verifyToken, "access_token": "EAAG-test-token"]
        settings.merge(extra) { _, new in new }
        return ProviderAccount(id: id, provider: .meta, baseURL: baseURL, settings: settings, disabledReason: disabled)
    }

    static func infobipAccount(id: String = "infobip-main", secret: String = "s3cret-webhook", user: String? = nil,
                               baseURL: String = "https://api.infobip.com", disabled: String? = nil) -> ProviderAccount {
        var settings = ["api_key": "ib-api-key", "webhook_secret": secret]
        if let user { settings["webhook_user"] = user }
        return ProviderAccount(id: id, provider: .infobip, baseURL: baseURL, settings: settings, disabledReason: disabled)
    }

    static func twilioAccount(id: String = "twilio-main", authToken: String = "swiftreplies-twilio-fixture-auth-token",
                              publicURL: String = "https://bot.example.com", accountSID: String = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                              baseURL: String = "https://api.twilio.com", disabled: String? = nil) -> ProviderAccount {
        ProviderAccount(
            id: id, provider: .twilio, baseURL: baseURL,
            settings: ["account_sid": accountSID, "auth_token": authToken, "public_url": publicURL], disabledReason: disabled)
    }

    static func phone(_ text: String) -> PhoneNumber {
        PhoneNumber(normalizing: text) ?? PhoneNumber(canonical: "0")
    }

    static func outbound(to: String = "16505551234", text: String = "Hello there", number: String = "15550783881",
                         phoneNumberID: String? = "106540352242922", account: ProviderAccount) -> OutboundText {
        OutboundText(
            to: phone(to), text: text,
            binding: ChannelBinding(accountID: account.id, provider: account.provider, number: phone(number), phoneNumberID: phoneNumberID),
            account: account)
    }
}
