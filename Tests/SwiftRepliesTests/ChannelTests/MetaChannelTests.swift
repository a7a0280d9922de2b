import AsyncHTTPClient
import Foundation
import SwiftRepliesChannels
import SwiftRepliesCore
import Testing

@Suite("Meta channel")
struct MetaChannelTests {
    let channel = MetaChannel(httpClient: .shared)

    // MARK: Signature vectors

    struct SignatureVectors: Decodable {
        struct Vector: Decodable {
            var id: String?
            var file: String?
            var app_secret: String
            var body_file: String?
            var body: String?
            var x_hub_signature_256: String?
        }
        var upstream_vectors: [Vector]
        var negative_vectors: [Vector]
        var self_computed_vectors: [Vector]
    }

    static func vectors() throws -> SignatureVectors {
        try ChannelFixture.decode(SignatureVectors.self, "meta/signature_vectors.json")
    }

    static func body(of vector: SignatureVectors.Vector) throws -> [UInt8] {
        if let file = vector.body_file ?? vector.file { return try ChannelFixture.bytes("meta/\(file)") }
        return Array((vector.body ?? "").utf8)
    }

    static func signedRequest(_ body: [UInt8], header: String?) -> WebhookRequest {
        var headers: [String: String] = ["Content-Type": "application/json"]
        if let header { headers["X-Hub-Signature-256"] = header }
        return WebhookRequest(method: "POST", path: "/webhooks/meta", headers: headers, body: body)
    }

    @Test func upstreamSignatureVectorsAreAccepted() throws {
        let vectors = try Self.vectors()
        #expect(vectors.upstream_vectors.count == 3)
        for vector in vectors.upstream_vectors {
            let body = try Self.body(of: vector)
            let header = try #require(vector.x_hub_signature_256)
            #expect(MetaSignature.isValid(header: header, body: body, appSecret: vector.app_secret), "\(vector.id ?? "")")
            #expect(MetaSignature.header(body: body, appSecret: vector.app_secret) == header, "\(vector.id ?? "")")
            let account = ChannelFixture.metaAccount(appSecret: vector.app_secret)
            #expect(channel.authenticate(Self.signedRequest(body, header: header), accounts: [account]) == account)
        }
    }

    @Test func pywaInlineBodyEqualsTheRawFile() throws {
        let vector = try #require(try Self.vectors().upstream_vectors.first { $0.body_file == "signed_text_pywa.raw.json" })
        #expect(Array((vector.body ?? "").utf8) == (try ChannelFixture.bytes("meta/signed_text_pywa.raw.json")))
    }

    @Test func negativeSignatureVectorsAreRejected() throws {
        let vectors = try Self.vectors()
        #expect(vectors.negative_vectors.map(\.id) == ["tampered_body", "wrong_secret", "missing_prefix", "missing_header"])
        for vector in vectors.negative_vectors {
            let body = try Self.body(of: vector)
            #expect(!MetaSignature.isValid(header: vector.x_hub_signature_256, body: body, appSecret: vector.app_secret), "\(vector.id ?? "")")
            let account = ChannelFixture.metaAccount(appSecret: vector.app_secret)
            #expect(channel.authenticate(Self.signedRequest(body, header: vector.x_hub_signature_256), accounts: [account]) == nil)
        }
    }

    @Test func selfComputedSignatureVectorsCoverEveryFixture() throws {
        let vectors = try Self.vectors()
        #expect(vectors.self_computed_vectors.count == 15)
        let account = ChannelFixture.metaAccount()
        for vector in vectors.self_computed_vectors {
            let body = try Self.body(of: vector)
            let header = try #require(vector.x_hub_signature_256)
            #expect(vector.app_secret == "swiftreplies-meta-fixture-app-secret")
            #expect(channel.authenticate(Self.signedRequest(body, header: header), accounts: [account]) == account, "\(vector.file ?? "")")
            // Every signed fixture also parses.
            #expect(throws: Never.self) { try channel.parse(Self.signedRequest(body, header: header)) }
        }
    }

