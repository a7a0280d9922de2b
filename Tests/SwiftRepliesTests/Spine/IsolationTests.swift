import Foundation
@testable import SwiftRepliesStores
import SwiftRepliesCore
import SwiftRepliesRuntime
import SwiftRepliesTesting
import Testing

/// One phone number writing to ECLA and to AstroSouks is two customers: two contacts, two
/// conversations, each with only its own history, in the store and in the turn the agent sees.
@Suite struct IsolationTests {
    private static let customer = "+961 71 234 567"

    @Test func samePhoneInTwoTenantsIsTwoContacts() async throws {
        let kit = try await AgentTestKit.start(configDirectory: RepositoryPaths.configDirectory)
        do {
            let ecla = try kit.conversation(chatbot: "ecla-main", from: Self.customer)
            let astro = try kit.conversation(chatbot: "astrosouks-bot", from: Self.customer)
            let eclaReply = try await ecla.send("how much is the whitening kit?")
            let astroReply = try await astro.send("how much are the earbuds")
            #expect(eclaReply.text.contains("ECLA Teeth Whitening Kit"))
            #expect(astroReply.text.contains("Earbuds"))

            let eclaConversation = try #require(eclaReply.outbox.first?.conversation)
            let astroConversation = try #require(astroReply.outbox.first?.conversation)
            #expect(eclaConversation.tenantID == "swiftreplies")
            #expect(astroConversation.tenantID == "astrosouks")
            #expect(eclaConversation.contactID != astroConversation.contactID)

            _ = try await ecla.send("and the whitening pen?")

            let store = kit.host.stores
            let eclaHistory = try await store.turns.history(eclaConversation, before: nil, limit: 50)
            let astroHistory = try await store.turns.history(astroConversation, before: nil, limit: 50)
            #expect(eclaHistory.count == 4)
            #expect(astroHistory.count == 2)
            #expect(eclaHistory.compactMap(\.text).contains("how much is the whitening kit?"))
            #expect(!eclaHistory.compactMap(\.text).contains { $0.localizedCaseInsensitiveContains("earbuds") })
            #expect(!astroHistory.compactMap(\.text).contains { $0.localizedCaseInsensitiveContains("whitening") })

            // A tenant cannot reach the other tenant's contact by its id.
            #expect(try await store.contacts.contact(tenantID: "astrosouks", id: eclaConversation.contactID) == nil)
            #expect(try await store.contacts.contact(tenantID: "swiftreplies", id: eclaConversation.contactID)?.tenantID == "swiftreplies")
            #expect(try await store.contacts.messages(tenantID: "astrosouks", contactID: eclaConversation.contactID, limit: 50).isEmpty)
            let eclaMessages = try await store.contacts.messages(tenantID: "swiftreplies", contactID: eclaConversation.contactID, limit: 50)
            #expect(eclaMessages.count == 4)
            #expect(eclaMessages.allSatisfy { $0.tenantID == "swiftreplies" && $0.chatbotID == "ecla-main" })

            try await Self.checkDatabase(at: kit.databasePath, eclaContact: eclaConversation.contactID, astroContact: astroConversation.contactID)
        } catch {
            try? await kit.shutdown()
            throw error
        }
        try await kit.shutdown()
    }

    /// The turn history the agent gets holds only its own conversation's messages.
    @Test func agentSeesOnlyItsOwnConversationHistory() async throws {
        var registries = ModuleRegistries.builtIn()
        registries.agents.register("sales") { _ in HistoryEchoAgent() }
        let kit = try await AgentTestKit.start(configDirectory: RepositoryPaths.configDirectory, registries: registries)
        do {
            let ecla = try kit.conversation(chatbot: "ecla-main", from: Self.customer)
            let astro = try kit.conversation(chatbot: "astrosouks-bot", from: Self.customer)
            _ = try await ecla.send("ecla one")
            _ = try await astro.send("astro one")
            let eclaSecond = try await ecla.send("ecla two")
            let astroSecond = try await astro.send("astro two")
            #expect(eclaSecond.messages == ["history: ecla one | reply to ecla one"])
            #expect(astroSecond.messages == ["history: astro one | reply to astro one"])
        } catch {
            try? await kit.shutdown()
            throw error
        }
        try await kit.shutdown()
    }

    /// Reads the kit's SQLite file directly: rows are there and tenant-scoped.
    private static func checkDatabase(at path: String, eclaContact: ContactID, astroContact: ContactID) async throws {
        #expect(FileManager.default.fileExists(atPath: path))
        SQLiteLibrary.prepare()
        let connection = try await SQLiteDatabaseConnection.open(path: path)
        do {
            let contacts = try await connection.query(
                "SELECT id, tenant_id, phone_number FROM contacts WHERE phone_number = ? ORDER BY id", [.text("96171234567")]
            )
            #expect(contacts.count == 2)
            #expect(Set(contacts.compactMap { $0.column("tenant_id")?.string }) == ["swiftreplies", "astrosouks"])
            #expect(Set(contacts.compactMap { $0.column("id")?.integer }.map(Int64.init)) == [eclaContact.rawValue, astroContact.rawValue])

            let perTenant = try await connection.query(
                """
                SELECT tenant_id, chatbot_id, direction, COUNT(*) AS n FROM messages WHERE contact_id IN (?, ?)
                GROUP BY tenant_id, chatbot_id, direction ORDER BY tenant_id, direction
                """,
                [.integer(Int64(eclaContact.rawValue)), .integer(Int64(astroContact.rawValue))]
            )
            let summary = perTenant.map {
                "\($0.column("tenant_id")?.string ?? "?")/\($0.column("chatbot_id")?.string ?? "?")/\($0.column("direction")?.string ?? "?")=\($0.column("n")?.integer ?? -1)"
            }
            #expect(
                summary == [
                    "astrosouks/astrosouks-bot/inbound=1", "astrosouks/astrosouks-bot/outbound=1", "swiftreplies/ecla-main/inbound=2",
                    "swiftreplies/ecla-main/outbound=2",
                ]
            )
            // No message points at a contact of another tenant.
            let crossed = try await connection.query(
                "SELECT COUNT(*) AS n FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.tenant_id <> m.tenant_id"
            )
            #expect(crossed.first?.column("n")?.integer == 0)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// Answers with the texts of the turn's history (`history: a | b`), or `reply to <text>` when
/// the conversation has none yet.
private struct HistoryEchoAgent: AgentModule {
    func respond(to turn: Turn) async throws -> AgentResponse {
        let history = turn.history.compactMap(\.text)
        let message = history.isEmpty ? "reply to \(turn.text)" : "history: \(history.joined(separator: " | "))"
        return AgentResponse(messages: [message], intent: "echo")
    }
}
