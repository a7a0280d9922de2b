import Foundation
import SQLKit
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// The same shared-SQL cases on SQLite and on PostgreSQL, against each one's migrated schema.
@Suite("SharedSQL: one SQL on both databases")
struct SharedSQLTests {
    /// A value of every kind a bind and a column read support.
    struct Everything: Codable, Equatable, Sendable {
        var flag: Bool
        var note: String
    }

    @Test("INSERT ... RETURNING reads back what was bound, the webhook's JSON, date and NULL", arguments: StoreBackend.available)
    func insertReturning(_ backend: StoreBackend) async throws {
        try await SharedSQLFixture.run(backend) { fixture in
            let url = "https://hooks.example/ünïcødé/مرحبا/👋"
            let row = try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { db in
                try await db.insert(into: "webhooks")
                    .columns("tenant_id", "chatbot_id", "url", "events", "secret_token", "is_active", "created_at")
                    .values(
                        SQLBind("acme"), SQLBind(nil as String?), SQLBind(url), SQLBind(SQLJSON(["message.received", "a/b"])), SQLBind(nil as String?),
                        SQLBind(true), SQLBind(SharedSQLFixture.instant)
                    )
                    .returning("id", "tenant_id", "chatbot_id", "url", "events", "secret_token", "is_active", "created_at")
                    .first()
            }
            let inserted = try #require(row)
            #expect(try inserted.decode(column: "id", as: Int64.self) > 0)
            #expect(try inserted.decode(column: "tenant_id", as: String.self) == "acme")
            #expect(try inserted.decodeNil(column: "chatbot_id"))
            #expect(try inserted.decode(column: "chatbot_id", as: String?.self) == nil)
            #expect(try inserted.decode(column: "url", as: String.self) == url)
            #expect(try inserted.decode(column: "events", as: SQLJSON<[String]>.self).value == ["message.received", "a/b"])
            #expect(try inserted.decode(column: "secret_token", as: String?.self) == nil)
            #expect(try inserted.decode(column: "is_active", as: Bool.self))
            try expectSameInstant(try inserted.decode(column: "created_at", as: Date.self), SharedSQLFixture.instant, backend)
            #expect(try await fixture.webhookCount(SharedSQLFixture.acme) == 1)
            if backend == .sqlite {
                // Exactly the text the SQLite store writes itself.
                #expect(try await fixture.database.text("SELECT events FROM webhooks") == (try OperationsJSON.encode(["message.received", "a/b"])))
                #expect(try await fixture.database.text("SELECT typeof(created_at) FROM webhooks") == "real")
                #expect(try await fixture.database.text("SELECT typeof(is_active) FROM webhooks") == "integer")
            }
        }
    }

    @Test("ON CONFLICT DO UPDATE adds to the day's counter instead of failing", arguments: StoreBackend.available)
    func upsert(_ backend: StoreBackend) async throws {
        try await SharedSQLFixture.run(backend) { fixture in
            @Sendable func bump(_ db: any SQLDatabase, at date: Date) async throws -> Int {
                let row = try await db.raw(
                    """
                    INSERT INTO usage_tracking (tenant_id, tracking_date, api_calls_made, created_at, updated_at)
                    VALUES (\(bind: "acme"), \(fixture.shared.dialect.calendarDay("2026-12-08")), \(bind: 1), \(bind: date), \(bind: date))
                    ON CONFLICT (tenant_id, tracking_date) DO UPDATE SET
                        api_calls_made = usage_tracking.api_calls_made + excluded.api_calls_made, updated_at = excluded.updated_at
                    RETURNING api_calls_made
                    """
                ).first()
                return try #require(row).decode(column: "api_calls_made", as: Int.self)
            }
            let first = try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { try await bump($0, at: SharedSQLFixture.instant) }
            let second = try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { try await bump($0, at: SharedSQLFixture.instant + 60) }
            #expect(first == 1)
            #expect(second == 2)
            // The builder's form of the same upsert.
            try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { db in
                try await db.insert(into: "usage_tracking")
                    .columns("tenant_id", "tracking_date", "api_calls_made", "created_at", "updated_at")
                    .values(SQLBind("acme"), fixture.shared.dialect.calendarDay("2026-12-08"), SQLBind(40), SQLBind(SharedSQLFixture.instant), SQLBind(SharedSQLFixture.instant + 120))
                    .onConflict(with: ["tenant_id", "tracking_date"]) { $0.set(excludedValueOf: "api_calls_made").set(excludedValueOf: "updated_at") }
                    .run()
            }
            let row = try await fixture.shared.read(tenant: SharedSQLFixture.acme) { db in
                try await db.select().columns("api_calls_made", "updated_at").column(fixture.shared.dialect.calendarDayText("tracking_date")).from("usage_tracking")
                    .where("tenant_id", .equal, "acme").first()
            }
            let stored = try #require(row)
            #expect(try stored.decode(column: "api_calls_made", as: Int.self) == 40)
            #expect(try stored.decode(column: "tracking_date", as: String.self) == "2026-12-08")
            try expectSameInstant(try stored.decode(column: "updated_at", as: Date.self), SharedSQLFixture.instant + 120, backend)
            #expect(try await fixture.database.integer("SELECT COUNT(*) FROM usage_tracking") == 1)
        }
    }