    @Test func malformedSignatureHeadersAreRejected() throws {
        let body = try ChannelFixture.bytes("meta/inbound_text.json")
        let account = ChannelFixture.metaAccount()
        let good = MetaSignature.header(body: body, appSecret: "swiftreplies-meta-fixture-app-secret")
        let hex = String(good.dropFirst("sha256=".count))
        for header in ["", "sha256=", "sha256=zz" + hex.dropFirst(2), "sha256=" + hex.dropLast(2), "sha1=" + hex, "sha256=" + hex + "00", "SHA256=" + hex] {
            #expect(channel.authenticate(Self.signedRequest(body, header: header), accounts: [account]) == nil, "\(header)")
        }
        // Upper-case hex digits are still the same signature.
        #expect(channel.authenticate(Self.signedRequest(body, header: "sha256=" + hex.uppercased()), accounts: [account]) == account)
    }

    @Test func authenticatePicksTheMatchingEnabledMetaAccount() throws {
        let body = try ChannelFixture.bytes("meta/inbound_text.json")
        let header = MetaSignature.header(body: body, appSecret: "second-secret")
        let first = ChannelFixture.metaAccount(id: "first", appSecret: "first-secret")
        let second = ChannelFixture.metaAccount(id: "second", appSecret: "second-secret")
        let disabled = ChannelFixture.metaAccount(id: "disabled", appSecret: "second-secret", disabled: "APP_SECRET unset")
        let noSecret = ProviderAccount(id: "none", provider: .meta, baseURL: "", settings: [:])
        let request = Self.signedRequest(body, header: header)
        #expect(channel.authenticate(request, accounts: [noSecret, first, second])?.id == "second")
        #expect(channel.authenticate(request, accounts: [disabled, first]) == nil)
        let wrongProvider = ProviderAccount(id: "t", provider: .twilio, baseURL: "", settings: ["app_secret": "second-secret"])
        #expect(channel.authenticate(request, accounts: [wrongProvider]) == nil)
        #expect(channel.authenticate(request, accounts: []) == nil)
    }

    /// Each secret's key is set up once and reused: webhooks signed with several secrets, in turn
    /// and again, each authenticate against their own account only, also once more secrets than
    /// the key cache keeps have been seen (it starts over).
    @Test func authenticateKeepsEachSecretsOwnKey() throws {
        let body = try ChannelFixture.bytes("meta/inbound_text.json")
        let accounts = (0..<300).map { ChannelFixture.metaAccount(id: "account-\($0)", appSecret: "secret-\($0)") }
        for round in 0..<2 {
            for index in [0, 299, 1, 150, 0, 298] {
                let request = Self.signedRequest(body, header: MetaSignature.header(body: body, appSecret: "secret-\(index)"))
                #expect(channel.authenticate(request, accounts: accounts)?.id == "account-\(index)", "round \(round)")
                // The same request against every other account fails.
                #expect(channel.authenticate(request, accounts: accounts.filter { $0.id != "account-\(index)" }) == nil)
            }
        }
        // A body changed after signing fails with the key that signed the original.
        let header = MetaSignature.header(body: body, appSecret: "secret-7")
        #expect(channel.authenticate(Self.signedRequest(body + [0x20], header: header), accounts: accounts) == nil)
        #expect(channel.authenticate(Self.signedRequest(body, header: "  " + header + "\t"), accounts: accounts)?.id == "account-7")
    }

    // MARK: Verify handshake

    struct Handshake: Decodable {
        struct Request: Decodable { var raw_query: String; var query: [String: String] }
        struct Expected: Decodable { var status: Int; var body: String }
        struct Negative: Decodable { var raw_query: String }
        var request: Request
        var configured_verify_token: String
        var expected_response: Expected
        var negative_cases: [Negative]
    }

