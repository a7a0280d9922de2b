import Foundation
@testable import SwiftRepliesStores
import Testing

/// SQLite's page cache behind `CSQLiteSetup`: b-tree rebalancing parks pages under key 0
/// instead of the locking page's number, and the database stays intact.
@Suite struct SQLitePageCacheTests {
    @Test func rebalancingParksPagesAndKeepsTheDatabaseIntact() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-pagecache-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        SQLiteLibrary.prepare()
        #expect(SQLiteLibrary.usesParkingPageCache)
        let parkedBefore = SQLiteLibrary.parkedPageCount

        let connection = try await SQLiteDatabaseConnection.open(path: path)
        do {
            _ = try await connection.query("PRAGMA journal_mode = WAL")
            _ = try await connection.query("PRAGMA cache_size = -32768")
            _ = try await connection.query("CREATE TABLE items (id INTEGER PRIMARY KEY, key TEXT NOT NULL, body TEXT NOT NULL)")
            _ = try await connection.query("CREATE INDEX items_key ON items (key)")
            // Rows in random key order, deletions that free pages, and inserts that reuse them
            // out of order: the b-tree splits and merges, and reorders sibling pages.
            var generator = SystemRandomNumberGenerator()
            var expected = 0
            for round in 0..<12 {
                _ = try await connection.query("BEGIN")
                for _ in 0..<400 {
                    let key = String(UInt64.random(in: 0..<UInt64.max, using: &generator), radix: 36)
                    _ = try await connection.query(
                        "INSERT INTO items (key, body) VALUES (?, ?)", [.text(key), .text(String(repeating: "x", count: 200))]
                    )
                }
                expected += 400
                _ = try await connection.query("COMMIT")
                if round % 3 == 2 {
                    let deleted = try await connection.query("DELETE FROM items WHERE id % 3 = ? RETURNING id", [.integer(Int64(round % 3))])
                    expected -= deleted.count
                }
            }
            let count = try await connection.query("SELECT count(*) AS n FROM items").first?.column("n")?.integer
            #expect(count == expected)
            let check = try await connection.query("PRAGMA integrity_check").first?.values.first?.string
            #expect(check == "ok")
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
        // Other tests may park pages at the same time: the count only grows.
        #expect(SQLiteLibrary.parkedPageCount > parkedBefore)
    }
}
