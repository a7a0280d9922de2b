// Measures shared SQL (sql-kit over the SQLite store's own connections) against the store's
// existing raw path, for one typical operator read and one write, the same statements each way.
//
// `swift build -c release --product swiftreplies-sql-bench` and run
// `swiftreplies-sql-bench [iterations] [rounds] [full|normal]`. Not run in CI.
//
// - read: the tenant's API keys (`SELECT <11 columns> FROM api_keys WHERE tenant_id = ? ORDER BY
//   id`, 5 rows, into `APIKeyRecord`s): `SQLiteStore.apiKeys(tenantID:)` against the same SELECT
//   through `sharedSQL.read(tenant:)` and `SQLRow.decode`.
// - write: recording an API call (`UPDATE api_keys SET last_used` and the usage counter's upsert,
//   one transaction): `SQLiteStore.recordAPICall` (group commit: one job on the writer) against the
//   same two statements through `sharedSQL.withTenantTransaction` (a job per statement).
//
// Rounds alternate which side goes first; the figures are the median of the rounds. A fourth
// argument `read-raw`, `read-sql-kit`, `write-raw` or `write-sql-kit` runs only that loop, for
// counting instructions (`valgrind --tool=callgrind`, two iteration counts, subtracted).
import Foundation
import Logging
import SQLKit
import SwiftRepliesCore
import SwiftRepliesStores

/// The benchmark's store and the rows it works on.
@main
struct SQLBench: Sendable {
    let store: SQLiteStore
    let shared: any SharedSQLDatabase
    let tenant: TenantID
    let keyID: Int64

    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        let iterations = arguments.first.flatMap { Int($0) } ?? 3_000
        let rounds = arguments.dropFirst().first.flatMap { Int($0) } ?? 5
        let synchronous = arguments.dropFirst(2).first.flatMap { SQLiteSynchronous(rawValue: $0) } ?? .full
        let only = arguments.dropFirst(3).first

