import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SwiftRepliesServer

/// A live server for the reload-under-load tests: the real `buildApplication` over a copy of the
/// shipped configuration (without the Twilio number `ServerHarness` adds), the admin API on, the
/// fake provider recording every send, and the file watcher on or off. With the watcher off, a
/// reload happens only when the test asks `POST /admin/reload`, so the test knows which reload
/// made which revision; with it on, it polls every 50 ms (editors' saves are noticed at once).
///
/// It hands the test an ordinary `ServerHarness`, so every helper of that type works.
enum ReloadHarness {
    static let adminToken = "reload-test-admin-token"

    static func with(
        watchFiles: Bool,
        environment extra: [String: String] = [:],
        respond: (@Sendable (FakeProviderServer.Received) async throws -> Response)? = nil,
        _ body: @Sendable (ServerHarness) async throws -> Void
    ) async throws {
        let counter = ServerHarness.Counter()
        let responder: @Sendable (FakeProviderServer.Received) async throws -> Response = respond ?? { _ in
            let id = await counter.next()
            return FakeProviderServer.json(.ok, #"{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"wamid.sent-\#(id)"}]}"#)
        }
        try await FakeProviderServer.with(respond: responder) { baseURL, recorder in
            let configDirectory = try RepositoryPaths.copyOfConfiguration()
            defer { try? FileManager.default.removeItem(at: configDirectory) }
            var environment: [String: String] = [
                "META_APP_SECRET": ServerHarness.metaSecret, "META_VERIFY_TOKEN": ServerHarness.metaVerifyToken,
                "META_ACCESS_TOKEN": ServerHarness.metaAccessToken, "INFOBIP_API_KEY": ServerHarness.infobipKey,
                "INFOBIP_WEBHOOK_SECRET": ServerHarness.infobipSecret, "TWILIO_ACCOUNT_SID": ServerHarness.twilioSID,
                "TWILIO_AUTH_TOKEN": ServerHarness.twilioToken, "PUBLIC_URL": ServerHarness.publicURL,
                "META_BASE_URL": baseURL, "INFOBIP_BASE_URL": baseURL, "TWILIO_BASE_URL": baseURL,
                "ADMIN_TOKEN": adminToken, "DEBOUNCE_SECONDS": "0", "BUSY_THRESHOLD": "0",
            ]
            environment.merge(extra) { $1 }
            var logger = Logger(label: "swiftreplies.test.reload")
            logger.logLevel = .critical
            // A fresh database on StoreBackend.serverTests (SWIFTREPLIES_TEST_DATABASE), removed afterwards.
            try await TestDatabase.withServerTestDatabase { database in
                let configuration = ServerConfiguration(
                    configDirectory: configDirectory.path, database: database.location, host: "127.0.0.1", port: 0, environment: environment,
                    logger: logger, prometheus: MetricsBootstrap.prometheus(), providerTimeout: .seconds(5), retryBaseDelay: 0.1,
                    outboxPollInterval: .milliseconds(100), watchConfiguration: watchFiles, configWatchInterval: .milliseconds(50)
                )
                let app = try await buildApplication(configuration)
                try await app.test(.live) { client in
                    try await body(ServerHarness(client: client, provider: recorder, database: database, configDirectory: configDirectory))
                }
            }
        }
    }
}

extension ServerHarness {
    /// `POST /admin/reload` with the reload harness's admin token.
    func adminReload() async throws -> (status: HTTPResponse.Status, body: String) {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(ReloadHarness.adminToken)"
        return try await post("/admin/reload", body: [], headers: headers)
    }

    /// The `config` object of `/health` (empty when it cannot be read).
    func configHealth() async -> [String: Any] {
        guard let response = try? await get("/health"),
            let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        else { return [:] }
        return json["config"] as? [String: Any] ?? [:]
    }

    /// Polls `condition` until it holds or `timeout` passes; says whether it held (no throw, so a
    /// failure shows as an expectation rather than as an error thrown through the live server).
    func waitUntil(timeout: Duration, _ condition: @Sendable () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await condition()
    }

    /// Saves `text` at `relativePath` as editors do: a temporary file beside it, renamed over it.
    func saveLikeAnEditor(_ relativePath: String, _ text: String) throws {
        let url = configDirectory.appendingPathComponent(relativePath)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).swp")
        try text.write(to: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary.path, url.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }

    /// Reads a configuration file of the running server's directory.
    func configFile(_ relativePath: String) throws -> String {
        try String(contentsOf: configDirectory.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// Overwrites a configuration file in place (what the admin-triggered steps use; the watcher
    /// is off for them).
    func writeConfigFile(_ relativePath: String, _ text: String) throws {
        try text.write(to: configDirectory.appendingPathComponent(relativePath), atomically: true, encoding: .utf8)
    }

    /// Overwrites a configuration file, then reloads through `POST /admin/reload`.
    func writeConfigFileAndReload(_ relativePath: String, _ text: String) async throws -> (status: HTTPResponse.Status, body: String) {
        try writeConfigFile(relativePath, text)
        return try await adminReload()
    }
}
