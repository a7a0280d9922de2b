import AsyncHTTPClient
import Foundation
import SwiftRepliesChannels
import SwiftRepliesCore
import Testing

@Suite("Infobip channel")
struct InfobipChannelTests {
    let channel = InfobipChannel(httpClient: .shared)

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    func request(_ file: String, headers: [String: String] = [:]) throws -> WebhookRequest {
        try ChannelFixture.request("infobip/\(file)", at: "/webhooks/infobip", headers: headers)
    }

    // MARK: Authentication

    @Test func basicAuthWithTheWebhookSecretAsPassword() throws {
        let account = ChannelFixture.infobipAccount()
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["Authorization": Self.basic("infobip", "s3cret-webhook")]), accounts: [account]) == account)
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["authorization": Self.basic("", "s3cret-webhook")]), accounts: [account]) == account)
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["Authorization": Self.basic("infobip", "wrong")]), accounts: [account]) == nil)
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["Authorization": "Basic !!!not-base64"]), accounts: [account]) == nil)
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["Authorization": "Bearer s3cret-webhook"]), accounts: [account]) == nil)
        #expect(channel.authenticate(try request("inbound_text.json"), accounts: [account]) == nil)
    }

    @Test func basicAuthChecksTheUserWhenConfigured() throws {
        let account = ChannelFixture.infobipAccount(user: "hooks")
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["Authorization": Self.basic("hooks", "s3cret-webhook")]), accounts: [account]) == account)
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["Authorization": Self.basic("other", "s3cret-webhook")]), accounts: [account]) == nil)
    }

    @Test func secretHeader() throws {
        let first = ChannelFixture.infobipAccount(id: "first", secret: "first-secret")
        let second = ChannelFixture.infobipAccount(id: "second", secret: "second-secret")
        let disabled = ChannelFixture.infobipAccount(id: "disabled", secret: "second-secret", disabled: "unset")
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["X-Webhook-Secret": "second-secret"]), accounts: [first, second])?.id == "second")
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["X-Webhook-Secret": "second-secret"]), accounts: [disabled, first]) == nil)
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["X-Webhook-Secret": ""]), accounts: [first]) == nil)
        // An account without a webhook_secret can never be matched (not even by an empty one).
        let unset = ProviderAccount(id: "u", provider: .infobip, baseURL: "", settings: ["api_key": "k"])
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["X-Webhook-Secret": ""]), accounts: [unset]) == nil)
        #expect(channel.authenticate(try request("inbound_text.json", headers: ["Authorization": Self.basic("a", "")]), accounts: [unset]) == nil)
    }

    // MARK: Parsing

    func single(_ file: String) throws -> InboundMessage {
        let parsed = try channel.parse(try request(file))
        #expect(parsed.statuses.isEmpty)
        #expect(parsed.messages.count == 1)
        return try #require(parsed.messages.first)
    }

    @Test func inboundText() throws {
        let message = try single("inbound_text.json")
        #expect(message.provider == .infobip)
        #expect(message.providerMessageID == "wamid.HBgLMjc4MTMzMjE0ODIVAgAonoIAUsydhfskYyRDdEMjE4Njg3MzlBMDU2NzI4NgA=")
        #expect(message.from.digits == "385919998888")
        #expect(message.to?.digits == "41793026731")
        #expect(message.contactName == "Frank")
        #expect(message.content == .text("Hello, World!"))
        #expect(message.sentAt == Date(timeIntervalSince1970: 1_735_726_200))
    }

    @Test func legacyTextWithShortDestination() throws {
        let message = try single("inbound_text_with_contact_legacy_docs.json")
        #expect(message.providerMessageID == "ABEGOFl3VCQoAhBalbc6rTQT6mgS29EmGZ7a")
        #expect(message.content == .text("Support hello"))
        #expect(message.contactName == "Frank")
        #expect(message.to == nil)  // "1234" is no WhatsApp number
        #expect(abs((message.sentAt?.timeIntervalSince1970 ?? 0) - 1_563_535_406.998) < 0.001)
    }

    @Test func imageWithCaption() throws {
        let message = try single("inbound_image.json")
        #expect(message.content.kind == .image)
        #expect(message.content.text == "Image Caption")
        #expect(message.content.attributes["media_url"] == "https://{base_url}/whatsapp/1/senders/447796344125/media/f1b96d31-9ab9-4513-808b-50ab37360fbe")
    }

    @Test func location() throws {
        let message = try single("inbound_location.json")
        #expect(message.content.kind == .location)
        #expect(message.content.text == nil)
        #expect(message.content.attributes["latitude"] == "40.748433333333")
        #expect(message.content.attributes["longitude"] == "-73.985655555556")
        #expect(message.content.attributes["address"] == "350 5th Ave, New York, NY")
        #expect(message.content.attributes["name"] == "Empire State Building")
        #expect(message.content.attributes["url"] == "https://www.facebook.com/113272675352744")
    }

    @Test func deliveryReport() throws {
        let parsed = try channel.parse(try request("delivery_report_delivered.json"))
        #expect(parsed.messages.isEmpty)
        let status = try #require(parsed.statuses.first)
        #expect(parsed.statuses.count == 1)
        #expect(status.provider == .infobip)
        #expect(status.providerMessageID == "fb469d73-d362-463f-b30f-1e959b53badc")
        #expect(status.state == .delivered)
        #expect(status.errorCode == nil)
        #expect(status.recipient?.digits == "41793026731")
        #expect(abs((status.at?.timeIntervalSince1970 ?? 0) - 1_554_836_516.494) < 0.001)
    }

    @Test func seenReport() throws {
        let parsed = try channel.parse(try request("seen_report.json"))
        let status = try #require(parsed.statuses.first)
        #expect(parsed.statuses.count == 1)
        #expect(status.providerMessageID == "1215f543ab19-345f-adbd-12ad31451ed25f35")
        #expect(status.state == .read)
        #expect(abs((status.at?.timeIntervalSince1970 ?? 0) - 1_544_613_718.251) < 0.001)
    }

    @Test func failedReportCarriesTheError() throws {
        let body = """
            {"results":[
              {"messageId":"m1","to":"41793026731","doneAt":"2024-01-01T00:00:00.000+0000",
               "status":{"groupId":2,"groupName":"UNDELIVERABLE","id":9,"name":"UNDELIVERABLE_NOT_DELIVERED","description":"Message sent not delivered"},
               "error":{"id":27,"name":"EC_ABSENT_SUBSCRIBER","description":"Absent Subscriber","groupId":1,"permanent":false}},
              {"messageId":"m2","status":{"groupName":"REJECTED","name":"REJECTED_DESTINATION","description":"Destination rejected"},
               "error":{"id":0,"name":"NO_ERROR"}},
              {"messageId":"m3","status":{"groupName":"PENDING","name":"PENDING_ENROUTE"}},
              {"messageId":"m4","status":{"groupName":"SOMETHING_NEW"}},
              {"messageId":"m5","somethingElse":true}
            ]}
            """
        let parsed = try channel.parse(WebhookRequest(method: "POST", path: "/webhooks/infobip", body: Array(body.utf8)))
        #expect(parsed.statuses.map(\.providerMessageID) == ["m1", "m2", "m3"])
        #expect(parsed.statuses[0].state == .failed)
        #expect(parsed.statuses[0].errorCode == "EC_ABSENT_SUBSCRIBER")
        #expect(parsed.statuses[0].errorMessage == "Absent Subscriber")
        #expect(parsed.statuses[1].state == .failed)
        #expect(parsed.statuses[1].errorCode == "REJECTED_DESTINATION")
        #expect(parsed.statuses[2].state == .accepted)
        #expect(parsed.ignoredCount == 2)
    }

    @Test func everyMessageType() throws {
        func parse(_ message: String) throws -> MessageContent {
            let body = #"{"results":[{"from":"385919998888","to":"41793026731","messageId":"x","message":"# + message + "}]}"
            return try #require(try channel.parse(WebhookRequest(method: "POST", path: "/", body: Array(body.utf8))).messages.first).content
        }
        #expect(try parse(#"{"type":"DOCUMENT","url":"https://x/doc","caption":""}"#) == MessageContent(kind: .document, attributes: ["media_url": "https://x/doc"]))
        #expect(try parse(#"{"type":"VIDEO","url":"https://x/v","caption":"look"}"#).text == "look")
        #expect(try parse(#"{"type":"AUDIO","url":"https://x/a"}"#).kind == .audio)
        #expect(try parse(#"{"type":"VOICE","url":"https://x/a"}"#).kind == .audio)
        #expect(try parse(#"{"type":"STICKER","url":"https://x/s"}"#).kind == .sticker)
        #expect(try parse(#"{"type":"CONTACT","contacts":[{"name":{"formattedName":"Jo"},"phones":[{"phone":"+1555"}]}]}"#)
            == MessageContent(kind: .contacts, attributes: ["contact_count": "1", "contact_name": "Jo", "contact_phone": "+1555"]))
        #expect(try parse(#"{"type":"BUTTON","text":"Yes","payload":"YES_PAYLOAD"}"#)
            == MessageContent(kind: .button, text: "Yes", attributes: ["payload": "YES_PAYLOAD"]))
        #expect(try parse(#"{"type":"INTERACTIVE_BUTTON_REPLY","id":"b1","title":"Buy"}"#)
            == MessageContent(kind: .button, text: "Buy", attributes: ["button_id": "b1"]))
        #expect(try parse(#"{"type":"INTERACTIVE_LIST_REPLY","id":"r1","title":"Red","description":"the red one"}"#)
            == MessageContent(kind: .listReply, text: "Red", attributes: ["list_id": "r1", "description": "the red one"]))
        #expect(try parse(#"{"type":"ORDER","catalogId":"c"}"#) == MessageContent(kind: .unsupported, attributes: ["provider_type": "ORDER"]))
    }

    @Test(arguments: [
        ("{", "not valid JSON"),
        ("[]", "not a JSON object"),
        (#"{"foo":1}"#, "no results"),
        (#"{"results":{}}"#, "not an array"),
        (#"{"results":[1]}"#, "not an object"),
        (#"{"results":[{"from":"385919998888","message":{"type":"TEXT","text":"hi"}}]}"#, "no messageId"),
        (#"{"results":[{"messageId":"x","message":{"type":"TEXT","text":"hi"}}]}"#, "no from"),
        (#"{"results":[{"messageId":"x","from":"abc","message":{"type":"TEXT","text":"hi"}}]}"#, "not a phone number"),
        (#"{"results":[{"messageId":"x","from":"385919998888","message":"hi"}]}"#, "message is not an object"),
        (#"{"results":[{"status":{"groupName":"DELIVERED"}}]}"#, "no messageId"),
    ])
    func malformedBodiesThrow(body: String, fragment: String) {
        #expect {
            try channel.parse(WebhookRequest(method: "POST", path: "/webhooks/infobip", body: Array(body.utf8)))
        } throws: { error in
            (error as? WebhookPayloadError)?.message.contains(fragment) ?? false
        }
    }

    // MARK: Sending

    @Test func sendRequest() throws {
        let account = ChannelFixture.infobipAccount(baseURL: "xyz123.api.infobip.com")
        let message = ChannelFixture.outbound(to: "441134960001", text: "Some text with url: https://example.com", number: "441134960000", phoneNumberID: nil, account: account)
        let request = try channel.makeSendRequest(message)
        #expect(request.method == "POST")
        #expect(request.url == "https://xyz123.api.infobip.com/whatsapp/1/message/text")
        #expect(request.header("Authorization") == "App ib-api-key")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("Accept") == "application/json")
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let documented = try ChannelFixture.jsonObject("infobip/send_text_request.json")
        #expect(sent["from"] as? String == documented["from"] as? String)
        #expect(sent["to"] as? String == documented["to"] as? String)
        let content = try #require(sent["content"] as? [String: Any])
        #expect(content["text"] as? String == (documented["content"] as? [String: Any])?["text"] as? String)
        #expect(Set(sent.keys).isSubset(of: Set(documented.keys)))
    }

    @Test func sendWithoutAPIKeyIsRejected() async throws {
        var account = ChannelFixture.infobipAccount()
        account.settings["api_key"] = nil
        #expect(throws: ChannelConfigurationError.self) { try channel.makeSendRequest(ChannelFixture.outbound(account: account)) }
        let result = await channel.send(ChannelFixture.outbound(account: account))
        #expect(result == .rejected(code: nil, message: "Infobip account infobip-main has no api_key"))
    }

    @Test func successResponse() throws {
        let body = try ChannelFixture.bytes("infobip/send_text_response.json")
        #expect(InfobipChannel.classify(ProviderHTTPResponse(status: 200, body: body)) == .accepted(providerMessageID: "a28dd97c-1ffb-4fcf-99f1-0b557ed381da"))
        #expect(InfobipChannel.classify(ProviderHTTPResponse(status: 201, body: body)) == .accepted(providerMessageID: "a28dd97c-1ffb-4fcf-99f1-0b557ed381da"))
        guard case .rejected(nil, _) = InfobipChannel.classify(ProviderHTTPResponse(status: 200, text: "{}")) else {
            Issue.record("a 2xx without messageId is not resent")
            return
        }
    }

    @Test func unauthorizedIsRejectedWithTheServiceExceptionID() throws {
        let body = try ChannelFixture.bytes("infobip/error_401_unauthorized.json")
        #expect(InfobipChannel.classify(ProviderHTTPResponse(status: 401, body: body)) == .rejected(code: "UNAUTHORIZED", message: "Invalid login details"))
    }

    @Test func rateLimitsAndServerErrorsAreRetryable() {
        let tooMany = #"{"requestError":{"serviceException":{"messageId":"TOO_MANY_REQUESTS","text":"Too many requests"}}}"#
        #expect(InfobipChannel.classify(ProviderHTTPResponse(status: 429, headers: ["Retry-After": "2"], text: tooMany))
            == .retryable(error: "HTTP 429 [TOO_MANY_REQUESTS]: Too many requests", retryAfterSeconds: 2, possiblyDelivered: false))
        #expect(InfobipChannel.classify(ProviderHTTPResponse(status: 503, text: "")) == .retryable(error: "HTTP 503", retryAfterSeconds: nil, possiblyDelivered: false))
        let newStyle = #"{"errorCode":"E400","description":"Request cannot be processed."}"#
        #expect(InfobipChannel.classify(ProviderHTTPResponse(status: 400, text: newStyle)) == .rejected(code: "E400", message: "Request cannot be processed."))
    }
}