    @Test func verifyHandshakeFixture() throws {
        let fixture = try ChannelFixture.decode(Handshake.self, "meta/verify_handshake.json")
        let account = ChannelFixture.metaAccount(verifyToken: fixture.configured_verify_token)
        let other = ChannelFixture.metaAccount(id: "other", verifyToken: "another-token")
        #expect(channel.verifyHandshake(query: fixture.request.query, accounts: [other, account]) == fixture.expected_response.body)
        let request = WebhookRequest(method: "GET", path: "/webhooks/meta", rawQuery: fixture.request.raw_query)
        #expect(request.queryItems == fixture.request.query)
        #expect(channel.verifyHandshake(request, accounts: [account]) == "1158201444")
        #expect(fixture.negative_cases.count == 3)
        for negative in fixture.negative_cases {
            let request = WebhookRequest(method: "GET", path: "/webhooks/meta", rawQuery: negative.raw_query)
            #expect(channel.verifyHandshake(request, accounts: [account]) == nil, "\(negative.raw_query)")
        }
        // A disabled account's token does not count; nor does an empty token.
        let disabled = ChannelFixture.metaAccount(verifyToken: fixture.configured_verify_token, disabled: "unset")
        #expect(channel.verifyHandshake(query: fixture.request.query, accounts: [disabled]) == nil)
        let empty = ChannelFixture.metaAccount(verifyToken: "")
        #expect(channel.verifyHandshake(query: ["hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": ""], accounts: [empty]) == nil)
    }

    // MARK: Parsing

    func parse(_ file: String) throws -> ParsedWebhook {
        try channel.parse(ChannelFixture.request("meta/\(file)", at: "/webhooks/meta"))
    }

    func single(_ file: String) throws -> InboundMessage {
        let parsed = try parse(file)
        #expect(parsed.statuses.isEmpty)
        #expect(parsed.messages.count == 1)
        return try #require(parsed.messages.first)
    }

    @Test func inboundText() throws {
        let message = try single("inbound_text.json")
        #expect(message.provider == .meta)
        #expect(message.providerMessageID == "wamid.xyzxyz")
        #expect(message.from.digits == "972987654321")
        #expect(message.to?.digits == "972123456789")
        #expect(message.toPhoneNumberID == "1122334455667")
        #expect(message.contactName == "Test Name")
        #expect(message.content == .text("Body Text"))
        #expect(message.sentAt == Date(timeIntervalSince1970: 1_697_043_223))
    }

