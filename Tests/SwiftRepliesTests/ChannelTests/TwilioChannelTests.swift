import AsyncHTTPClient
import Foundation
import SwiftRepliesChannels
import SwiftRepliesCore
import Testing

@Suite("Twilio channel")
struct TwilioChannelTests {
    let channel = TwilioChannel(httpClient: .shared)

    // MARK: Signature vectors

    struct SignatureVectors: Decodable {
        struct Vector: Decodable {
            var id: String?
            var file: String?
            var auth_token: String
            var url: String
            var params: [String: String]?
            var x_twilio_signature: String?
            var raw_body: String?
            var body_sha256_hex: String?
            var string_signed_uses_url: String?
        }
        var upstream_vectors: [Vector]
        var negative_vectors: [Vector]
        var self_computed_vectors: [Vector]
    }

    static func vectors() throws -> SignatureVectors {
        try ChannelFixture.decode(SignatureVectors.self, "twilio/signature_vectors.json")
    }

    /// Splits a vector's URL into the account's public URL, the request path and the raw query,
    /// as the server would see them behind `public_url`.
    static func webhookRequest(for vector: SignatureVectors.Vector, url: String? = nil, signature: String?, body: [UInt8]) -> (WebhookRequest, ProviderAccount) {
        let url = url ?? vector.url
        let schemeEnd = url.range(of: "://")?.upperBound ?? url.startIndex
        let pathStart = url[schemeEnd...].firstIndex(of: "/") ?? url.endIndex
        let queryStart = url.firstIndex(of: "?") ?? url.endIndex
        let publicURL = String(url[..<pathStart])
        let path = String(url[pathStart..<queryStart])
        let rawQuery = queryStart < url.endIndex ? String(url[url.index(after: queryStart)...]) : ""
        var headers = ["Content-Type": vector.raw_body == nil ? "application/x-www-form-urlencoded" : "application/json"]
        if let signature { headers["X-Twilio-Signature"] = signature }
        let request = WebhookRequest(method: "POST", path: path, rawQuery: rawQuery, headers: headers, body: body)
        return (request, ChannelFixture.twilioAccount(authToken: vector.auth_token, publicURL: publicURL))
    }

    static func formBody(_ params: [String: String]?) -> [UInt8] {
        Array(FormURLEncoding.encode((params ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }).utf8)
    }

    @Test func upstreamVectorsAreAccepted() throws {
        let vectors = try Self.vectors()
        #expect(vectors.upstream_vectors.map(\.id) == ["default", "https_with_default_port_443", "json_body_with_bodySHA256"])
        for vector in vectors.upstream_vectors {
            let body = vector.raw_body.map { Array($0.utf8) } ?? Self.formBody(vector.params)
            let (request, account) = Self.webhookRequest(for: vector, signature: vector.x_twilio_signature, body: body)
            #expect(channel.authenticate(request, accounts: [account]) == account, "\(vector.id ?? "")")
            #expect(TwilioSignature.isValid(signature: vector.x_twilio_signature, authToken: vector.auth_token, url: vector.url, body: body), "\(vector.id ?? "")")
        }
    }

    @Test func computeReproducesTheUpstreamSignatures() throws {
        let vectors = try Self.vectors()
        let plain = try #require(vectors.upstream_vectors.first { $0.id == "default" })
        let params = (plain.params ?? [:]).map { ($0.key, $0.value) }
        #expect(TwilioSignature.compute(authToken: plain.auth_token, url: plain.url, params: params) == plain.x_twilio_signature)
        let withPort = try #require(vectors.upstream_vectors.first { $0.id == "https_with_default_port_443" })
        let signedURL = try #require(withPort.string_signed_uses_url)
        #expect(TwilioSignature.compute(authToken: withPort.auth_token, url: signedURL, params: params) == withPort.x_twilio_signature)
        // The port-ful URL accepts the port-less signature too.
        #expect(TwilioSignature.isValid(signature: plain.x_twilio_signature, authToken: plain.auth_token, url: signedURL, params: params))
        let json = try #require(vectors.upstream_vectors.first { $0.id == "json_body_with_bodySHA256" })
        #expect(TwilioSignature.compute(authToken: json.auth_token, url: json.url, params: []) == json.x_twilio_signature)
    }

