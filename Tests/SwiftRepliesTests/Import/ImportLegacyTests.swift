import Foundation
import SwiftRepliesCore
import SwiftRepliesStores
import Testing

/// `swiftreplies import-legacy`, run as the built executable: the legacy fixture (8 contacts,
/// 614 messages, 3 orders, 1 campaign) from an SQLite file or a PostgreSQL database into a
/// tenant of an SQLite or PostgreSQL store, exactly once.
@Suite(.enabled(if: SwiftRepliesExecutable.url != nil, "swiftreplies is not built next to the tests; run `swift build` first"))
struct ImportLegacyTests {
    /// Every (legacy source, target store) pair the machine can run.
    static let pairs: [(StoreBackend, StoreBackend)] = StoreBackend.available.flatMap { source in
        StoreBackend.available.map { target in (source, target) }
    }

    static let tenantTables = ["contacts", "messages", "orders", "order_items", "campaigns"]

    /// Row counts of the tables the import writes, per tenant.
    static func rowCounts(_ database: TestDatabase) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in tenantTables {
            for tenant in ["swiftreplies", "astrosouks"] {
                counts["\(tenant).\(table)"] = try await database.integer("SELECT count(*) FROM \(table) WHERE tenant_id = ?", [tenant])
            }
        }
        return counts
    }

    @Test(arguments: pairs)
    func importsTheFixtureOnceAndASecondRunAddsNothing(source sourceBackend: StoreBackend, target targetBackend: StoreBackend) async throws {
        try await withDatabases(legacy: sourceBackend, target: targetBackend) { legacy, target in
            try await importTwice(legacy: legacy, target: target)
        }
    }

    func importTwice(legacy: TestDatabase, target: TestDatabase) async throws {
        let targetBackend = target.backend

        // First run: standard output is not a terminal, so progress comes as plain lines.
        let first = try await SwiftRepliesExecutable.importLegacy(from: legacy.location, into: target.location)
        #expect(first.status == 0, "\(first)")
        #expect(first.lastLine == LegacyFixture.firstRunSummary, "\(first)")
        #expect(first.stdout.contains("\ncontacts: 8/8\n"), "\(first.stdout)")
        #expect(first.stdout.contains("\nmessages: 500/614\nmessages: 614/614\n"), "\(first.stdout)")
        #expect(first.stdout.contains("\ncampaigns: 1/1\n"), "\(first.stdout)")
        #expect(!first.stdout.contains("\r"))
        #expect(!first.stderr.split(separator: "\n").contains { $0.hasPrefix("warning:") }, "nothing skipped: \(first.stderr)")

        // The rows, in the tenant and nowhere else.
        let counts = try await Self.rowCounts(target)
        #expect(counts["swiftreplies.contacts"] == LegacyFixture.contacts)
        #expect(counts["swiftreplies.messages"] == LegacyFixture.messages)
        #expect(counts["swiftreplies.orders"] == LegacyFixture.orders)
        #expect(counts["swiftreplies.order_items"] == LegacyFixture.orders)
        #expect(counts["swiftreplies.campaigns"] == LegacyFixture.campaigns)
        for table in Self.tenantTables { #expect(counts["astrosouks.\(table)"] == 0, "astrosouks.\(table)") }

        // Contacts: normalised numbers, legacy ids, names and thread ids.
        let contacts = try await target.rows(
            "SELECT legacy_id, phone_number, name, thread_id, chatbot_id FROM contacts WHERE tenant_id = ? ORDER BY legacy_id", ["swiftreplies"]
        )
        #expect(contacts.map { Int($0[0] ?? "") ?? 0 } == Array(1...8))
        #expect(contacts.map { $0[1] } == (1...8).map { LegacyFixture.phones[$0] })
        #expect(contacts[2][2] == "Maya O'Neil")
        #expect(contacts[3][2] == "ليلى خوري")
        #expect(contacts[4][2] == nil)
        #expect(contacts[0][3] == "thread_5f1c2a9e01")
        #expect(contacts[6][3] == nil)
        #expect(contacts.allSatisfy { $0[4] == "ecla-main" })

        // Messages: every legacy message with its contact, direction and text, as history that
        // is finished (inbound processed, outbound delivered), in legacy order.
        let legacyMessages = try await legacy.rows("SELECT id, contact_id, direction, message_text FROM messages ORDER BY id")
        let imported = try await target.rows(
            """
            SELECT m.legacy_id, c.legacy_id, m.direction, m.text, m.status, m.chatbot_id, m.kind, m.purpose
            FROM messages m JOIN contacts c ON c.id = m.contact_id
            WHERE m.tenant_id = ? ORDER BY m.id
            """,
            ["swiftreplies"]
        )
        #expect(imported.count == LegacyFixture.messages)
        #expect(imported.map { $0[0] } == legacyMessages.map { $0[0] }, "imported in legacy order")
        #expect(imported.map { $0[1] } == legacyMessages.map { $0[1] }, "each message with its contact")
        #expect(imported.map { $0[2] } == legacyMessages.map { $0[2] == "incoming" ? "inbound" : "outbound" })
        #expect(imported.map { $0[3] } == legacyMessages.map { $0[3] }, "texts byte for byte (quotes, Arabic, emoji, newlines)")
        #expect(imported.filter { $0[2] == "inbound" }.count == LegacyFixture.inboundMessages)
        #expect(imported.filter { $0[2] == "inbound" }.allSatisfy { $0[4] == "processed" && $0[7] == nil })
        #expect(imported.filter { $0[2] == "outbound" }.count == LegacyFixture.outboundMessages)
        #expect(imported.filter { $0[2] == "outbound" }.allSatisfy { $0[4] == "delivered" && $0[7] == "reply" })
        #expect(imported.allSatisfy { $0[5] == "ecla-main" && $0[6] == "text" })

        // Times: legacy timestamps (UTC) become the messages' times.
        let epoch = targetBackend == .sqlite ? "created_at" : "EXTRACT(EPOCH FROM created_at)"
        let firstMessageTime = try await target.text("SELECT \(epoch) FROM messages WHERE tenant_id = ? AND legacy_id = 1", ["swiftreplies"])
        #expect(firstMessageTime.flatMap(Double.init) == 1_714_557_911, "2024-05-01 10:05:11 UTC")

        // Orders with one item each, and the campaign.
        let orders = try await target.rows(
            """
            SELECT o.legacy_id, c.legacy_id, o.status, o.total_amount, o.payment_status, i.product_name, i.quantity, i.total_price
            FROM orders o LEFT JOIN contacts c ON c.id = o.contact_id LEFT JOIN order_items i ON i.order_id = o.id
            WHERE o.tenant_id = ? ORDER BY o.legacy_id
            """,
            ["swiftreplies"]
        )
        #expect(orders.map { $0[1] } == ["1", "3", "5"])
        #expect(orders.map { $0[2] } == ["delivered", "shipped", "pending"])
        #expect(orders.map { $0[3].flatMap(Double.init) } == [49, 50, 18])
        #expect(orders.allSatisfy { $0[4] == "unknown" })
        #expect(orders.map { $0[5] } == ["ECLA Teeth Whitening Kit", "ECLA Whitening Strips (28 strips)", "ECLA Whitening Pen"])
        #expect(orders.map { $0[6] } == ["1", "2", "1"])
        let campaigns = try await target.rows("SELECT legacy_id, name, status, message_template FROM campaigns WHERE tenant_id = ?", ["swiftreplies"])
        #expect(campaigns.first?[1] == "Summer smile offer")
        #expect(campaigns.first?[2] == "sent")
        #expect(campaigns.first?[3]?.hasPrefix("Get 15% off") == true)

        // Nothing for the dispatcher or the outbox: no turn is run and nothing is ever sent.
        let store = try await target.open()
        let pending = try await store.turns.pendingInbound(limit: 1000)
        let due = try await store.outbox.dueOutbox(now: Date.distantFuture, limit: 1000)
        let storeCounts = try await store.lifecycle.counts()
        try await store.lifecycle.shutdown()
        #expect(pending.isEmpty)
        #expect(due.isEmpty)
        #expect(storeCounts.pendingInbound == 0 && storeCounts.outboxPending == 0)

        // Second run, with the progress bar forced: nothing new, every row already present.
        let second = try await SwiftRepliesExecutable.importLegacy(from: legacy.location, into: target.location, extra: ["--progress", "bar"])
        #expect(second.status == 0, "\(second)")
        #expect(second.lastLine == LegacyFixture.secondRunSummary, "\(second)")
        #expect(second.stdout.contains("\rmessages   [██████████████████████████████] 614/614"), "\(second.stdout)")
        #expect(second.stdout.contains("\rmessages   [░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░] 0/614"), "\(second.stdout)")
        #expect(try await Self.rowCounts(target) == counts, "a second run changes no row count")
    }

    /// A contact that live traffic created before the import is matched by its number (however
    /// the legacy database wrote it), not duplicated; the same number in another tenant is left
    /// alone.
    @Test(arguments: StoreBackend.available)
    func matchesContactsLiveTrafficCreatedInTheTenantOnly(target backend: StoreBackend) async throws {
        try await withDatabases(legacy: .sqlite, target: backend) { legacy, target in
            try await matchLiveContact(legacy: legacy, target: target)
        }
    }

    func matchLiveContact(legacy: TestDatabase, target: TestDatabase) async throws {
        // Legacy contact 1 is "+96170123401"; the customer writes from "00961 70 123 401".
        for chatbot in ["ecla-main", "astrosouks-bot"] {
            let chat = try await SwiftRepliesExecutable.run(
                ["chat", "--chatbot", chatbot, "--from", "00961 70 123 401", "--database", target.location, "--config-dir", RepositoryPaths.configDirectory],
                input: "hi\n"
            )
            #expect(chat.status == 0, "\(chat)")
        }

        let liveMessages = try #require(
            try await target.integer(
                "SELECT count(*) FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.tenant_id = ? AND c.phone_number = ?",
                ["swiftreplies", "96170123401"]
            )
        )
        #expect(liveMessages >= 2)

        let result = try await SwiftRepliesExecutable.importLegacy(from: legacy.location, into: target.location)
        #expect(result.status == 0, "\(result)")
        #expect(result.lastLine == "7 contacts, 614 messages, 3 orders, 1 campaign imported (1 contact already present)", "\(result)")

        let matched = try await target.rows(
            "SELECT id, legacy_id, name, thread_id FROM contacts WHERE tenant_id = ? AND phone_number = ?", ["swiftreplies", "96170123401"]
        )
        #expect(matched.count == 1)
        #expect(matched.first?[1] == "1")
        #expect(matched.first?[2] == "Rana Haddad", "the name it lacked")
        #expect(matched.first?[3] == "thread_5f1c2a9e01")
        let contactID = try #require(matched.first?[0] ?? nil)
        #expect(try await target.integer("SELECT count(*) FROM contacts WHERE tenant_id = ?", ["swiftreplies"]) == 8)
        #expect(try await target.integer("SELECT count(*) FROM messages WHERE tenant_id = ? AND contact_id = CAST(? AS INTEGER)", ["swiftreplies", contactID]) == liveMessages + 120)

        // The other tenant's contact with the same number is untouched.
        let other = try await target.rows("SELECT legacy_id, name, thread_id FROM contacts WHERE tenant_id = ?", ["astrosouks"])
        #expect(other.count == 1)
        #expect(other.first == [nil, nil, nil])
        #expect(try await target.integer("SELECT count(*) FROM messages WHERE tenant_id = ? AND legacy_id IS NOT NULL", ["astrosouks"]) == 0)

        // Replies keep going where they went: imported messages carry the provider of the
        // contact's live inbound message, or the chatbot's first channel's.
        let liveProvider = try await target.text(
            "SELECT provider FROM messages WHERE tenant_id = ? AND contact_id = CAST(? AS INTEGER) AND legacy_id IS NULL AND direction = 'inbound'",
            ["swiftreplies", contactID]
        )
        let importedProviders = try await target.rows(
            "SELECT DISTINCT provider FROM messages WHERE tenant_id = ? AND contact_id = CAST(? AS INTEGER) AND legacy_id IS NOT NULL", ["swiftreplies", contactID]
        )
        #expect(importedProviders == [[liveProvider]])
        let channelProvider =
            try await target.text("SELECT provider FROM chatbot_numbers WHERE chatbot_id = ? ORDER BY position LIMIT 1", ["ecla-main"]) ?? "local"
        let otherProviders = try await target.rows(
            "SELECT DISTINCT provider FROM messages WHERE tenant_id = ? AND contact_id <> CAST(? AS INTEGER)", ["swiftreplies", contactID]
        )
        #expect(otherProviders == [[channelProvider]])

        let again = try await SwiftRepliesExecutable.importLegacy(from: legacy.location, into: target.location)
        #expect(again.lastLine == LegacyFixture.secondRunSummary, "\(again)")
    }

    /// A legacy database with other column names (`role`, `content`, `created_at`), a number
    /// that is not a phone number, a message without a contact and one with an unknown
    /// direction: the rest is imported, the summary counts what was skipped and why.
    @Test func importsWhatItCanAndSaysWhatItSkipped() async throws {
        try await withDatabases(legacy: nil, target: .sqlite) { legacy, target in
            try await importOddRows(legacy: legacy, target: target)
        }
    }

    func importOddRows(legacy: TestDatabase, target: TestDatabase) async throws {
        try await LegacySQL.run(
            [
                "CREATE TABLE contacts (id INTEGER PRIMARY KEY, phone TEXT NOT NULL UNIQUE, name TEXT, created_at INTEGER)",
                "CREATE TABLE messages (id INTEGER PRIMARY KEY, contact_id INTEGER, role TEXT, content TEXT, created_at TEXT)",
                "INSERT INTO contacts VALUES (1, '+33 6 12 34 56 78', 'Claire', 1714557600), (2, 'unknown', 'Ghost', NULL), (3, '33612345678', 'Same number', NULL)",
                """
                INSERT INTO messages VALUES
                    (10, 1, 'user', 'Bonjour', '2024-05-01T10:00:00Z'),
                    (11, 1, 'assistant', 'Bonjour Claire !', '2024-05-01T10:00:05Z'),
                    (12, 3, 'user', 'Encore moi', '2024-05-01T11:00:00Z'),
                    (13, 2, 'user', 'lost', '2024-05-01T12:00:00Z'),
                    (14, 1, 'system', 'internal note', '2024-05-01T12:00:00Z'),
                    (15, 99, 'user', 'orphan', '2024-05-01T12:00:00Z')
                """,
            ],
            in: legacy
        )
        let result = try await SwiftRepliesExecutable.importLegacy(from: "sqlite://" + legacy.location, into: target.location)
        #expect(result.status == 0, "\(result)")
        // Contact 3 has contact 1's number once normalised: one contact, counted as present.
        #expect(
            result.lastLine == "1 contact, 3 messages, 0 orders, 0 campaigns imported (1 contact already present); 1 contact, 3 messages skipped",
            "\(result)"
        )
        #expect(result.stderr.contains("warning: contact 2 skipped: 'unknown' is not a phone number"), "\(result.stderr)")
        #expect(result.stderr.contains("warning: message 13 skipped: its contact 2 was not imported"), "\(result.stderr)")
        #expect(result.stderr.contains("warning: message 15 skipped: its contact 99 was not imported"), "\(result.stderr)")
        #expect(result.stderr.contains("warning: message 14 skipped: unknown direction 'system'"), "\(result.stderr)")
        let messages = try await target.rows("SELECT legacy_id, direction, text, created_at FROM messages ORDER BY id")
        #expect(messages.map { $0[0] } == ["10", "11", "12"])
        #expect(messages.map { $0[1] } == ["inbound", "outbound", "inbound"])
        #expect(messages.first?[3].flatMap(Double.init) == 1_714_557_600)
        #expect(try await target.text("SELECT created_at FROM contacts WHERE phone_number = '33612345678'").flatMap(Double.init) == 1_714_557_600)
    }

    // MARK: Errors

    @Test func unknownTenantFailsBeforeTouchingAnything() async throws {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let targetPath = directory.appendingPathComponent("target.sqlite").path
        let result = try await SwiftRepliesExecutable.importLegacy(
            from: LegacyFixture.sqlURL.path, into: targetPath, tenant: "nobody"
        )
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("import-legacy: unknown tenant 'nobody' (configured: swiftreplies, astrosouks)"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: targetPath), "no target database is created")
    }

    @Test func chatbotOfAnotherTenantIsRefused() async throws {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await SwiftRepliesExecutable.importLegacy(
            from: LegacyFixture.sqlURL.path, into: directory.appendingPathComponent("target.sqlite").path, extra: ["--chatbot", "astrosouks-bot"]
        )
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("tenant 'swiftreplies' has no chatbot 'astrosouks-bot' (its chatbots: ecla-main)"), "\(result.stderr)")
    }

    @Test func missingSQLiteSourceIsAClearError() async throws {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("old.sqlite").path
        let result = try await SwiftRepliesExecutable.importLegacy(from: missing, into: directory.appendingPathComponent("target.sqlite").path)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("import-legacy: legacy database not found: no file at \(missing)"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing), "the missing source is not created")
    }

    @Test func unreachablePostgresSourceIsAClearError() async throws {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try ServeProcess.freePort()
        let result = try await SwiftRepliesExecutable.importLegacy(
            from: "postgres://legacy:secret@127.0.0.1:\(port)/legacy", into: directory.appendingPathComponent("target.sqlite").path
        )
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("import-legacy: cannot open the legacy database postgres://legacy:***@127.0.0.1:\(port)/legacy"), "\(result.stderr)")
        #expect(!result.stderr.contains("secret"), "the password is not shown")
    }

    /// A database without the legacy tables, and this host's own (multi-tenant) database, are
    /// refused with what is wrong.
    @Test func databasesThatAreNotLegacyAreRefused() async throws {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withDatabases(legacy: .sqlite, target: .sqlite) { legacy, other in
            try await LegacySQL.run(["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"], in: other)
            let target = directory.appendingPathComponent("target.sqlite").path
            let unrelated = try await SwiftRepliesExecutable.importLegacy(from: other.location, into: target)
            #expect(unrelated.status == 1, "\(unrelated)")
            #expect(
                unrelated.stderr.contains("is not a legacy SwiftReplies database: table 'contacts' is missing; table 'messages' is missing"),
                "\(unrelated.stderr)"
            )
            #expect(!FileManager.default.fileExists(atPath: target), "the source is checked before the target is opened")

            // This host's own database (made by a successful import) is not a legacy one.
            #expect(try await SwiftRepliesExecutable.importLegacy(from: legacy.location, into: target).status == 0)
            let own = try await SwiftRepliesExecutable.importLegacy(from: target, into: directory.appendingPathComponent("second.sqlite").path)
            #expect(own.status == 1, "\(own)")
            #expect(own.stderr.contains("its contacts table has a tenant_id column, so it is already a multi-tenant database"), "\(own.stderr)")
        }
    }

    /// A legacy database (the fixture, or empty when `legacy` is nil: an SQLite file) and an
    /// empty target, removed after `body` whether it succeeds or not.
    func withDatabases(
        legacy legacyBackend: StoreBackend?, target targetBackend: StoreBackend, _ body: (TestDatabase, TestDatabase) async throws -> Void
    ) async throws {
        let legacy: TestDatabase
        if let legacyBackend {
            legacy = try await LegacyFixture.make(legacyBackend)
        } else {
            legacy = try await TestDatabase.make(.sqlite)
        }
        let target: TestDatabase
        do {
            target = try await TestDatabase.make(targetBackend)
        } catch {
            await legacy.remove()
            throw error
        }
        do {
            try await body(legacy, target)
        } catch {
            await legacy.remove()
            await target.remove()
            throw error
        }
        await legacy.remove()
        await target.remove()
    }
}
