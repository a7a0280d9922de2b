import Foundation
import Hummingbird
import Testing

/// The real executable under signals: SIGTERM drains (turns in flight finish, their replies are
/// sent, exit 0). Runs on `StoreBackend.serverTests` (SQLite by default, PostgreSQL with
/// `SWIFTREPLIES_TEST_DATABASE=postgres`).
@Suite(.serialized) struct SignalTests {
    static func environment(providerURL: String) -> [String: String] {
        [
            "META_APP_SECRET": ServerHarness.metaSecret, "META_VERIFY_TOKEN": ServerHarness.metaVerifyToken, "META_ACCESS_TOKEN": ServerHarness.metaAccessToken,
            "META_BASE_URL": providerURL, "DEBOUNCE_SECONDS": "0", "LOG_LEVEL": "info",
        ]
    }

    @Test func sigtermFinishesTurnsInFlightSendsTheirRepliesAndExitsZero() async throws {
        guard ServeProcess.executable != nil else {
            Issue.record("swiftreplies executable not built; run swift build first")
            return
        }
        // A slow provider: the reply is still on its way when SIGTERM arrives.
        try await TestDatabase.withServerTestDatabase { database in
            try await FakeProviderServer.with(respond: { _ in
                try await Task.sleep(for: .milliseconds(1500))
                return FakeProviderServer.json(.ok, #"{"messages":[{"id":"wamid.drained"}]}"#)
            }) { baseURL, recorder in
                let directory = try RepositoryPaths.copyOfConfiguration()
                defer { try? FileManager.default.removeItem(at: directory) }
                let port = try ServeProcess.freePort()
                let serve = try await ServeProcess(configDirectory: directory, database: database.location, environment: Self.environment(providerURL: baseURL), port: port)
                let body = try RoutedFixture.meta("inbound_text", id: "wamid.drain-1", text: "how much is the whitening pen?")
                #expect(try await ServeProcess.postMeta(port: port, body: body, secret: ServerHarness.metaSecret) == 200)
                // Wait until the reply has reached the (slow) provider, then ask the server to stop.
                let deadline = ContinuousClock.now + .seconds(10)
                while await recorder.requests.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                serve.signal(SIGTERM)
                let status = await serve.waitForExit()
                #expect(status == 0, "exit status; log:\n\(serve.log(tail: 20))")
                #expect(await recorder.requests.count == 1)
                // The provider's answer arrived during the drain and was recorded.
                let rows = try await database.query("SELECT status, provider_message_id FROM messages WHERE direction = 'outbound'")
                #expect(rows.first?.column("status")?.string == "accepted")
                #expect(rows.first?.column("provider_message_id")?.string == "wamid.drained")
                // It no longer accepts connections.
                await #expect(throws: (any Error).self) { _ = try await ServeProcess.get("http://127.0.0.1:\(port)/health") }
            }
        }
    }
}