    @Test func negativeVectorsAreRejected() throws {
        let vectors = try Self.vectors()
        #expect(vectors.negative_vectors.map(\.id) == ["wrong_signature", "extra_query_param", "missing_header"])
        for vector in vectors.negative_vectors {
            let (request, account) = Self.webhookRequest(for: vector, signature: vector.x_twilio_signature, body: Self.formBody(vector.params))
            #expect(channel.authenticate(request, accounts: [account]) == nil, "\(vector.id ?? "")")
        }
    }

    @Test func jsonBodyMustMatchItsHash() throws {
        let vector = try #require(try Self.vectors().upstream_vectors.first { $0.id == "json_body_with_bodySHA256" })
        let tampered = Array(#"{"property": "value", "boolean": false}"#.utf8)
        let (request, account) = Self.webhookRequest(for: vector, signature: vector.x_twilio_signature, body: tampered)
        #expect(channel.authenticate(request, accounts: [account]) == nil)
        // A form field smuggled in the body does not change the JSON rule.
        let (withoutHash, _) = Self.webhookRequest(
            for: vector, url: "https://mycompany.com/myapp.php?foo=1&bar=2", signature: vector.x_twilio_signature, body: Array((vector.raw_body ?? "").utf8))
        #expect(channel.authenticate(withoutHash, accounts: [account]) == nil)
    }

    @Test func selfComputedVectorsCoverEveryFormFixture() throws {
        let vectors = try Self.vectors()
        #expect(vectors.self_computed_vectors.count == 7)
        for vector in vectors.self_computed_vectors {
            let file = try #require(vector.file)
            let body = try ChannelFixture.bytes("twilio/\(file)")
            let request = WebhookRequest(
                method: "POST", path: "/webhooks/twilio", headers: ["X-Twilio-Signature": vector.x_twilio_signature ?? ""], body: body)
            let account = ChannelFixture.twilioAccount(authToken: vector.auth_token, publicURL: "https://bot.example.com")
            #expect(vector.url == "https://bot.example.com/webhooks/twilio")
            #expect(channel.authenticate(request, accounts: [account]) == account, "\(file)")
            // With a trailing slash or the default port in the configured URL it still matches.
            let slashed = ChannelFixture.twilioAccount(authToken: vector.auth_token, publicURL: "https://bot.example.com:443/")
            #expect(channel.authenticate(request, accounts: [slashed]) == slashed, "\(file)")
            // Wrong token, wrong host, changed body: rejected.
            let wrongToken = ChannelFixture.twilioAccount(authToken: "other", publicURL: "https://bot.example.com")
            #expect(channel.authenticate(request, accounts: [wrongToken]) == nil)
            let wrongHost = ChannelFixture.twilioAccount(authToken: vector.auth_token, publicURL: "https://evil.example.com")
            #expect(channel.authenticate(request, accounts: [wrongHost]) == nil)
            var changed = request
            changed.body += Array("&Extra=1".utf8)
            #expect(channel.authenticate(changed, accounts: [account]) == nil)
            #expect(throws: Never.self) { try channel.parse(request) }
        }
    }

    @Test func authenticatePicksTheRightAccount() throws {
        let body = try ChannelFixture.bytes("twilio/inbound_text.txt")
        let signature = "IhyZZgMyurSMSuL4WmKQlT/zPAQ="
        let request = WebhookRequest(method: "POST", path: "/webhooks/twilio", headers: ["x-twilio-signature": signature], body: body)
        let other = ChannelFixture.twilioAccount(id: "other", authToken: "nope")
        let right = ChannelFixture.twilioAccount(id: "right")
        let disabled = ChannelFixture.twilioAccount(id: "disabled", disabled: "TWILIO_AUTH_TOKEN unset")
        var noURL = ChannelFixture.twilioAccount(id: "no-url")
        noURL.settings["public_url"] = nil
        #expect(channel.authenticate(request, accounts: [other, noURL, right])?.id == "right")
        #expect(channel.authenticate(request, accounts: [disabled, noURL]) == nil)
    }

    @Test func urlVariants() {
        #expect(TwilioSignature.urlVariants("https://a.com/x?y=1") == ["https://a.com/x?y=1", "https://a.com:443/x?y=1"])
        #expect(TwilioSignature.urlVariants("https://a.com:443/x") == ["https://a.com:443/x", "https://a.com/x"])
        #expect(TwilioSignature.urlVariants("http://a.com") == ["http://a.com", "http://a.com:80"])
        #expect(TwilioSignature.urlVariants("http://u:p@a.com:80/x") == ["http://u:p@a.com:80/x", "http://u:p@a.com/x"])
        #expect(TwilioSignature.urlVariants("https://a.com:8443/x") == ["https://a.com:8443/x"])
        #expect(TwilioSignature.urlVariants("https://[::1]/x") == ["https://[::1]/x", "https://[::1]:443/x"])
        #expect(TwilioChannel.signedURL(publicURL: "https://bot.example.com/", path: "/webhooks/twilio", rawQuery: "a=1") == "https://bot.example.com/webhooks/twilio?a=1")
    }

    // MARK: Parsing

    func single(_ file: String) throws -> InboundMessage {
        let parsed = try channel.parse(ChannelFixture.request("twilio/\(file)", at: "/webhooks/twilio"))
        #expect(parsed.statuses.isEmpty)
        #expect(parsed.messages.count == 1)
        return try #require(parsed.messages.first)
    }

    @Test func inboundText() throws {
        let message = try single("inbound_text.txt")
        #expect(message.provider == .twilio)
        #expect(message.providerMessageID == "SM45e9b726c0314a5524c3f3cb4ZZZZZ")
        #expect(message.from.digits == "919900000000")
        #expect(message.to?.digits == "14155238886")
        #expect(message.contactName == "Ranjit Sankar")
        #expect(message.content == .text("hey"))
    }

    @Test func inboundImage() throws {
        let message = try single("inbound_image.txt")
        #expect(message.providerMessageID == "MMdb939435611dc755f5c831cae70b75fc")
        #expect(message.from.digits == "4915100000000")
        #expect(message.contactName == "Audrey")
        #expect(message.content.kind == .image)
        #expect(message.content.text == nil)
        #expect(message.content.attributes["mime_type"] == "image/jpeg")
        #expect(message.content.attributes["media_url"]
            == "https://api.twilio.com/2010-04-01/Accounts/AC64c9ab479b849275b7b50bd19540c602/Messages/MMdb939435611dc755f5c831cae70b75fc/Media/ME4300daed58bd89c592bd9e1cda7d2619")
    }

