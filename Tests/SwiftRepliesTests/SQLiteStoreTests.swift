import Foundation
import Logging
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// A logger that keeps test output quiet (migration notices are `info`).
private let quietLogger: Logger = {
    var logger = Logger(label: "test.sqlite")
    logger.logLevel = .warning
    return logger
}()

/// A temporary SQLite database file for one test, removed (with its WAL files) afterwards.
private struct TemporaryDatabase {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("swiftreplies-sqlite-\(UUID().uuidString).sqlite").path
    }

    func remove() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }

    /// Opens a store, runs `body`, and always shuts the store down (an open SQLiteConnection must
    /// be closed before it is released).
    func withStore<T>(
        migrate: Bool = true, migrations: [Migration] = SQLiteMigrations.all, _ body: (SQLiteStore) async throws -> T
    ) async throws -> T {
        let store = try await SQLiteStore.open(path: path, migrations: migrations, logger: quietLogger)
        do {
            if migrate { try await store.migrateUp() }
            let result = try await body(store)
            try await store.shutdown()
            return result
        } catch {
            try? await store.shutdown()
            throw error
        }
    }

    /// Runs a query on a separate raw connection, to inspect what the store wrote.
    func rows(_ sql: String, _ binds: [SQLiteValue] = []) async throws -> [SQLiteResultRow] {
        SQLiteLibrary.prepare()
        let connection = try await SQLiteDatabaseConnection.open(path: path)
        do {
            let rows = try await connection.query(sql, binds)
            try await connection.close()
            return rows
        } catch {
            try? await connection.close()
            throw error
        }
    }

    func integer(_ sql: String, _ binds: [SQLiteValue] = []) async throws -> Int? {
        try await rows(sql, binds).first?.values.first?.integer
    }

    func text(_ sql: String, _ binds: [SQLiteValue] = []) async throws -> String? {
        try await rows(sql, binds).first?.values.first?.string
    }

    func tableExists(_ name: String) async throws -> Bool {
        try await integer("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(name)]) == 1
    }
}

private enum Fixture {
    static let acme: TenantID = "acme"
    static let globex: TenantID = "globex"
    static let acmeBot: ChatbotID = "acme-sales"
    static let globexBot: ChatbotID = "globex-support"
    static let customer = PhoneNumber(canonical: "96179374241")
    static let otherCustomer = PhoneNumber(canonical: "447700900123")
    static let base = Date(timeIntervalSince1970: 1_750_000_000)

    static func chatbot(_ id: ChatbotID, tenant: TenantID, provider: ProviderKind = .meta, number: String = "15550001111") -> ChatbotDefinition {
        ChatbotDefinition(
            id: id, tenantID: tenant, name: "\(id) bot", agentID: "sales",
            channels: [ChannelBinding(accountID: "main", provider: provider, number: PhoneNumber(canonical: number), phoneNumberID: "pnid-\(id)")]
        )
    }

    static func tenant(_ id: TenantID, plan: String = "pro", chatbots: [ChatbotDefinition]) -> TenantDefinition {
        TenantDefinition(
            id: id, name: "\(id) Inc", subscription: Subscription(plan: plan, limits: .unlimited, features: .all), chatbots: chatbots
        )
    }

    static let directory: [TenantDefinition] = [
        tenant(acme, chatbots: [chatbot(acmeBot, tenant: acme)]),
        tenant(globex, plan: "starter", chatbots: [chatbot(globexBot, tenant: globex, provider: .twilio, number: "15550002222")]),
    ]

    static func envelope(
        _ providerMessageID: String, tenant: TenantID = acme, chatbot: ChatbotID = acmeBot, from: PhoneNumber = customer,
        name: String? = nil, content: MessageContent = .text("hello"), provider: ProviderKind = .meta, at offset: TimeInterval = 0
    ) -> InboundEnvelope {
        InboundEnvelope(
            tenantID: tenant, chatbotID: chatbot,
            message: InboundMessage(provider: provider, providerMessageID: providerMessageID, from: from, to: nil, contactName: name, content: content),
            receivedAt: base.addingTimeInterval(offset)
        )
    }

    static func stored(_ outcomes: [IngestOutcome]) -> [StoredInbound] { outcomes.compactMap(\.stored) }
}

