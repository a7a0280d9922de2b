import SwiftRepliesChannels
import Testing

@Suite("Form URL encoding")
struct ChannelFormURLEncodingTests {
    @Test func decodesPlusesEscapesAndBlanks() {
        let pairs = FormURLEncoding.decodePairs("a=1&b=hello+world&c=%2B14155238886&d=&e&&f=%F0%9F%98%AE&a=2")
        #expect(pairs.map(\.name) == ["a", "b", "c", "d", "e", "f", "a"])
        #expect(pairs.map(\.value) == ["1", "hello world", "+14155238886", "", "", "\u{1F62E}", "2"])
        #expect(FormURLEncoding.decode("a=1&a=2") == ["a": "1"])
        #expect(FormURLEncoding.decode("") == [:])
        #expect(FormURLEncoding.decode("x=100%&y=%zz&z=%4") == ["x": "100%", "y": "%zz", "z": "%4"])
        #expect(FormURLEncoding.decode("hub.mode=subscribe&hub.verify_token=a%20b") == ["hub.mode": "subscribe", "hub.verify_token": "a b"])
    }

    @Test func encodesLikeTwilioAndPython() throws {
        let documented = try ChannelFixture.text("twilio/send_message_request.txt")
        let encoded = FormURLEncoding.encode([
            ("Body", "This is a message that I want to send over WhatsApp with Twilio!"),
            ("From", "whatsapp:+14155238886"),
            ("To", "whatsapp:+15005550006"),
        ])
        #expect(encoded == documented)
        #expect(FormURLEncoding.encode([("k", "a&b=c/d é~_.-")]) == "k=a%26b%3Dc%2Fd+%C3%A9~_.-")
    }

    @Test(arguments: ["twilio/inbound_text.txt", "twilio/inbound_image.txt", "twilio/inbound_location.txt", "twilio/inbound_reply_text.txt", "twilio/status_callback_sent.txt"])
    func fixturesRoundTrip(file: String) throws {
        let raw = try ChannelFixture.text(file)
        let pairs = FormURLEncoding.decodePairs(raw).map { ($0.name, $0.value) }
        #expect(FormURLEncoding.decodePairs(FormURLEncoding.encode(pairs)).map(\.value) == pairs.map(\.1))
    }
}
