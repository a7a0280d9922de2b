import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// A message to a number no tenant has is counted once at `/metrics`, as `/health` and the
/// `unroutable_messages` table count it, however often the provider redelivers it. Runs the real
/// `serve` executable, whose metrics registry no other test shares, so the count is exact.
@Suite struct UnroutableCountTests {
    @Test func aRedeliveredUnroutableMessageIsCountedOnce() async throws {
        guard ServeProcess.executable != nil else {
            Issue.record("swiftreplies executable not built")
            return
        }
        try await TestDatabase.withServerTestDatabase { database in
            try await FakeProviderServer.with(respond: { _ in FakeProviderServer.json(.ok, "{}") }) { baseURL, recorder in
                let directory = try RepositoryPaths.copyOfConfiguration()
                defer { try? FileManager.default.removeItem(at: directory) }
                let serve = try await ServeProcess(
                    configDirectory: directory, database: database.location, environment: SignalTests.environment(providerURL: baseURL),
                    port: try ServeProcess.freePort()
                )
                defer { serve.signal(SIGTERM) }
                // The fixture's destination (Meta's docs number) belongs to no tenant.
                let body = try Array(RoutedFixture.data("meta/inbound_text_meta_docs.json"))
                for _ in 0..<3 {
                    #expect(try await ServeProcess.postMeta(port: serve.port, body: body, secret: ServerHarness.metaSecret) == 200)
                }
                let metrics = try await Self.get("http://127.0.0.1:\(serve.port)/metrics")
                let counted = metrics.split(separator: "\n").first { $0.hasPrefix("swiftreplies_unroutable_messages_total{provider=\"meta\"} ") }
                #expect(counted.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } == 1, "\(counted ?? "no such series")")

                let health = try await Self.get("http://127.0.0.1:\(serve.port)/health")
                let json = try JSONSerialization.jsonObject(with: Data(health.utf8)) as? [String: Any] ?? [:]
                #expect((Self.find("unroutable", in: json) as? Int) == 1, "\(health)")
                #expect(try await database.count("SELECT count(*) FROM unroutable_messages") == 1)
                #expect(await recorder.requests.isEmpty, "nothing is sent for an unroutable message")
            }
        }
    }

    private static func get(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    /// The value of `key` anywhere in a JSON object.
    private static func find(_ key: String, in object: [String: Any]) -> Any? {
        if let value = object[key] { return value }
        for value in object.values {
            if let nested = value as? [String: Any], let found = find(key, in: nested) { return found }
        }
        return nil
    }
}