        var logger = Logger(label: "sql-bench")
        logger.logLevel = .warning
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-sql-bench-\(UUID().uuidString).sqlite").path
        let tenant: TenantID = "bench"
        let store = try await SQLiteStore.open(path: path, synchronous: synchronous, logger: logger)
        try await store.migrateUp()
        let shared = store.sharedSQL
        let start = Date()
        try await shared.withHostTransaction { db in
            try await db.raw(
                "INSERT INTO tenants (id, name, plan, is_active, created_at, updated_at) VALUES (\(bind: "bench"), 'Bench', 'pro', TRUE, \(bind: start), \(bind: start))"
            ).run()
        }
        for index in 0..<5 {
            _ = try await store.createAPIKey(
                NewAPIKey(tenantID: tenant, name: "key-\(index)", hash: "hash-\(index)", scopes: ["read", "write"], expiresAt: nil, createdAt: start),
                maximumActive: nil
            )
        }
        let keyID = try await store.apiKeys(tenantID: tenant)[0].id
        let bench = SQLBench(store: store, shared: shared, tenant: tenant, keyID: keyID)
        if let only {
            try await bench.runOnly(only, iterations: iterations)
            try await store.shutdown()
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            return
        }
        try await bench.run(iterations: iterations, rounds: rounds, synchronous: synchronous, path: path)
    }

    static let columns = "id, tenant_id, key_name, api_key_hash, permissions, last_used, expires_at, is_active, revoked_at, created_at, rate_limit_per_hour"

    func sharedRead() async throws -> [APIKeyRecord] {
        try await shared.read(tenant: tenant) { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM api_keys WHERE tenant_id = \(bind: tenant.rawValue) ORDER BY id").all().map { row in
                APIKeyRecord(
                    id: try row.decode(column: "id", as: Int64.self), tenantID: TenantID(try row.decode(column: "tenant_id", as: String.self)),
                    name: try row.decode(column: "key_name", as: String.self), hash: try row.decode(column: "api_key_hash", as: String.self),
                    scopes: try row.decode(column: "permissions", as: SQLJSON<[String]>.self).value,
                    createdAt: try row.decode(column: "created_at", as: Date.self), expiresAt: try row.decode(column: "expires_at", as: Date?.self),
                    lastUsed: try row.decode(column: "last_used", as: Date?.self), isActive: try row.decode(column: "is_active", as: Bool.self),
                    revokedAt: try row.decode(column: "revoked_at", as: Date?.self), rateLimitPerHour: try row.decode(column: "rate_limit_per_hour", as: Int?.self)
                )
            }
        }
    }

    func sharedWrite(at date: Date) async throws {
        try await shared.withTenantTransaction(tenant) { db in
            try await db.raw("UPDATE api_keys SET last_used = \(bind: date) WHERE tenant_id = \(bind: tenant.rawValue) AND id = \(bind: keyID)").run()
            try await db.raw(
                """
                INSERT INTO usage_tracking (
                    tenant_id, tracking_date, daily_messages_sent, daily_messages_received, live_takeovers_used, actions_created,
                    api_calls_made, overage_messages, created_at, updated_at
                )
                VALUES (\(bind: tenant.rawValue), \(bind: UsageCalendar.day(date)), \(bind: 0), \(bind: 0), \(bind: 0), \(bind: 0), \(bind: 1), \(bind: 0),
                        \(bind: date), \(bind: date))
                ON CONFLICT (tenant_id, tracking_date) DO UPDATE SET
                    daily_messages_sent = usage_tracking.daily_messages_sent + excluded.daily_messages_sent,
                    daily_messages_received = usage_tracking.daily_messages_received + excluded.daily_messages_received,
                    live_takeovers_used = usage_tracking.live_takeovers_used + excluded.live_takeovers_used,
                    actions_created = usage_tracking.actions_created + excluded.actions_created,
                    api_calls_made = usage_tracking.api_calls_made + excluded.api_calls_made,
                    overage_messages = usage_tracking.overage_messages + excluded.overage_messages,
                    updated_at = excluded.updated_at
                """
            ).run()
        }
    }

    /// Microseconds per call of `body`, over `count` calls.
    static func time(_ count: Int, _ body: () async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            for _ in 0..<count { try await body() }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds * 1e6 / Double(count)
    }

    /// One loop alone, after a fixed warm-up of 100 calls.
    func runOnly(_ loop: String, iterations: Int) async throws {
        let body: () async throws -> Void
        switch loop {
        case "read-raw": body = { _ = try await store.apiKeys(tenantID: tenant) }
        case "read-sql-kit": body = { _ = try await sharedRead() }
        case "write-raw": body = { try await store.recordAPICall(tenantID: tenant, keyID: keyID, at: Date()) }
        case "write-sql-kit": body = { try await sharedWrite(at: Date()) }
        default:
            print("unknown loop \(loop)")
            return
        }
        _ = try await Self.time(100, body)
        print(String(format: "%@: %.1f µs per operation", loop, try await Self.time(iterations, body)))
    }

    func run(iterations: Int, rounds: Int, synchronous: SQLiteSynchronous, path: String) async throws {
        // The two paths agree before they are timed.
        let raw = try await store.apiKeys(tenantID: tenant)
        let viaShared = try await sharedRead()
        guard raw.map(\.id) == viaShared.map(\.id), raw.map(\.scopes) == viaShared.map(\.scopes), raw.map(\.createdAt) == viaShared.map(\.createdAt) else {
            print("the two reads disagree")
            exit(1)
        }

        var samples: [String: [Double]] = [:]
        let warmup = max(100, iterations / 10)
        _ = try await Self.time(warmup) { _ = try await store.apiKeys(tenantID: tenant) }
        _ = try await Self.time(warmup) { _ = try await sharedRead() }
        _ = try await Self.time(warmup) { try await store.recordAPICall(tenantID: tenant, keyID: keyID, at: Date()) }
        _ = try await Self.time(warmup) { try await sharedWrite(at: Date()) }
        for round in 0..<rounds {
            let sides = round.isMultiple(of: 2) ? ["raw", "sql-kit"] : ["sql-kit", "raw"]
            for side in sides {
                samples["read \(side)", default: []].append(
                    try await Self.time(iterations) {
                        if side == "raw" { _ = try await store.apiKeys(tenantID: tenant) } else { _ = try await sharedRead() }
                    }
                )
            }
            for side in sides {
                samples["write \(side)", default: []].append(
                    try await Self.time(iterations) {
                        if side == "raw" { try await store.recordAPICall(tenantID: tenant, keyID: keyID, at: Date()) } else { try await sharedWrite(at: Date()) }
                    }
                )
            }
        }
        try await store.shutdown()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }

        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        }

        print("SQLite, synchronous=\(synchronous.rawValue), \(iterations) iterations x \(rounds) alternating rounds (median µs per operation)")
        for operation in ["read", "write"] {
            let rawMedian = median(samples["\(operation) raw"] ?? [])
            let sqlMedian = median(samples["\(operation) sql-kit"] ?? [])
            let all = (samples["\(operation) raw"] ?? []).map { String(format: "%.1f", $0) }.joined(separator: " ")
            let allSQL = (samples["\(operation) sql-kit"] ?? []).map { String(format: "%.1f", $0) }.joined(separator: " ")
            print(String(format: "%@: raw %.1f µs, sql-kit %.1f µs, ratio %.2f", operation, rawMedian, sqlMedian, sqlMedian / max(rawMedian, 0.001)))
            print("  raw rounds: \(all)")
            print("  sql-kit rounds: \(allSQL)")
        }
    }
}
