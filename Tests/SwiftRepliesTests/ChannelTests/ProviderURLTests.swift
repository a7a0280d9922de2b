@testable import SwiftRepliesChannels
import Testing

/// How an account's base URL and an API path become the URL a send goes to.
struct ProviderURLTests {
    @Test(arguments: [
        ("https://graph.facebook.com", "https://graph.facebook.com/v21.0/1/messages"),
        ("  https://graph.facebook.com//  ", "https://graph.facebook.com/v21.0/1/messages"),
        ("HTTP://127.0.0.1:8080/", "HTTP://127.0.0.1:8080/v21.0/1/messages"),
        ("Https://example.com/base", "Https://example.com/base/v21.0/1/messages"),
        ("xyz123.api.infobip.com", "https://xyz123.api.infobip.com/v21.0/1/messages"),
    ])
    func joinsBaseAndPath(base: String, expected: String) throws {
        #expect(try ProviderURL.join(base, "/v21.0/1/messages") == expected)
        #expect(try ProviderURL.join(base, "v21.0/1/messages") == expected)
    }

    @Test(arguments: ["", "   ", "///", "ftp://example.com", "file:///etc/passwd", "htt://example.com", "https:/example.com://x"])
    func refusesWhatIsNotAnHTTPBase(base: String) {
        #expect(throws: ChannelConfigurationError.self) { try ProviderURL.join(base, "/x") }
    }
}