    @Test func inboundLocation() throws {
        let message = try single("inbound_location.txt")
        #expect(message.providerMessageID == "SMed5ffcfab3da6bbbccdd8866fe793744")
        #expect(message.from.digits == "15555550101")
        #expect(message.to?.digits == "15555550100")
        #expect(message.contactName == "Test User")
        #expect(message.content.kind == .location)
        #expect(message.content.text == nil)
        #expect(message.content.attributes["latitude"] == "25.018766403198")
        #expect(message.content.attributes["longitude"] == "-77.395950317383")
    }

    @Test func inboundReplyText() throws {
        let message = try single("inbound_reply_text.txt")
        #expect(message.providerMessageID == "SM70cd0bbe75ce4540a2a8d0491f924c02")
        #expect(message.content.kind == .text)
        #expect(message.content.text == "Nice")
        #expect(message.content.attributes["context_message_id"] == "MM3c146d6483ab26bddabeeedf9565afea")
    }

    @Test(arguments: [
        ("status_callback_sent.txt", DeliveryState.sent),
        ("status_callback_delivered.txt", DeliveryState.delivered),
        ("status_callback_read.txt", DeliveryState.read),
    ])
    func statusCallbacks(file: String, state: DeliveryState) throws {
        let parsed = try channel.parse(ChannelFixture.request("twilio/\(file)", at: "/webhooks/twilio"))
        #expect(parsed.messages.isEmpty)
        let status = try #require(parsed.statuses.first)
        #expect(parsed.statuses.count == 1)
        #expect(status.provider == .twilio)
        #expect(status.providerMessageID == "SMc4c96554c26604013c6b7f1b4b6DDDDD")
        #expect(status.state == state)
        #expect(status.errorCode == nil)
        #expect(status.businessNumber?.digits == "14155238886")
        #expect(status.recipient?.digits == "919900000000")
    }