@Suite("SQLiteStore")
struct SQLiteStoreTests {
    // MARK: Migrations

    @Test func migrationsUpDownUpAndStatus() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        try await database.withStore(migrate: false) { store async throws in
            #expect(store.backendName == "sqlite")
            let versions = SQLiteMigrations.all.map(\.version)
            let initial = try await store.migrationStatus()
            #expect(initial.applied == [])
            #expect(initial.available == versions)
            #expect(initial.pending == versions)

            #expect(try await store.migrateUp() == versions)
            #expect(try await store.migrateUp() == [])
            let applied = try await store.migrationStatus()
            #expect(applied.applied == versions)
            #expect(applied.pending == [])
            #expect(applied.current == versions.max())
            #expect(try await database.tableExists("messages"))
            #expect(try await database.text("SELECT name FROM schema_migrations WHERE version = 1") == "core")
            let appliedAt = try await database.text("SELECT applied_at FROM schema_migrations WHERE version = 1")
            #expect(appliedAt?.isEmpty == false)
            try await store.syncDirectory(Fixture.directory)

            #expect(try await store.migrateDown(to: 0) == versions.reversed())
            #expect(try await store.migrationStatus().applied == [])
            for table in ["tenants", "chatbots", "chatbot_numbers", "contacts", "messages", "unroutable_messages", "send_attempts", "conversation_instructions"] {
                #expect(try await database.tableExists(table) == false, "\(table) should be dropped")
            }
            await #expect(throws: (any Error).self) { try await store.syncDirectory(Fixture.directory) }

            #expect(try await store.migrateUp() == versions)
            try await store.syncDirectory(Fixture.directory)
            #expect(try await store.counts() == StoreCounts(pendingInbound: 0, outboxPending: 0, unroutable: 0))
        }
    }

    @Test func migrationsRollBackInDescendingOrder() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        // The second depends on the first: undoing the first before the second would fail (the
        // index would be dropped with its table, then DROP INDEX fails), so a successful rollback
        // proves the order. They come after the built-in migrations.
        let shipped = SQLiteMigrations.all.map(\.version)
        let latest = shipped.max() ?? 0
        let migrations = SQLiteMigrations.all + [
            Migration(version: latest + 1, name: "notes", up: ["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"], down: ["DROP TABLE notes"]),
            Migration(version: latest + 2, name: "notes_index", up: ["CREATE INDEX notes_body ON notes (body)"], down: ["DROP INDEX notes_body"]),
        ]
        try await database.withStore(migrate: false, migrations: migrations) { store async throws in
            #expect(try await store.migrateUp() == shipped + [latest + 1, latest + 2])
            #expect(try await store.migrateDown(to: latest) == [latest + 2, latest + 1])
            #expect(try await store.migrationStatus().applied == shipped)
            #expect(try await database.tableExists("notes") == false)
            #expect(try await database.tableExists("messages"))
            #expect(try await store.migrateUp() == [latest + 1, latest + 2])
            let all = shipped + [latest + 1, latest + 2]
            #expect(try await store.migrationStatus() == MigrationStatus(applied: all, available: all))
        }
    }

    @Test func failedMigrationLeavesSchemaUnchanged() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        let shipped = SQLiteMigrations.all.map(\.version)
        let next = (shipped.max() ?? 0) + 1
        let broken = SQLiteMigrations.all + [
            Migration(
                version: next, name: "broken",
                up: ["CREATE TABLE extra (id INTEGER PRIMARY KEY)", "INSERT INTO no_such_table VALUES (1)"],
                down: ["DROP TABLE extra"]
            )
        ]
        try await database.withStore(migrate: false, migrations: broken) { store async throws in
            await #expect(throws: MigrationError.self) { try await store.migrateUp() }
            #expect(try await store.migrationStatus().applied == shipped)
            #expect(try await database.tableExists("extra") == false)
        }
        let fixed = SQLiteMigrations.all + [
            Migration(version: next, name: "fixed", up: ["CREATE TABLE extra (id INTEGER PRIMARY KEY)"], down: ["DROP TABLE extra"])
        ]
        try await database.withStore(migrate: false, migrations: fixed) { store async throws in
            #expect(try await store.migrateUp() == [next])
            #expect(try await database.tableExists("extra"))
        }
    }

    @Test func duplicateMigrationVersionsAreRejected() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        let migrations = [SQLiteMigrations.core, Migration(version: 1, name: "again", up: [], down: [])]
        await #expect(throws: MigrationError.self) {
            _ = try await SQLiteStore.open(path: database.path, migrations: migrations, logger: quietLogger)
        }
    }

    @Test func openSetsPragmas() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        try await database.withStore { _ async throws in
            // journal_mode is a property of the file: WAL sticks for other connections.
            #expect(try await database.text("PRAGMA journal_mode")?.lowercased() == "wal")
        }
    }

    // MARK: Directory

    @Test func syncDirectoryUpsertsAndDeactivates() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        try await database.withStore { store async throws in
            try await store.syncDirectory(Fixture.directory)
            #expect(try await database.integer("SELECT COUNT(*) FROM tenants WHERE is_active = 1") == 2)
            #expect(try await database.text("SELECT plan FROM tenants WHERE id = 'globex'") == "starter")
            #expect(try await database.text("SELECT tenant_id FROM chatbots WHERE id = 'globex-support'") == "globex")
            #expect(try await database.text("SELECT provider FROM chatbot_numbers WHERE chatbot_id = 'globex-support'") == "twilio")

            // acme changes plan and gains a chatbot; globex disappears from the configuration.
            let second = Fixture.chatbot("acme-second", tenant: Fixture.acme, number: "15550003333")
            try await store.syncDirectory([Fixture.tenant(Fixture.acme, plan: "enterprise", chatbots: [Fixture.chatbot(Fixture.acmeBot, tenant: Fixture.acme), second])])
            #expect(try await database.text("SELECT plan FROM tenants WHERE id = 'acme'") == "enterprise")
            #expect(try await database.integer("SELECT is_active FROM tenants WHERE id = 'acme'") == 1)
            #expect(try await database.integer("SELECT is_active FROM tenants WHERE id = 'globex'") == 0)
            #expect(try await database.integer("SELECT is_active FROM chatbots WHERE id = 'globex-support'") == 0)
            #expect(try await database.integer("SELECT is_active FROM chatbots WHERE id = 'acme-second'") == 1)
            #expect(try await database.integer("SELECT COUNT(*) FROM chatbots") == 3, "chatbots are never deleted")

            // Dropping acme's second chatbot deactivates only it; globex comes back.
            try await store.syncDirectory(Fixture.directory)
            #expect(try await database.integer("SELECT is_active FROM chatbots WHERE id = 'acme-second'") == 0)
            #expect(try await database.integer("SELECT is_active FROM chatbots WHERE id = 'acme-sales'") == 1)
            #expect(try await database.integer("SELECT is_active FROM tenants WHERE id = 'globex'") == 1)
            #expect(try await database.integer("SELECT COUNT(*) FROM chatbot_numbers") == 2)
        }
    }

    // MARK: Ingest

    @Test func ingestStoresNewAndReportsDuplicates() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        try await database.withStore { store async throws in
            try await store.syncDirectory(Fixture.directory)
            let first = try await store.ingest([
                Fixture.envelope("wamid.1", name: "Rana", at: 0),
                Fixture.envelope("wamid.2", at: 1),
                Fixture.envelope("wamid.1", at: 2),  // same batch duplicate of the first
            ])
            #expect(first.count == 3)
            let firstStored = Fixture.stored(first)
            #expect(firstStored.map(\.providerMessageID) == ["wamid.1", "wamid.2"])
            #expect(first[2] == .duplicate(providerMessageID: "wamid.1"))
            #expect(firstStored[0].id < firstStored[1].id)
            #expect(firstStored[0].contactID == firstStored[1].contactID)
            #expect(firstStored[0].contactPhone == Fixture.customer)
            #expect(firstStored[0].answerable)

            // Redelivery across batches; the same provider id to another chatbot is a different message.
            let second = try await store.ingest([
                Fixture.envelope("wamid.2", at: 3),
                Fixture.envelope("wamid.3", at: 4),
                Fixture.envelope("wamid.1", tenant: Fixture.globex, chatbot: Fixture.globexBot, provider: .twilio, at: 5),
            ])
            #expect(second[0] == .duplicate(providerMessageID: "wamid.2"))
            #expect(second[1].stored?.providerMessageID == "wamid.3")
            let globexMessage = try #require(second[2].stored)
            #expect(globexMessage.tenantID == Fixture.globex)

            // One contact per (tenant, phone): the same phone in two tenants is two contacts.
            #expect(try await database.integer("SELECT COUNT(*) FROM contacts WHERE tenant_id = 'acme'") == 1)
            #expect(try await database.integer("SELECT COUNT(*) FROM contacts WHERE tenant_id = 'globex'") == 1)
            #expect(globexMessage.contactID != firstStored[0].contactID)
            #expect(try await database.integer("SELECT COUNT(*) FROM messages") == 4)

            // A later message without a name keeps the stored name; last_interaction moved forward.
            let contact = try #require(try await store.contact(tenantID: Fixture.acme, id: firstStored[0].contactID))
            #expect(contact.name == "Rana")
            #expect(contact.phone == Fixture.customer)
            #expect(try await store.contact(tenantID: Fixture.globex, id: firstStored[0].contactID) == nil, "contacts are tenant scoped")
            let lastInteraction = try await database.rows(
                "SELECT last_interaction FROM contacts WHERE id = ?", [.integer(firstStored[0].contactID.rawValue)]
            ).first?.column("last_interaction")?.double
            #expect(lastInteraction == Fixture.base.addingTimeInterval(4).timeIntervalSince1970)

            let upserted = try await store.upsertContact(tenantID: Fixture.acme, phone: Fixture.customer, name: nil)
            #expect(upserted.id == firstStored[0].contactID)
            #expect(upserted.name == "Rana")
            let newContact = try await store.upsertContact(tenantID: Fixture.acme, phone: Fixture.otherCustomer, name: "Sam")
            #expect(newContact.id != upserted.id)
        }
    }

    @Test func ingestStoresAttributesAndAnswerability() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        try await database.withStore { store async throws in
            try await store.syncDirectory(Fixture.directory)
            let outcomes = try await store.ingest([
                Fixture.envelope("wamid.r", content: MessageContent(kind: .reaction, attributes: ["emoji": "👍", "reacted_message_id": "wamid.x"])),
                Fixture.envelope("wamid.i", content: MessageContent(kind: .image, text: "price?", attributes: ["media_id": "m1"])),
            ])
            let stored = Fixture.stored(outcomes)
            #expect(stored.map(\.answerable) == [false, true])
            let json = try #require(try await database.text("SELECT attributes FROM messages WHERE provider_message_id = 'wamid.r'"))
            let decoded = try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
            #expect(decoded == ["emoji": "👍", "reacted_message_id": "wamid.x"])

            let pending = try await store.pendingInbound(limit: 10)
            #expect(pending.map(\.kind) == [.reaction, .image])
            #expect(pending.map(\.answerable) == [false, true])
            #expect(pending[1].text == "price?")
        }
    }

    @Test func ingestOfUnknownChatbotRollsBackTheWholeBatch() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        try await database.withStore { store async throws in
            try await store.syncDirectory(Fixture.directory)
            await #expect(throws: (any Error).self) {
                _ = try await store.ingest([
                    Fixture.envelope("wamid.ok"),
                    Fixture.envelope("wamid.bad", chatbot: "no-such-bot", from: Fixture.otherCustomer),
                ])
            }
            #expect(try await store.pendingInbound(limit: 10).isEmpty)
            #expect(try await database.integer("SELECT COUNT(*) FROM contacts") == 0)
            // The store still works after the rollback.
            #expect(Fixture.stored(try await store.ingest([Fixture.envelope("wamid.ok")])).count == 1)
        }
    }

    @Test func ingestLargeBatchBeyondVariableLimit() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        try await database.withStore { store async throws in
            try await store.syncDirectory(Fixture.directory)
            // 14 bound values per message row: 5000 rows need several statements under 32766 variables.
            let batch = (0..<5000).map { index in
                Fixture.envelope("wamid.bulk.\(index)", from: PhoneNumber(canonical: "9617000\(String(format: "%04d", index % 250))"), at: Double(index))
            }
            let outcomes = try await store.ingest(batch)
            let stored = Fixture.stored(outcomes)
            #expect(stored.count == 5000)
            #expect(zip(stored, batch).allSatisfy { $0.providerMessageID == $1.message.providerMessageID && $0.contactPhone == $1.message.from })
            #expect(Set(stored.map(\.contactID)).count == 250)
            #expect(try await database.integer("SELECT COUNT(*) FROM contacts") == 250)
            let again = try await store.ingest(batch)
            #expect(again.allSatisfy { $0.stored == nil })
            #expect(try await store.counts().pendingInbound == 5000)
        }
    }

    @Test func concurrentWritersDoNotCollide() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        try await database.withStore { store async throws in
            try await store.syncDirectory(Fixture.directory)
            let storedCounts = try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        var stored = 0
                        for round in 0..<10 {
                            let batch = (0..<5).map { Fixture.envelope("wamid.c.\(worker).\(round).\($0)", from: PhoneNumber(canonical: "96171\(String(format: "%06d", worker))")) }
                            stored += Fixture.stored(try await store.ingest(batch)).count
                            _ = try await store.pendingInbound(limit: 5)
                        }
                        return stored
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(storedCounts == 16 * 10 * 5)
            #expect(try await store.counts().pendingInbound == 800)
        }
    }

    // MARK: Turns and outbox

    @Test func completeTurnQueuesRepliesOnce() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        try await database.withStore { store async throws in
            try await store.syncDirectory(Fixture.directory)
            let stored = Fixture.stored(try await store.ingest([
                Fixture.envelope("wamid.a", content: .text("hi"), at: 0),
                Fixture.envelope("wamid.b", content: .text("price of the kit?"), at: 1),
                Fixture.envelope("wamid.other", from: Fixture.otherCustomer, at: 2),
            ]))
            let pending = try await store.pendingInbound(limit: 10)
            #expect(pending.map(\.id) == stored.map(\.id))
            #expect(try await store.pendingInbound(limit: 2).map(\.id) == Array(stored.map(\.id).prefix(2)))

            let conversation = stored[0].conversation
            let completion = TurnCompletion(
                conversation: conversation, inboundIDs: [stored[0].id, stored[1].id], replies: ["Hello!", "The kit is 49 USD."],
                aiProcessed: true, processingMilliseconds: 42, intent: "price", configRevision: 7, completedAt: Fixture.base.addingTimeInterval(10)
            )
            let entries = try await store.completeTurn(completion)
            #expect(entries.map(\.text) == ["Hello!", "The kit is 49 USD."])
            #expect(entries[0].id < entries[1].id)
            #expect(entries.allSatisfy { $0.contactPhone == Fixture.customer && $0.purpose == .reply && $0.attempts == 0 && $0.conversation == conversation })

            #expect(try await store.completeTurn(completion) == [], "already processed: no new replies")
            #expect(try await store.pendingInbound(limit: 10).map(\.id) == [stored[2].id])
            #expect(try await store.counts() == StoreCounts(pendingInbound: 1, outboxPending: 2, unroutable: 0))

            let processed = try await database.rows(
                "SELECT status, ai_processed, processing_ms, intent, config_revision FROM messages WHERE id = ?", [.integer(stored[0].id.rawValue)]
            )
            let row = try #require(processed.first)
            #expect(row.column("status")?.string == "processed")
            #expect(row.column("ai_processed")?.integer == 1)
            #expect(row.column("processing_ms")?.integer == 42)
            #expect(row.column("intent")?.string == "price")
            #expect(row.column("config_revision")?.integer == 7)
            // Outbound rows take the provider of the conversation's inbound messages.
            #expect(try await database.text("SELECT provider FROM messages WHERE id = ?", [.integer(Int64(entries[0].id.rawValue))]) == "meta")

            let history = try await store.history(conversation, before: nil, limit: 10)
            #expect(history.map(\.direction) == [.inbound, .inbound, .outbound, .outbound])
            #expect(history.map(\.text) == ["hi", "price of the kit?", "Hello!", "The kit is 49 USD."])
            let earlier = try await store.history(conversation, before: entries[0].id, limit: 1)
            #expect(earlier.map(\.id) == [stored[1].id])
            let otherConversation = try await store.history(stored[2].conversation, before: nil, limit: 10)
            #expect(otherConversation.map(\.id) == [stored[2].id])

            let messages = try await store.messages(tenantID: Fixture.acme, contactID: conversation.contactID, limit: 3)
            #expect(messages.map(\.id) == [stored[1].id, entries[0].id, entries[1].id], "the last 3, oldest first")
            #expect(messages[1].status == "queued")
            #expect(messages[1].purpose == .reply)
            #expect(messages[0].aiProcessed)
            #expect(try await store.messages(tenantID: Fixture.globex, contactID: conversation.contactID, limit: 10).isEmpty)
        }
    }

    @Test func completeTurnForAnotherConversationChangesNothing() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        try await database.withStore { store async throws in
            try await store.syncDirectory(Fixture.directory)
            let stored = Fixture.stored(try await store.ingest([Fixture.envelope("wamid.a")]))
            let globexContact = try await store.upsertContact(tenantID: Fixture.globex, phone: Fixture.customer, name: nil)
            let wrong = TurnCompletion(
                conversation: ConversationKey(tenantID: Fixture.globex, chatbotID: Fixture.globexBot, contactID: globexContact.id),
                inboundIDs: [stored[0].id], replies: ["leak"], aiProcessed: true, processingMilliseconds: 1, intent: nil, configRevision: 1,
                completedAt: Fixture.base
            )
            #expect(try await store.completeTurn(wrong) == [])
            #expect(try await store.pendingInbound(limit: 10).map(\.id) == [stored[0].id])
        }
    }

    // MARK: Durability

    @Test func dataSurvivesCloseAndReopen() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        let (inbound, outbox) = try await database.withStore { store -> ([StoredInbound], [OutboxEntry]) in
            try await store.syncDirectory(Fixture.directory)
            let stored = Fixture.stored(try await store.ingest([Fixture.envelope("wamid.1", name: "Rana"), Fixture.envelope("wamid.2", at: 1)]))
            let entries = try await store.completeTurn(TurnCompletion(
                conversation: stored[0].conversation, inboundIDs: [stored[0].id], replies: ["Welcome!"], aiProcessed: true,
                processingMilliseconds: 5, intent: "greeting", configRevision: 1, completedAt: Fixture.base.addingTimeInterval(2)
            ))
            _ = try await store.addInstruction(stored[0].conversation, text: "VIP", expiresAt: nil, at: Fixture.base)
            return (stored, entries)
        }

        // Reopen without migrating: the schema is there and nothing is pending.
        try await database.withStore(migrate: false) { store async throws in
            let versions = SQLiteMigrations.all.map(\.version)
            #expect(try await store.migrationStatus() == MigrationStatus(applied: versions, available: versions))
            #expect(try await store.pendingInbound(limit: 10).map(\.id) == [inbound[1].id])
            let due = try await store.dueOutbox(now: Fixture.base.addingTimeInterval(2), limit: 10)
            #expect(due == outbox)
            #expect(try await store.contact(tenantID: Fixture.acme, id: inbound[0].contactID)?.name == "Rana")
            #expect(try await store.activeInstructions(inbound[0].conversation, at: Fixture.base).map(\.text) == ["VIP"])
            #expect(try await store.ingest([Fixture.envelope("wamid.1")]) == [.duplicate(providerMessageID: "wamid.1")])
            #expect(try await store.history(inbound[0].conversation, before: nil, limit: 10).compactMap(\.text) == ["hello", "hello", "Welcome!"])
        }
    }

    @Test func shutdownIsIdempotentAndLaterCallsFail() async throws {
        let database = TemporaryDatabase()
        defer { database.remove() }
        let store = try await SQLiteStore.open(path: database.path, synchronous: .normal, logger: quietLogger)
        try await store.migrateUp()
        try await store.shutdown()
        try await store.shutdown()
        await #expect(throws: SQLiteStoreError.closed) { try await store.ping() }
        await #expect(throws: SQLiteStoreError.closed) { try await store.migrateUp() }
        await #expect(throws: SQLiteStoreError.closed) { _ = try await store.ingest([Fixture.envelope("wamid.late")]) }
    }
}

extension ConversationInstruction {
    fileprivate var conversation: ConversationKey { ConversationKey(tenantID: tenantID, chatbotID: chatbotID, contactID: contactID) }
}
