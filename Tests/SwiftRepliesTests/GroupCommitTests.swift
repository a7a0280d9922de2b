import Foundation
import Logging
import SwiftRepliesCore
import SwiftRepliesStores
import Testing

/// Group commit in the SQLite store: concurrent writes share transactions, and a failing write
/// never takes the others down with it.
@Suite struct GroupCommitTests {
    @Test func aFailingWriteAmongConcurrentOnesFailsAloneAndTheOthersAreStored() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-group-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var logger = Logger(label: "test.group-commit")
        logger.logLevel = .warning
        let store = try await SQLiteStore.open(path: path, logger: logger)
        try await store.migrateUp()
        let tenant = TenantID("acme")
        let bot = ChatbotID("acme-bot")
        try await store.syncDirectory([
            TenantDefinition(
                id: tenant, name: "Acme", subscription: Subscription(plan: "pro", limits: .unlimited, features: .all),
                chatbots: [
                    ChatbotDefinition(
                        id: bot, tenantID: tenant, name: "bot", agentID: "sales",
                        channels: [ChannelBinding(accountID: "main", provider: .meta, number: PhoneNumber(canonical: "15550001111"))]
                    )
                ]
            )
        ])
        func envelope(_ id: String, chatbot: ChatbotID) -> InboundEnvelope {
            InboundEnvelope(
                tenantID: tenant, chatbotID: chatbot,
                message: InboundMessage(provider: .meta, providerMessageID: id, from: PhoneNumber(canonical: "9617000\(id.suffix(4))"), to: nil, content: .text("hi")),
                receivedAt: Date()
            )
        }
        // 60 writers at once; every fifth names a chatbot that does not exist (foreign key failure).
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<60 {
                group.addTask {
                    let chatbot = index % 5 == 0 ? ChatbotID("no-such-bot") : bot
                    do {
                        _ = try await store.ingest([envelope(String(format: "wamid.%04d", index), chatbot: chatbot)])
                        return (index, true)
                    } catch {
                        return (index, false)
                    }
                }
            }
            var results: [Int: Bool] = [:]
            for await (index, ok) in group { results[index] = ok }
            return results
        }
        #expect(results.filter { $0.key % 5 == 0 }.allSatisfy { !$0.value }, "the broken writes fail")
        #expect(results.filter { $0.key % 5 != 0 }.allSatisfy { $0.value }, "the others succeed")
        let pending = try await store.pendingInbound(limit: 100)
        #expect(pending.count == 48)
        #expect(Set(pending.map(\.providerMessageID)) == Set((0..<60).filter { $0 % 5 != 0 }.map { String(format: "wamid.%04d", $0) }))
        try await store.shutdown()
    }
}