    @Test("every bound type reads back as itself", arguments: StoreBackend.available)
    func bindsRoundTrip(_ backend: StoreBackend) async throws {
        try await SharedSQLFixture.run(backend) { fixture in
            let uuid = UUID()
            let text = "Ünïcødé – مرحبا – 你好 – 👋🏽"
            let bytes: [UInt8] = [0, 1, 2, 254, 255]
            try await fixture.shared.read(tenant: SharedSQLFixture.acme) { db in
                func roundTrip<T: Codable & Sendable & Equatable>(_ value: T) async throws -> T {
                    let row = try await db.raw("SELECT \(bind: value) AS v").first()
                    return try #require(row).decode(column: "v", as: T.self)
                }
                #expect(try await roundTrip(Int.max) == Int.max)
                #expect(try await roundTrip(Int64.min) == Int64.min)
                #expect(try await roundTrip(Int32(-7)) == -7)
                #expect(try await roundTrip(text) == text)
                #expect(try await roundTrip(0.1 + 0.2) == 0.1 + 0.2)
                #expect(try await roundTrip(true) == true)
                #expect(try await roundTrip(false) == false)
                #expect(try await roundTrip(Data(bytes)) == Data(bytes))
                #expect(try await roundTrip(bytes) == bytes)
                #expect(try await roundTrip(uuid) == uuid)
                #expect(try await roundTrip(Optional("x")) == "x")
                #expect(try await roundTrip(nil as String?) == nil)
                #expect(try await roundTrip(nil as Int?) == nil)
                #expect(try await roundTrip(SQLJSON(Everything(flag: true, note: text))) == SQLJSON(Everything(flag: true, note: text)))
                #expect(try await roundTrip(SQLJSON(["b": "2", "a": "ü"])) == SQLJSON(["b": "2", "a": "ü"]))
                let date = try #require(try await db.raw("SELECT \(bind: SharedSQLFixture.instant) AS v").first()).decode(column: "v", as: Date.self)
                try expectSameInstant(date, SharedSQLFixture.instant, backend)
                // NULL read as a non-optional type is an error, not a default.
                let null = try #require(try await db.raw("SELECT \(bind: nil as Int?) AS v").first())
                #expect(throws: (any Error).self) { try null.decode(column: "v", as: Int.self) }
                #expect(throws: (any Error).self) { try null.decode(column: "missing", as: Int?.self) }
            }
        }
    }

    @Test("columns of the real schema round-trip: ids, Int32 limits, JSON maps, non-ASCII text, dates", arguments: StoreBackend.available)
    func schemaColumns(_ backend: StoreBackend) async throws {
        try await SharedSQLFixture.run(backend) { fixture in
            let name = "Zoë Ñandú 👋"
            let fields = ["city": "Bayrūt", "note": "a/b \"quoted\""]
            let id = try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { db in
                let row = try await db.raw(
                    """
                    INSERT INTO contacts (tenant_id, phone_number, name, tags, custom_fields, last_interaction, created_at)
                    VALUES (\(bind: "acme"), \(bind: "96170000001"), \(bind: name), \(fixture.shared.dialect.json(["vip", "ünï"])),
                            \(fixture.shared.dialect.json(fields)), \(bind: nil as Date?), \(fixture.shared.dialect.timestamp(SharedSQLFixture.instant)))
                    RETURNING id
                    """
                ).first()
                return try #require(row).decode(column: "id", as: Int64.self)
            }
            struct Contact: Decodable, Sendable {
                var id: Int64
                var name: String?
                var tags: SQLJSON<[String]>
                var custom_fields: SQLJSON<[String: String]>
                var last_interaction: Date?
                var created_at: Date
            }
            let contact = try await fixture.shared.read(tenant: SharedSQLFixture.acme) { db in
                try await db.select().columns("id", "name", "tags", "custom_fields", "last_interaction", "created_at").from("contacts")
                    .where("tenant_id", .equal, "acme").where("id", .equal, id).first(decoding: Contact.self)
            }
            let read = try #require(contact)
            #expect(read.id == id)
            #expect(read.name == name)
            #expect(read.tags.value == ["vip", "ünï"])
            #expect(read.custom_fields.value == fields)
            #expect(read.last_interaction == nil)
            try expectSameInstant(read.created_at, SharedSQLFixture.instant, backend)
            if backend == .sqlite {
                #expect(try await fixture.database.text("SELECT custom_fields FROM contacts") == (try OperationsJSON.encode(fields)))
            }
            let limit = try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { db in
                let row = try await db.raw(
                    """
                    INSERT INTO api_keys (tenant_id, key_name, api_key_hash, permissions, is_active, created_at, rate_limit_per_hour)
                    VALUES (\(bind: "acme"), \(bind: "ci"), \(bind: "hash"), \(fixture.shared.dialect.json(["read"])), TRUE, \(bind: SharedSQLFixture.instant),
                            \(bind: Int32(3600)))
                    RETURNING rate_limit_per_hour, is_active
                    """
                ).first()
                let inserted = try #require(row)
                #expect(try inserted.decode(column: "is_active", as: Bool.self))
                return try inserted.decode(column: "rate_limit_per_hour", as: Int32?.self)
            }
            #expect(limit == 3600)
        }
    }