    @Test func failedAndUndeliveredCallbacksCarryTheErrorCode() throws {
        for status in ["failed", "undelivered"] {
            let body = "MessageSid=SM1&MessageStatus=\(status)&ErrorCode=63016&To=whatsapp%3A%2B15555550101&From=whatsapp%3A%2B15555550100"
            let update = try #require(try channel.parse(WebhookRequest(method: "POST", path: "/", body: Array(body.utf8))).statuses.first)
            #expect(update.state == .failed)
            #expect(update.errorCode == "63016")
        }
        let queued = try channel.parse(WebhookRequest(method: "POST", path: "/", body: Array("MessageSid=SM2&MessageStatus=queued".utf8)))
        #expect(queued.statuses.first?.state == .accepted)
        let odd = try channel.parse(WebhookRequest(method: "POST", path: "/", body: Array("MessageSid=SM3&MessageStatus=brand_new".utf8)))
        #expect(odd.statuses.isEmpty && odd.ignoredCount == 1)
    }

    @Test func buttonsMediaKindsAndUnknownTypes() throws {
        func parse(_ body: String) throws -> MessageContent {
            let full = "MessageSid=SM1&From=whatsapp%3A%2B15555550101&To=whatsapp%3A%2B15555550100&" + body
            return try #require(try channel.parse(WebhookRequest(method: "POST", path: "/", body: Array(full.utf8))).messages.first).content
        }
        #expect(try parse("Body=Yes&ButtonText=Yes&ButtonPayload=YES_1&MessageType=button&NumMedia=0")
            == MessageContent(kind: .button, text: "Yes", attributes: ["payload": "YES_1"]))
        #expect(try parse("Body=&NumMedia=1&MediaUrl0=https%3A%2F%2Fx%2Fa&MediaContentType0=audio%2Fogg").kind == .audio)
        #expect(try parse("Body=the+pdf&NumMedia=1&MediaUrl0=https%3A%2F%2Fx%2Fd&MediaContentType0=application%2Fpdf")
            == MessageContent(kind: .document, text: "the pdf", attributes: ["media_url": "https://x/d", "mime_type": "application/pdf", "media_count": "1"]))
        #expect(try parse("Body=&NumMedia=0&MessageType=order") == MessageContent(kind: .unsupported, attributes: ["provider_type": "order"]))
        #expect(try parse("Body=&NumMedia=0&MessageType=text") == .text(""))
    }

    @Test(arguments: [
        ("", "no MessageSid"),
        ("Body=hi&From=whatsapp%3A%2B15555550101", "no MessageSid"),
        ("MessageSid=SM1&Body=hi", "no From"),
        ("MessageSid=SM1&Body=hi&From=whatsapp%3Anobody", "not a phone number"),
        ("MessageSid=SM1&AccountSid=AC1", "neither"),
        (#"{"MessageSid":"SM1"}"#, "JSON"),
    ])
    func malformedBodiesThrow(body: String, fragment: String) {
        #expect {
            try channel.parse(WebhookRequest(method: "POST", path: "/webhooks/twilio", body: Array(body.utf8)))
        } throws: { error in
            (error as? WebhookPayloadError)?.message.contains(fragment) ?? false
        }
    }

    // MARK: Sending

    @Test func sendRequestMatchesTheDocumentedForm() throws {
        let account = ChannelFixture.twilioAccount(baseURL: "https://api.twilio.com/")
        let text = "This is a message that I want to send over WhatsApp with Twilio!"
        let message = ChannelFixture.outbound(to: "15005550006", text: text, number: "14155238886", phoneNumberID: nil, account: account)
        let request = try channel.makeSendRequest(message)
        #expect(request.method == "POST")
        #expect(request.url == "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json")
        let credentials = Data("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:swiftreplies-twilio-fixture-auth-token".utf8).base64EncodedString()
        #expect(request.header("Authorization") == "Basic \(credentials)")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
        let documented = try ChannelFixture.text("twilio/send_message_request.txt")
        #expect(FormURLEncoding.decode(request.bodyText) == FormURLEncoding.decode(documented))
        #expect(request.bodyText == "To=whatsapp%3A%2B15005550006&From=whatsapp%3A%2B14155238886&Body=This+is+a+message+that+I+want+to+send+over+WhatsApp+with+Twilio%21")
    }

    @Test func statusCallbackIsSentWhenConfigured() throws {
        var account = ChannelFixture.twilioAccount()
        account.settings["status_callback_url"] = "https://bot.example.com/webhooks/twilio"
        let request = try channel.makeSendRequest(ChannelFixture.outbound(account: account))
        #expect(FormURLEncoding.decode(request.bodyText)["StatusCallback"] == "https://bot.example.com/webhooks/twilio")
    }

    @Test func sendNeedsCredentials() async {
        var account = ChannelFixture.twilioAccount()
        account.settings["auth_token"] = nil
        let result = await channel.send(ChannelFixture.outbound(account: account))
        #expect(result == .rejected(code: nil, message: "Twilio account twilio-main has no auth_token"))
    }

    @Test func createdResponseYieldsTheSid() throws {
        let body = try ChannelFixture.bytes("twilio/send_message_response.json")
        #expect(TwilioChannel.classify(ProviderHTTPResponse(status: 201, body: body)) == .accepted(providerMessageID: "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
        #expect(TwilioChannel.classify(ProviderHTTPResponse(status: 200, body: body)) == .accepted(providerMessageID: "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
    }

    @Test func errorsAreClassified() {
        let invalidTo = #"{"code": 21211, "message": "The 'To' number +1500 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#
        #expect(TwilioChannel.classify(ProviderHTTPResponse(status: 400, text: invalidTo))
            == .rejected(code: "21211", message: "The 'To' number +1500 is not a valid phone number."))
        let tooMany = #"{"code": 20429, "message": "Too Many Requests", "status": 429}"#
        #expect(TwilioChannel.classify(ProviderHTTPResponse(status: 429, headers: ["Retry-After": "1.5"], text: tooMany))
            == .retryable(error: "HTTP 429 [20429]: Too Many Requests", retryAfterSeconds: 1.5, possiblyDelivered: false))
        #expect(TwilioChannel.classify(ProviderHTTPResponse(status: 500, text: "oops")) == .retryable(error: "HTTP 500", retryAfterSeconds: nil, possiblyDelivered: false))
        let auth = #"{"code": 20003, "message": "Authenticate", "status": 401}"#
        #expect(TwilioChannel.classify(ProviderHTTPResponse(status: 401, text: auth)) == .rejected(code: "20003", message: "Authenticate"))
    }
}
