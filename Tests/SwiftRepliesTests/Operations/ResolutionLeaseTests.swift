import AsyncHTTPClient
import Foundation
import NIOCore
import PostgresNIO
import SwiftRepliesCore
import SwiftRepliesServer
import Testing

/// On a database several replicas share, the turn that tells a customer an operator's decision
/// takes the conversation's lease like a message turn does: while another replica holds the
/// conversation, the resolution turn waits for it.
@Suite(.enabled(if: StoreBackend.postgresURL != nil, "needs SWIFTREPLIES_TEST_POSTGRES_URL"))
struct ResolutionLeaseTests {
    static let customer = "96170000001"

    /// Polls `probe` every 50 ms until it answers a value or `timeout` passes.
    static func eventually<T>(timeout: Duration = .seconds(20), _ probe: () async throws -> T?) async throws -> T? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try await probe() { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    @Test func resolutionTurnWaitsWhileAnotherReplicaHoldsTheConversation() async throws {
        guard ServeProcess.executable != nil else {
            Issue.record("swiftreplies executable not built")
            return
        }
        let database = try await TestDatabase.make(.postgres)
        do {
            try await FakeProviderServer.with(respond: { _ in
                FakeProviderServer.json(.ok, #"{"messages":[{"id":"wamid.\#(UUID().uuidString)"}]}"#)
            }) { baseURL, recorder in
                let directory = try RepositoryPaths.copyOfConfiguration()
                defer { try? FileManager.default.removeItem(at: directory) }
                var environment = SignalTests.environment(providerURL: baseURL)
                environment["LOG_LEVEL"] = "warning"
                let serve = try await ServeProcess(
                    configDirectory: directory, database: database.location, environment: environment, port: try ServeProcess.freePort()
                )
                defer { serve.signal(SIGKILL) }

                // The customer asks ECLA for more than its agent may grant: an action waits.
                let body = try RoutedFixture.meta("inbound_text", id: "wamid.lease-1", text: "can I get a 25% discount on the kit?", from: Self.customer)
                #expect(try await ServeProcess.postMeta(port: serve.port, body: body, secret: ServerHarness.metaSecret) == 200)
                let pending = try await Self.eventually {
                    try await database.rows("SELECT id, tenant_id, contact_id FROM actions WHERE status = 'pending'").first
                }
                let action = try #require(pending, "no action was created: \(serve.log(tail: 10))")
                let (actionID, tenant, contact) = (try #require(action[0]), try #require(action[1]), try #require(action[2].flatMap { Int64($0) }))
                // The turn that created it is over once its reply went out.
                _ = try await Self.eventually { await recorder.requests.isEmpty ? nil : true }

                let key = APIKeyFormat.generate(tenant: TenantID(tenant))
                let opened = try await database.open()
                let store = opened
                _ = try await store.apiKeys.createAPIKey(
                    NewAPIKey(tenantID: TenantID(tenant), name: "ops", hash: APIKeyFormat.hash(key), scopes: ["all"], expiresAt: nil, createdAt: Date()),
                    maximumActive: nil
                )
                try await opened.lifecycle.shutdown()

                // Another replica holds the conversation for two more seconds.
                let heldUntil = Date().addingTimeInterval(2)
                _ = try await PostgresAdmin.withConnection(database.location) { connection in
                    try await connection.query(
                        """
                        INSERT INTO conversation_leases (tenant_id, contact_id, holder, expires_at) VALUES (\(tenant), \(contact), 'replica-b', \(heldUntil))
                        ON CONFLICT (tenant_id, contact_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                        """,
                        logger: quietTestLogger
                    )
                }
                let lastOutbound = try await database.integer("SELECT COALESCE(MAX(id), 0) FROM messages WHERE direction = 'outbound'") ?? 0

                var request = HTTPClientRequest(url: "http://127.0.0.1:\(serve.port)/api/v1/actions/\(actionID)/approve")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(key)")
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: #"{"response":"Enjoy!"}"#))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(40))
                let answer = try JSONSerialization.jsonObject(with: Data(String(buffer: try await response.body.collect(upTo: 1 << 20)).utf8)) as? [String: Any]
                #expect(response.status.code == 200)
                #expect(answer?["customer_told"] as? Bool == true)

                // The confirmation was written only after the other replica's lease ran out.
                let written = try await database.rows(
                    "SELECT text, EXTRACT(EPOCH FROM created_at) FROM messages WHERE direction = 'outbound' AND id > CAST(? AS BIGINT) ORDER BY id",
                    [String(lastOutbound)]
                )
                let confirmation = try #require(written.first, "no confirmation was queued")
                #expect(confirmation[0]?.contains("approved your 25% discount") == true, "\(confirmation)")
                let writtenAt = try #require(confirmation[1].flatMap(Double.init))
                #expect(writtenAt >= heldUntil.timeIntervalSince1970 - 0.05, "written \(heldUntil.timeIntervalSince1970 - writtenAt) s before the lease ended")
                // Released leases stay as rows that have expired.
                #expect(
                    try await database.integer("SELECT COUNT(*) FROM conversation_leases WHERE holder LIKE 'resolution-%' AND expires_at > now()") == 0,
                    "the lease is handed back"
                )
            }
        } catch {
            await database.remove()
            throw error
        }
        await database.remove()
    }
}