    @Test("a thrown error rolls everything back and comes out unchanged; a failed statement too", arguments: StoreBackend.available)
    func rollback(_ backend: StoreBackend) async throws {
        try await SharedSQLFixture.run(backend) { fixture in
            await #expect(throws: RuleRefused()) {
                try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { db in
                    try await fixture.addWebhook(SharedSQLFixture.acme, url: "https://one.example", on: db)
                    try await fixture.addWebhook(SharedSQLFixture.acme, url: "https://two.example", on: db)
                    throw RuleRefused()
                }
            }
            #expect(try await fixture.webhookCount() == 0)
            // A statement the database refuses (no such chatbot) undoes the one before it.
            await #expect(throws: (any Error).self) {
                try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { db in
                    try await fixture.addWebhook(SharedSQLFixture.acme, url: "https://three.example", on: db)
                    try await db.raw("INSERT INTO webhooks (tenant_id, chatbot_id, url, created_at) VALUES ('acme', \(bind: "nobody"), 'x', \(bind: Date()))").run()
                }
            }
            #expect(try await fixture.webhookCount() == 0)
            // The database is usable afterwards, and a committed write stays.
            try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { db in
                try await fixture.addWebhook(SharedSQLFixture.acme, url: "https://kept.example", on: db)
            }
            #expect(try await fixture.webhookCount() == 1)
        }
    }

    @Test("a transaction's database refuses statements once the transaction has ended", arguments: StoreBackend.available)
    func leakedDatabase(_ backend: StoreBackend) async throws {
        try await SharedSQLFixture.run(backend) { fixture in
            let leaked = try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { db in db }
            await #expect(throws: (any Error).self) {
                try await fixture.addWebhook(SharedSQLFixture.acme, url: "https://late.example", on: leaked)
            }
            #expect(try await fixture.webhookCount() == 0)
        }
    }

    @Test("row locking, byte order and search keys are spelled per dialect and run", arguments: StoreBackend.available)
    func dialectDifferences(_ backend: StoreBackend) async throws {
        try await SharedSQLFixture.run(backend) { fixture in
            let dialect = fixture.shared.dialect
            #expect(dialect.engine == (backend == .sqlite ? .sqlite : .postgresql))
            try await fixture.shared.withTenantTransaction(SharedSQLFixture.acme) { db in
                for (url, key) in [("https://b.example", "ÉLODIE Ünal"), ("https://a.example", "élodie 100%"), ("https://c.example", "Zed")] {
                    try await db.raw(
                        """
                        INSERT INTO webhooks (tenant_id, url, secret_token, created_at)
                        VALUES ('acme', \(bind: url), \(bind: SharedSQLDialect.searchKey(key)), \(bind: SharedSQLFixture.instant))
                        """
                    ).run()
                }
                let locked = try await db.raw(
                    "SELECT url FROM webhooks WHERE tenant_id = \(bind: "acme") ORDER BY \(dialect.byteOrder("url")) \(dialect.lockSkippingLocked)"
                ).all().map { try $0.decode(column: "url", as: String.self) }
                #expect(locked == ["https://a.example", "https://b.example", "https://c.example"])
                let found = try await db.raw(
                    "SELECT url FROM webhooks WHERE tenant_id = 'acme' AND \(dialect.contains("secret_token", "Élodie")) ORDER BY id"
                ).all().map { try $0.decode(column: "url", as: String.self) }
                #expect(found == ["https://b.example", "https://a.example"])
                let percent = try await db.raw("SELECT url FROM webhooks WHERE \(dialect.contains("secret_token", "100%"))").all()
                #expect(percent.count == 1)
                let underscore = try await db.raw("SELECT url FROM webhooks WHERE \(dialect.contains("secret_token", "_"))").all()
                #expect(underscore.isEmpty)
            }
            let sqlite = SQLiteSQLDatabase(connection: try await SQLiteDatabaseConnection.open(path: ":memory:"), scope: .init(), logger: quietTestLogger)
            let (sql, _) = sqlite.serialize(sqlite.select().column("id").from("webhooks").where("id", .equal, 1).for(.update).query)
            #expect(sql == #"SELECT "id" FROM "webhooks" WHERE "id" = ?"#)
            try await sqlite.connection.close()
        }
    }

    /// SQLite keeps the `REAL` seconds exactly; PostgreSQL keeps microseconds.
    func expectSameInstant(_ read: Date, _ written: Date, _ backend: StoreBackend) throws {
        if backend == .sqlite {
            #expect(read == written)
        } else {
            #expect(abs(read.timeIntervalSince1970 - written.timeIntervalSince1970) < 0.000_001)
        }
    }
}
