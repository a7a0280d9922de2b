import Foundation
import NIOCore
import SwiftRepliesRuntime
@testable import SwiftRepliesStores
import Testing

/// The SQLite store's own connection layer (`SQLiteDatabaseConnection`) on a real file: values
/// of every type come back as they were bound, a kept statement gives the right rows for new
/// binds (also after it was evicted and after it failed), SQLite's errors arrive with their
/// message, a session's statements share one transaction, and the store's checkpoint interval is
/// the one asked for.
@Suite("SQLite connection layer")
struct SQLiteConnectionTests {
    private static func withConnection(_ body: (SQLiteDatabaseConnection) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-connection-\(UUID().uuidString).sqlite").path
        let connection = try await SQLiteDatabaseConnection.open(path: path)
        do {
            try await body(connection)
            try await connection.close()
        } catch {
            try? await connection.close()
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            throw error
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test func valuesComeBackAsTheyWereBound() async throws {
        try await Self.withConnection { connection in
            try await connection.query("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
            let blob: [UInt8] = [0, 1, 2, 255]
            let text = "héllo\u{0}wörld 👋"
            try await connection.query(
                "INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(.min), .float(-0.5), .text(text), .blob(blob), .null]
            )
            let rows = try await connection.query("SELECT i, r, s, b, n FROM t")
            let row = try #require(rows.first)
            #expect(rows.count == 1)
            #expect(row.column("i") == .integer(.min))
            #expect(row.column("r") == .float(-0.5))
            #expect(row.column("s") == .text(text), "text with an embedded NUL and emoji survives")
            #expect(row.column("b") == .blob(blob))
            #expect(row.column("n") == .null)
            #expect(row.column("missing") == nil)
        }
    }

    @Test func aKeptStatementAnswersForItsNewBindsAlsoAfterEvictionAndFailure() async throws {
        try await Self.withConnection { connection in
            try await connection.query("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
            let insert = "INSERT INTO t (id, name) VALUES (?, ?) RETURNING id"
            for id in 1...5 {
                let rows = try await connection.query(insert, [.integer(Int64(id)), .text("name \(id)")])
                #expect(rows.first?.column("id") == .integer(Int64(id)))
            }
            // A constraint failure: SQLite's message, and the statement still works afterwards.
            do {
                try await connection.query(insert, [.integer(6), .text("name 1")])
                Issue.record("a duplicate name was accepted")
            } catch let SQLiteStoreError.sqlite(code, message) {
                #expect(code & 0xff == 19, "SQLITE_CONSTRAINT, got \(code)")
                #expect(message.contains("UNIQUE"))
            }
            #expect(try await connection.query(insert, [.integer(6), .text("name 6")]).first?.column("id") == .integer(6))
            // More distinct statements than the cache keeps: the first is prepared again and
            // still reads the right row.
            let select = "SELECT name FROM t WHERE id = ?"
            #expect(try await connection.query(select, [.integer(2)]).first?.column("name") == .text("name 2"))
            for n in 0..<300 { try await connection.query("SELECT \(n) AS n") }
            #expect(try await connection.query(select, [.integer(3)]).first?.column("name") == .text("name 3"))
            #expect(try await connection.query("SELECT count(*) AS c FROM t").first?.column("c") == .integer(6))
        }
    }

    @Test func aBadStatementIsAClearError() async throws {
        try await Self.withConnection { connection in
            await #expect(throws: SQLiteStoreError.self) { try await connection.query("SELEC 1") }
            do {
                try await connection.query("SELECT * FROM nowhere")
            } catch let SQLiteStoreError.sqlite(_, message) {
                #expect(message.contains("no such table: nowhere"))
            }
        }
    }

    @Test func aSessionsStatementsShareOneTransaction() async throws {
        try await Self.withConnection { connection in
            try await connection.query("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            struct Stop: Error {}
            await #expect(throws: Stop.self) {
                try await connection.perform { session in
                    try session.query("BEGIN IMMEDIATE")
                    try session.query("INSERT INTO t (id) VALUES (1)")
                    // Failing mid-way rolls back the whole job's work.
                    _ = try? session.query("ROLLBACK")
                    throw Stop()
                }
            }
            #expect(try await connection.query("SELECT count(*) AS c FROM t").first?.column("c") == .integer(0))
        }
    }

    /// Commits of about two pages each, 300 of them: with checkpoints every 20 pages the WAL keeps
    /// starting over (its size stays near the threshold); with checkpoints off it holds every frame.
    @Test(arguments: [(20, true), (0, false)])
    func theWALStartsOverPastTheCheckpointThreshold(pages: Int, checkpoints: Bool) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-checkpoint-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let environment = ["SQLITE_WAL_AUTOCHECKPOINT": "\(pages)"]
        let store = try #require(try await StoreOpener.open(path, environment: environment, logger: quietTestLogger).lifecycle as? SQLiteStore)
        #expect(store.checkpointer.threshold == pages)
        var largest = 0
        do {
            _ = try await store.withWriteTransaction { try $0.query("CREATE TABLE scratch (id INTEGER PRIMARY KEY, payload TEXT)") }
            let payload = String(repeating: "x", count: 5000)
            for id in 1...300 {
                _ = try await store.withWriteTransaction { try $0.query("INSERT INTO scratch (id, payload) VALUES (?, ?)", [.integer(Int64(id)), .text(payload)]) }
                largest = max(largest, store.checkpointer.counter.frames.load(ordering: .relaxed))
            }
            #expect(try await store.read("SELECT count(*) AS c FROM scratch").first?.column("c") == .integer(300))
            try await store.shutdown()
        } catch {
            try? await store.shutdown()
            throw error
        }
        if checkpoints {
            #expect(largest < 150, "the WAL held \(largest) frames; it should start over past 20")
        } else {
            #expect(largest >= 600, "without checkpoints the WAL holds every frame, got \(largest)")
        }
    }

    /// The writer's settings by default: checkpoints every 15,000 pages, `synchronous=FULL`
    /// (2), and a 32 MiB page cache.
    @Test func theWritersDefaults() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-checkpoint-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try #require(try await StoreOpener.open(path, environment: [:], logger: quietTestLogger).lifecycle as? SQLiteStore)
        #expect(store.checkpointer.threshold == 15_000)
        let settings = try await store.withWriteTransaction { session in
            (try session.query("PRAGMA synchronous").first?.column("synchronous"), try session.query("PRAGMA cache_size").first?.column("cache_size"))
        }
        #expect(settings.0 == .integer(2))
        #expect(settings.1 == .integer(-32_768))
        try await store.shutdown()
    }
}