    /// Meta escapes every non-ASCII character as `\uXXXX` (emoji as surrogate pairs); text may
    /// also mix raw UTF-8 with escapes, and escape quotes, backslashes and control characters.
    @Test(arguments: [
        (#"\u0645\u0631\u062d\u0628\u0627"#, "مرحبا"),
        (#"caf\u00e9 cr\u00e8me"#, "café crème"),
        (#"\uD83D\uDE2E wow \ud83d\ude80"#, "😮 wow 🚀"),
        (#"déjà \u00e0 \"quoted\" \\ back\/slash"#, "déjà à \"quoted\" \\ back/slash"),
        (#"line\nbreak\ttab\r\b\f"#, "line\nbreak\ttab\r\u{08}\u{0C}"),
        (#"\u0041\u00DF\u20AC\uFFFD"#, "Aß€\u{FFFD}"),
    ])
    func escapedTextIsDecoded(escaped: String, text: String) throws {
        let body = #"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"contacts":[{"profile":{"name":"\u0644\u064a\u0646\u0627"},"wa_id":"96170000001"}],"messages":[{"id":"wamid.1","from":"96170000001","type":"text","text":{"body":""#
            + escaped + #""}}]}}]}]}"#
        let parsed = try channel.parse(WebhookRequest(method: "POST", path: "/webhooks/meta", body: Array(body.utf8)))
        let message = try #require(parsed.messages.first)
        #expect(message.content == .text(text))
        #expect(message.contactName == "لينا")
    }

    /// Objects keep their members in a list: a key read finds its member wherever it stands
    /// among many, and a key given twice reads as its last value (as a dictionary filled in
    /// document order would).
    @Test func objectMembersAreFoundInAnyOrderAndTheLastDuplicateWins() throws {
        let filler = (1...40).map { #""x\#($0)":[\#($0),{"y":null}]"# }.joined(separator: ",")
        let body = #"{"entry":[{"changes":[{"value":{"#
            + #""messages":[{"type":"text","text":{"body":"first"},"from":"96170000009","id":"wamid.dup","text":{"body":"second"},"#
            + filler + #"}],"metadata":{"phone_number_id":"1","display_phone_number":"15550000000"},"contacts":[]},"field":"messages"}]}],"#
            + #""object":"whatsapp_business_account"}"#
        let parsed = try channel.parse(WebhookRequest(method: "POST", path: "/webhooks/meta", body: Array(body.utf8)))
        let message = try #require(parsed.messages.first)
        #expect(message.providerMessageID == "wamid.dup")
        #expect(message.from.digits == "96170000009")
        #expect(message.to?.digits == "15550000000")
        #expect(message.content == .text("second"))
    }

    @Test func inboundTextFromMetaDocs() throws {
        let message = try single("inbound_text_meta_docs.json")
        #expect(message.providerMessageID == "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=")
        #expect(message.from.digits == "16505551234")
        #expect(message.to?.digits == "15550783881")
        #expect(message.toPhoneNumberID == "106540352242922")
        #expect(message.contactName == "Sheena Nelson")
        #expect(message.content.text == "Does it come in another color?")
        #expect(message.content.isAnswerable)
        #expect(message.sentAt == Date(timeIntervalSince1970: 1_749_416_383))
    }

    @Test func signedPywaDelivery() throws {
        let message = try single("signed_text_pywa.raw.json")
        #expect(message.from.digits == "972544401243")
        #expect(message.to?.digits == "15550953877")
        #expect(message.toPhoneNumberID == "277321005464405")
        #expect(message.contactName == "PyWa Tests")
        #expect(message.content == .text("Hey there! I am using PyWa."))
    }

    @Test func interactiveButtonReply() throws {
        let message = try single("inbound_interactive_button_reply.json")
        #expect(message.content.kind == .button)
        #expect(message.content.text == "title")
        #expect(message.content.attributes["button_id"] == "callback_data")
        #expect(message.content.attributes["context_message_id"] == "wamid.xyzxyz")
        #expect(message.contactName == "Test Name")
        #expect(message.content.isAnswerable)
    }

    @Test func interactiveListReply() throws {
        let message = try single("inbound_interactive_list_reply.json")
        #expect(message.providerMessageID == "wamid.zyzxyz")
        #expect(message.content.kind == .listReply)
        #expect(message.content.text == "title")
        #expect(message.content.attributes["list_id"] == "callback_data")
        #expect(message.content.attributes["description"] == "description")
    }

    @Test func templateQuickReplyButton() throws {
        let message = try single("inbound_template_quick_reply_button.json")
        #expect(message.providerMessageID == "wamid.xsidjw")
        #expect(message.content.kind == .button)
        #expect(message.content.text == "title")
        #expect(message.content.attributes["payload"] == "callback_data")
        #expect(message.sentAt == Date(timeIntervalSince1970: 1_698_269_027))
    }

    @Test func imageWithoutCaption() throws {
        let message = try single("inbound_image.json")
        #expect(message.from.digits == "1111111111111")
        #expect(message.to?.digits == "43330585569")
        #expect(message.contactName == "Mauricio Binda")
        #expect(message.content.kind == .image)
        #expect(message.content.text == nil)
        #expect(message.content.attributes["media_id"] == "8472976218001204")
        #expect(message.content.attributes["mime_type"] == "image/jpeg")
        #expect(message.content.attributes["sha256"] == "ciJuSxU7RLnnFz3cNcasdL7UQKt9e1yj/3u+Rhsabv0=")
        #expect(!message.content.isAnswerable)
    }

    @Test func videoWithCaption() throws {
        let message = try single("inbound_video_with_caption.json")
        #expect(message.content.kind == .video)
        #expect(message.content.text == "caption")
        #expect(message.content.attributes["media_id"] == "765756756")
        #expect(message.content.attributes["mime_type"] == "video/mp4")
        #expect(message.content.attributes["forwarded"] == "true")
    }

    @Test func documentWithCaption() throws {
        let message = try single("inbound_document_with_caption.json")
        #expect(message.content.kind == .document)
        #expect(message.content.text == "caption")
        #expect(message.content.attributes["filename"] == "filename.pdf")
        #expect(message.content.attributes["mime_type"] == "application/pdf")
        #expect(message.content.attributes["media_id"] == "1234567890987654321")
        #expect(message.content.attributes["sha256"] == "grwfwe/ZPx0wAbdfbdeFUNItPZ0RylL8gGUvdt3YFqc18SY=")
    }

    @Test func location() throws {
        let message = try single("inbound_location.json")
        #expect(message.content.kind == .location)
        #expect(message.content.text == nil)
        #expect(message.content.attributes["latitude"] == "37.4611978")
        #expect(message.content.attributes["longitude"] == "-122.2164385")
        #expect(message.content.attributes["name"] == "Facebook HQ")
        #expect(message.content.attributes["address"] == "1 Hacker Way, Menlo Park, CA 94025")
        #expect(message.content.attributes["url"] == "https://maps.google.com/?cid=2000000000000000000")
    }

    @Test func reaction() throws {
        let message = try single("inbound_reaction.json")
        #expect(message.content.kind == .reaction)
        #expect(message.content.text == nil)
        #expect(message.content.attributes["emoji"] == "\u{1F62E}")
        #expect(message.content.attributes["reacted_message_id"] == "wamid.yzxyzx=")
    }

    @Test(arguments: [
        ("status_sent.json", DeliveryState.sent, 1_698_266_945.0),
        ("status_delivered.json", DeliveryState.delivered, 1_698_266_945.0),
        ("status_read.json", DeliveryState.read, 1_689_380_458.0),
    ])
    func statuses(file: String, state: DeliveryState, timestamp: Double) throws {
        let parsed = try parse(file)
        #expect(parsed.messages.isEmpty)
        let status = try #require(parsed.statuses.first)
        #expect(parsed.statuses.count == 1)
        #expect(status.provider == .meta)
        #expect(status.providerMessageID == "wamid.xyzxyz")
        #expect(status.state == state)
        #expect(status.errorCode == nil)
        #expect(status.recipient?.digits == "972987654321")
        #expect(status.businessNumber?.digits == "972123456789")
        #expect(status.businessPhoneNumberID == "1122334455667")
        #expect(status.at == Date(timeIntervalSince1970: timestamp))
    }

    @Test func failedStatusWithReengagementError() throws {
        let status = try #require(try parse("status_failed_131047_reengagement.json").statuses.first)
        #expect(status.state == .failed)
        #expect(status.providerMessageID == "wamid.HBgNN5NzAzMDkTUyNzkzNhUEjA1MjUwNCAUIyNEYUQ0OTVGNTY0MwA=")
        #expect(status.errorCode == "131047")
        #expect(status.errorMessage == "Re-engagement message")
        #expect(status.recipient?.digits == "5511111111111")
        #expect(status.businessNumber?.digits == "101010101010")
        #expect(status.businessPhoneNumberID == "109999999999999")
    }

    @Test func severalEntriesChangesAndMessagesAllComeOut() throws {
        let body = """
            {"object":"whatsapp_business_account","entry":[
              {"id":"1","changes":[
                {"field":"messages","value":{"metadata":{"display_phone_number":"15550001111","phone_number_id":"111"},
                  "contacts":[{"profile":{"name":"Ann"},"wa_id":"96170000001"},{"profile":{"name":"Bob"},"wa_id":"96170000002"}],
                  "messages":[
                    {"from":"96170000001","id":"wamid.A","timestamp":"1700000000","type":"text","text":{"body":"one"}},
                    {"from":"96170000002","id":"wamid.B","timestamp":"1700000001","type":"text","text":{"body":"two"}}]}},
                {"field":"messages","value":{"metadata":{"display_phone_number":"15550001111","phone_number_id":"111"},
                  "statuses":[{"id":"wamid.OUT","status":"delivered","timestamp":"1700000002","recipient_id":"96170000001"},
                              {"id":"wamid.OUT2","status":"deleted","timestamp":"1700000002","recipient_id":"96170000001"}]}},
                {"field":"account_update","value":{"event":"VERIFIED_ACCOUNT"}}]},
              {"id":"2","changes":[
                {"field":"messages","value":{"metadata":{"display_phone_number":"+1 555-000-2222","phone_number_id":"222"},
                  "messages":[{"from":"96170000003","id":"wamid.C","timestamp":"1700000003","type":"order","order":{},
                    "errors":[{"code":131051,"title":"Message type unknown"}]}],
                  "unknown_future_key":{"x":[1,2,3]}}}]}]}
            """
        let parsed = try channel.parse(WebhookRequest(method: "POST", path: "/webhooks/meta", body: Array(body.utf8)))
        #expect(parsed.messages.map(\.providerMessageID) == ["wamid.A", "wamid.B", "wamid.C"])
        #expect(parsed.messages.map(\.contactName) == ["Ann", "Bob", nil])
        #expect(parsed.messages[2].to?.digits == "15550002222")
        #expect(parsed.messages[2].toPhoneNumberID == "222")
        #expect(parsed.messages[2].content.kind == .unsupported)
        #expect(parsed.messages[2].content.attributes["provider_type"] == "order")
        #expect(parsed.messages[2].content.attributes["error_code"] == "131051")
        #expect(parsed.statuses.map(\.providerMessageID) == ["wamid.OUT"])
        #expect(parsed.ignoredCount == 2)  // the "deleted" status and the account_update change
    }

    @Test func unknownMessageTypesAreUnsupported() throws {
        for type in ["system", "unknown", "unsupported", "request_welcome"] {
            let body = """
                {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
                "metadata":{"display_phone_number":"15550001111","phone_number_id":"111"},
                "messages":[{"from":"96170000001","id":"wamid.X","timestamp":"1700000000","type":"\(type)"}]}}]}]}
                """
            let message = try #require(try channel.parse(WebhookRequest(method: "POST", path: "/", body: Array(body.utf8))).messages.first)
            #expect(message.content.kind == .unsupported)
            #expect(message.content.attributes["provider_type"] == type)
            #expect(!message.content.isAnswerable)
        }
    }

    @Test(arguments: [
        ("not json at all", "not valid JSON"),
        ("[1,2,3]", "not a JSON object"),
        (#"{"entry":[]}"#, "object"),
        (#"{"object":"page","entry":[]}"#, "whatsapp_business_account"),
        (#"{"object":"whatsapp_business_account"}"#, "entry is missing"),
        (#"{"object":"whatsapp_business_account","entry":{}}"#, "entry is not an array"),
        (#"{"object":"whatsapp_business_account","entry":[{"id":"1"}]}"#, "entry[0].changes is missing"),
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages"}]}]}"#, "entry[0].changes[0].value is missing"),
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":{"id":"x"}}}]}]}"#, "entry[0].changes[0].value.messages is not an array"),
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"96170000001","type":"text"}]}}]}]}"#, "entry[0].changes[0].value.messages[0] has no id"),
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"wamid.1","type":"text"}]}}]}]}"#, "has no from"),
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"wamid.1","from":"not-a-number","type":"text"}]}}]}]}"#, "not a phone number"),
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"statuses":[{"status":"read"}]}}]}]}"#, "entry[0].changes[0].value.statuses[0] has no id"),
        // The second change of the second entry, its second message: the path names each index.
        (
            #"{"object":"whatsapp_business_account","entry":[{"changes":[]},{"changes":[{"field":"other"},{"field":"messages","value":{"messages":[{"id":"wamid.1","from":"96170000001","type":"text","text":{"body":"hi"}},{"id":"wamid.2","type":"text"}]}}]}]}"#,
            "entry[1].changes[1].value.messages[1] has no from"
        ),
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"contacts":{}}}]}]}"#, "entry[0].changes[0].value.contacts is not an array"),
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":["x"]}}]}]}"#, "entry[0].changes[0].value.messages[0] is not an object"),
        // Escapes that are not text: a lone surrogate of either half, a bad hex digit, a raw control character.
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"wamid.1","from":"96170000001","type":"text","text":{"body":"\uD83D"}}]}}]}]}"#, "not valid JSON"),
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"wamid.1","from":"96170000001","type":"text","text":{"body":"\uD83Dx"}}]}}]}]}"#, "not valid JSON"),
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"wamid.1","from":"96170000001","type":"text","text":{"body":"\uDE2E"}}]}}]}]}"#, "not valid JSON"),
        (#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"wamid.1","from":"96170000001","type":"text","text":{"body":"\u00G1"}}]}}]}]}"#, "not valid JSON"),
        ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{\"messages\":[{\"id\":\"wamid.1\",\"from\":\"96170000001\",\"type\":\"text\",\"text\":{\"body\":\"a\u{0A}b\"}}]}}]}]}", "not valid JSON"),
    ])
    func malformedBodiesThrow(body: String, fragment: String) {
        let request = WebhookRequest(method: "POST", path: "/webhooks/meta", body: Array(body.utf8))
        #expect {
            try channel.parse(request)
        } throws: { error in
            guard let error = error as? WebhookPayloadError else { return false }
            return error.message.contains(fragment)
        }
    }

    @Test func emptyBodyThrows() {
        #expect(throws: WebhookPayloadError.self) { try channel.parse(WebhookRequest(method: "POST", path: "/webhooks/meta")) }
    }

    // MARK: Sending

    @Test func sendRequestMatchesTheDocumentedShape() throws {
        let account = ChannelFixture.metaAccount(baseURL: "https://graph.facebook.com/")
        let message = ChannelFixture.outbound(to: "+1 650 555 1234", text: "Hi \"there\" / ünïcode", account: account)
        let request = try channel.makeSendRequest(message)
        #expect(request.method == "POST")
        #expect(request.url == "https://graph.facebook.com/v21.0/106540352242922/messages")
        #expect(request.header("authorization") == "Bearer EAAG-test-token")
        #expect(request.header("content-type") == "application/json")

        let sent = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let documented = try ChannelFixture.jsonObject("meta/send_text_request.json")
        #expect(Set(sent.keys) == Set(documented.keys))
        #expect(sent["messaging_product"] as? String == "whatsapp")
        #expect(sent["recipient_type"] as? String == "individual")
        #expect(sent["type"] as? String == "text")
        #expect(sent["to"] as? String == "16505551234")
        let text = try #require(sent["text"] as? [String: Any])
        let documentedText = try #require(documented["text"] as? [String: Any])
        #expect(Set(text.keys) == Set(documentedText.keys))
        #expect(text["body"] as? String == "Hi \"there\" / ünïcode")
        #expect(text["preview_url"] as? Bool == false)
    }

    /// The body is written without `JSONEncoder`: every character a reply may hold comes back
    /// from a JSON parser as it was, and the bytes are compact with sorted keys.
    @Test func sendBodyEscapesWhatJSONRequires() throws {
        let account = ChannelFixture.metaAccount(baseURL: "https://graph.facebook.com/")
        let text = "quote \" backslash \\ slash / line\nreturn\rtab\tbell\u{07}nul\u{0}unit\u{1F} del\u{7F} é 你好 👋🏽 \u{2028}"
        let request = try channel.makeSendRequest(ChannelFixture.outbound(to: "+1 650 555 1234", text: text, account: account))
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect((sent["text"] as? [String: Any])?["body"] as? String == text)
        let raw = String(decoding: request.body, as: UTF8.self)
        #expect(raw.hasPrefix(#"{"messaging_product":"whatsapp","recipient_type":"individual","text":{"body":"quote \"#))
        #expect(raw.hasSuffix(#""preview_url":false},"to":"16505551234","type":"text"}"#))
        #expect(raw.contains(#"bell\u0007nul\u0000unit\u001f"#))
        #expect(raw.contains(" slash / line"), "slashes are not escaped")
    }

    @Test func sendRequestUsesTheAccountsAPIVersionAndNeedsItsSettings() throws {
        let account = ChannelFixture.metaAccount(baseURL: "http://127.0.0.1:9999", extra: ["api_version": "v26.0"])
        #expect(try channel.makeSendRequest(ChannelFixture.outbound(account: account)).url == "http://127.0.0.1:9999/v26.0/106540352242922/messages")
        #expect(throws: ChannelConfigurationError.self) {
            try channel.makeSendRequest(ChannelFixture.outbound(phoneNumberID: nil, account: account))
        }
        var noToken = account
        noToken.settings["access_token"] = nil
        #expect(throws: ChannelConfigurationError.self) { try channel.makeSendRequest(ChannelFixture.outbound(account: noToken)) }
    }

    @Test func sendWithoutAccessTokenIsRejectedWithoutANetworkCall() async {
        var account = ChannelFixture.metaAccount()
        account.settings["access_token"] = nil
        let result = await channel.send(ChannelFixture.outbound(account: account))
        guard case .rejected(let code, let message) = result else {
            Issue.record("expected rejected, got \(result)")
            return
        }
        #expect(code == nil)
        #expect(message.contains("access_token"))
    }

    @Test func successResponseYieldsTheMessageID() throws {
        let response = ProviderHTTPResponse(status: 200, body: try ChannelFixture.bytes("meta/send_text_response.json"))
        #expect(MetaChannel.classify(response) == .accepted(providerMessageID: "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"))
    }

    @Test func successWithoutMessageIDIsNotResent() {
        for body in [#"{"messaging_product":"whatsapp","messages":[]}"#, "", "<html>"] {
            let result = MetaChannel.classify(ProviderHTTPResponse(status: 200, text: body))
            guard case .rejected(nil, let message) = result else {
                Issue.record("expected rejected, got \(result)")
                continue
            }
            #expect(message.contains("no message id") || message.contains("without a message id"))
        }
    }

    @Test func rateLimitIsRetryableWithRetryAfter() throws {
        let body = try ChannelFixture.bytes("meta/send_error_130429_rate_limit.json")
        #expect(
            MetaChannel.classify(ProviderHTTPResponse(status: 429, headers: ["Retry-After": "30"], body: body))
                == .retryable(error: "HTTP 429 [130429]: (#130429) Rate limit hit", retryAfterSeconds: 30, possiblyDelivered: false))
        // Graph sometimes answers throughput limits with 400: still retryable by code.
        let as400 = MetaChannel.classify(ProviderHTTPResponse(status: 400, body: body))
        guard case .retryable(_, nil, false) = as400 else {
            Issue.record("expected retryable, got \(as400)")
            return
        }
    }

    @Test func otherClientErrorsAreRejectedWithTheGraphCode() {
        let body = #"{"error":{"message":"(#131026) Message undeliverable","type":"OAuthException","code":131026,"fbtrace_id":"x"}}"#
        #expect(MetaChannel.classify(ProviderHTTPResponse(status: 400, text: body)) == .rejected(code: "131026", message: "(#131026) Message undeliverable"))
        let auth = #"{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}"#
        #expect(MetaChannel.classify(ProviderHTTPResponse(status: 401, text: auth)) == .rejected(code: "190", message: "Invalid OAuth access token."))
        #expect(MetaChannel.classify(ProviderHTTPResponse(status: 404, text: "not json")) == .rejected(code: nil, message: "HTTP 404"))
    }

    @Test func smallNumericCodesStayNumbers() {
        #expect(MetaChannel.classify(ProviderHTTPResponse(status: 400, text: #"{"error":{"code":1,"message":"x"}}"#)) == .rejected(code: "1", message: "x"))
        #expect(MetaChannel.classify(ProviderHTTPResponse(status: 400, text: #"{"error":{"code":0,"message":"y"}}"#)) == .rejected(code: "0", message: "y"))
        #expect(MetaChannel.classify(ProviderHTTPResponse(status: 400, text: #"{"error":{"code":true,"message":"z"}}"#)) == .rejected(code: "true", message: "z"))
        #expect(MetaChannel.classify(ProviderHTTPResponse(status: 400, text: #"{"error":{"code":1.5,"message":"w"}}"#)) == .rejected(code: "1.5", message: "w"))
    }

    @Test func serverErrorsAreRetryable() {
        for status in [500, 502, 503, 504] {
            let result = MetaChannel.classify(ProviderHTTPResponse(status: status, headers: ["retry-after": "5"], text: "{}"))
            #expect(result == .retryable(error: "HTTP \(status)", retryAfterSeconds: 5, possiblyDelivered: false))
        }
    }
}
