import Logging
import NIOConcurrencyHelpers
import SwiftRepliesServer
import Testing

/// The log handler `swiftreplies` installs: one line per entry, metadata rendered when written.
@Suite struct LineLogHandlerTests {
    @Test func linesCarryMergedSortedMetadataAndRespectTheLevel() {
        let lines = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "swiftreplies") { label in
            LineLogHandler(label: label, level: .info, destination: .lines { line in lines.withLockedValue { $0.append(line) } }, metadataProvider: nil)
        }
        logger[metadataKey: "tenant.id"] = "acme"
        logger[metadataKey: "chatbot.id"] = "acme-bot"
        logger.debug("not written")
        logger.warning("provider refused the message", metadata: ["error.code": "131047", "tenant.id": "override"])
        var copy = logger
        copy[metadataKey: "contact.id"] = "7"
        logger.info("original keeps its metadata")

        let written = lines.withLockedValue { $0 }
        #expect(written.count == 2)
        let first = written.first ?? ""
        #expect(first.hasSuffix(" warning swiftreplies: chatbot.id=acme-bot error.code=131047 tenant.id=override [SwiftRepliesTests] provider refused the message\n"))
        #expect(first.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4} "#, options: .regularExpression) != nil)
        #expect(written.last?.contains("contact.id") == false)
        #expect(written.last?.contains("tenant.id=acme ") == true)
    }
}
