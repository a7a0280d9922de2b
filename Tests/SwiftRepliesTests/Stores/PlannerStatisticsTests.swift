import Foundation
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// How the PostgreSQL store keeps its statements cheap: `performHousekeeping` analyzes a table
/// that grew faster than autovacuum looks at it (fresh statistics, and the prepared statements'
/// plans made again) and leaves a quiet one alone; a hot statement gives the same rows prepared
/// and sent unnamed (`DATABASE_PREPARED_STATEMENTS=false`, for poolers).
@Suite("PostgreSQL planner statistics", .enabled(if: StoreBackend.postgresURL != nil, "needs SWIFTREPLIES_TEST_POSTGRES_URL"))
struct PlannerStatisticsTests {
    @Test func aStatementGivesTheSameRowsPreparedAndUnnamed() async throws {
        try await TestDatabase.withConformanceStore(.postgres) { _, store in
            let postgres = try #require(store.lifecycle as? PostgresStore)
            let stored = ConformanceFixture.stored(
                try await store.intake.ingest([ConformanceFixture.envelope("wamid.1"), ConformanceFixture.envelope("wamid.2", at: 1)])
            )
            let conversation = try #require(stored.first?.conversation)
            for prepared in [true, false, true] {
                let ids = try await postgres.tenantTransaction(conversation.tenantID) { connection in
                    let rows = try await connection.run(
                        PostgresStore.ConversationPendingSQL.self, conversation.tenantID.rawValue, conversation.contactID.rawValue,
                        conversation.chatbotID.rawValue, Int64(10), logger: quietTestLogger, prepared: prepared
                    )
                    var ids: [MessageID] = []
                    for try await row in rows { ids.append(try PostgresStore.storedInbound(row).id) }
                    return ids
                }
                #expect(ids == stored.map(\.id), "prepared: \(prepared)")
            }
        }
    }

    @Test func aTableThatGrewFastIsAnalyzedAndAQuietOneIsNot() async throws {
        try await TestDatabase.withConformanceStore(.postgres) { database, store in
            func analyses(_ table: String) async throws -> Int {
                try await database.integer("SELECT analyze_count + autoanalyze_count FROM pg_stat_user_tables WHERE relname = ?", [table]) ?? -1
            }
            try await store.lifecycle.performHousekeeping()
            #expect(try await analyses("messages") == 0, "an empty table has nothing to analyze")

            // 1,500 new messages from 1,500 contacts: more changes than rows at the last analysis.
            let envelopes = (0..<1500).map { index in
                ConformanceFixture.envelope("wamid.\(index)", from: PhoneNumber(canonical: String(96_170_000_000 + index)))
            }
            for chunk in stride(from: 0, to: envelopes.count, by: 500) {
                _ = try await store.intake.ingest(Array(envelopes[chunk..<min(chunk + 500, envelopes.count)]))
            }
            // The server's statistics reach pg_stat_user_tables within seconds (a backend flushes
            // them at most once a second, an idle one within ten).
            let deadline = Date().addingTimeInterval(30)
            while try await analyses("messages") == 0, Date() < deadline {
                try await store.lifecycle.performHousekeeping()
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(try await analyses("messages") == 1)
            #expect(try await analyses("contacts") == 1)
            #expect(try await database.integer("SELECT reltuples::bigint FROM pg_class WHERE relname = 'messages'") == 1500)
            #expect(try await analyses("send_attempts") == 0, "an empty table is left alone")

            // Analyzed: nothing changed since, so nothing more to do.
            try await store.lifecycle.performHousekeeping()
            #expect(try await analyses("messages") == 1)
        }
    }
}
