import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SwiftRepliesChannels
import SwiftRepliesCore
import SwiftRepliesRuntime
import SwiftRepliesServer
import Testing

/// A live SwiftReplies server (the real `buildApplication`) on a free port, over a copy of the
/// shipped configuration, with every provider's base URL pointed at a local fake provider that
/// records what it receives.
struct ServerHarness: Sendable {
    static let metaSecret = "test-meta-app-secret"
    static let metaVerifyToken = "test-verify-token"
    static let metaAccessToken = "test-meta-access-token"
    static let infobipKey = "test-infobip-key"
    static let infobipSecret = "test-infobip-webhook-secret"
    static let twilioSID = "ACtest"
    static let twilioToken = "test-twilio-token"
    static let publicURL = "https://bot.example.com"
    /// Meta phone number ids of the seed numbers (tenants.yaml defaults).
    static let eclaPhoneNumberID = "961793742410"
    static let astroPhoneNumberID = "96134516520"

    let client: any TestClientProtocol
    let provider: FakeProviderServer.Recorder
    /// The server's database: a fresh one per test on `StoreBackend.serverTests`
    /// (`SWIFTREPLIES_TEST_DATABASE`, SQLite by default).
    let database: TestDatabase
    let configDirectory: URL

    /// What the server got as `--database`: the SQLite file path or the `postgres://` URL.
    var databaseLocation: String { database.location }

    /// Runs `body` against a live server on a fresh database (SQLite, or PostgreSQL when
    /// `SWIFTREPLIES_TEST_DATABASE=postgres`; dropped afterwards). `respond` answers the fake
    /// provider's requests (default: a Meta-style success with a unique message id).
    static func with(
        environment extra: [String: String] = [:],
        maximumBodyBytes: Int = 1 << 20,
        providerTimeout: Duration = .seconds(5),
        registries: ModuleRegistries = .builtIn(),
        dispatchQueueCapacity: Int = 2_000,
        watchConfiguration: Bool = true,
        prepare: (@Sendable (URL) throws -> Void)? = nil,
        respond: (@Sendable (FakeProviderServer.Received) async throws -> Response)? = nil,
        _ body: @Sendable (ServerHarness) async throws -> Void
    ) async throws {
        let counter = Counter()
        let responder: @Sendable (FakeProviderServer.Received) async throws -> Response = respond ?? { request in
            let id = await counter.next()
            if request.path.hasPrefix("/whatsapp/1/") {
                return FakeProviderServer.json(.ok, #"{"to":"x","messageCount":1,"messageId":"ib-sent-\#(id)","status":{"groupId":1,"groupName":"PENDING","id":7,"name":"PENDING_ENROUTE"}}"#)
            }
            if request.path.hasSuffix("/Messages.json") {
                return FakeProviderServer.json(.created, #"{"sid":"SMsent\#(id)","status":"queued"}"#)
            }
            return FakeProviderServer.json(.ok, #"{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"wamid.sent-\#(id)"}]}"#)
        }
        try await FakeProviderServer.with(respond: responder) { baseURL, recorder in
            let configDirectory = try RepositoryPaths.copyOfConfiguration()
            // AstroSouks also answers on Twilio in the tests.
            let tenantsURL = configDirectory.appendingPathComponent("tenants.yaml")
            var tenants = try String(contentsOf: tenantsURL, encoding: .utf8)
            tenants = tenants.replacingOccurrences(
                of: "          - account: infobip_main\n            number: \"9613451652\"",
                with: "          - account: infobip_main\n            number: \"9613451652\"\n          - account: twilio_main\n            number: \"+961 3 451 652\""
            )
            try tenants.write(to: tenantsURL, atomically: true, encoding: .utf8)
            try prepare?(configDirectory)
            var environment: [String: String] = [
                "META_APP_SECRET": metaSecret, "META_VERIFY_TOKEN": metaVerifyToken, "META_ACCESS_TOKEN": metaAccessToken,
                "INFOBIP_API_KEY": infobipKey, "INFOBIP_WEBHOOK_SECRET": infobipSecret,
                "TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": twilioToken, "PUBLIC_URL": publicURL,
                "META_BASE_URL": baseURL, "INFOBIP_BASE_URL": baseURL, "TWILIO_BASE_URL": baseURL,
                "DEBOUNCE_SECONDS": "0",
            ]
            environment.merge(extra) { $1 }
            var logger = Logger(label: "swiftreplies.test")
            logger.logLevel = .warning
            try await TestDatabase.withServerTestDatabase { database in
                let configuration = ServerConfiguration(
                    configDirectory: configDirectory.path, database: database.location, host: "127.0.0.1", port: 0,
                    maximumBodyBytes: maximumBodyBytes, environment: environment, logger: logger, prometheus: MetricsBootstrap.prometheus(),
                    providerTimeout: providerTimeout, retryBaseDelay: 0.1, outboxPollInterval: .milliseconds(100),
                    dispatchQueueCapacity: dispatchQueueCapacity, watchConfiguration: watchConfiguration,
                    configWatchInterval: .milliseconds(100)
                )
                let app = try await buildApplication(configuration, registries: registries)
                try await app.test(.live) { client in
                    try await body(ServerHarness(client: client, provider: recorder, database: database, configDirectory: configDirectory))
                }
            }
            try? FileManager.default.removeItem(at: configDirectory)
        }
    }

    actor Counter {
        private var value = 0
        func next() -> Int {
            value += 1
            return value
        }
    }

    // MARK: Requests

    @discardableResult
    func post(_ path: String, body: [UInt8], headers: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, body: String) {
        try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
            (response.status, String(buffer: response.body))
        }
    }

    func get(_ path: String) async throws -> (status: HTTPResponse.Status, body: String) {
        try await client.execute(uri: path, method: .get) { response in (response.status, String(buffer: response.body)) }
    }

    /// Posts a Meta webhook signed with the test app secret (or `signature` when given).
    @discardableResult
    func postMeta(_ body: [UInt8], signature: String? = nil, sign: Bool = true) async throws -> (status: HTTPResponse.Status, body: String) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if sign, let name = HTTPField.Name("X-Hub-Signature-256") {
            headers[name] = signature ?? MetaSignature.header(body: body, appSecret: Self.metaSecret)
        }
        return try await post("/webhooks/meta", body: body, headers: headers)
    }

    /// Posts an Infobip webhook with the configured shared secret.
    @discardableResult
    func postInfobip(_ body: [UInt8], path: String = "/webhooks/infobip", secret: String? = infobipSecret) async throws -> (status: HTTPResponse.Status, body: String) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let secret, let name = HTTPField.Name("X-Webhook-Secret") { headers[name] = secret }
        return try await post(path, body: body, headers: headers)
    }

    /// Posts a Twilio form body signed for the public URL.
    @discardableResult
    func postTwilio(_ form: String, sign: Bool = true) async throws -> (status: HTTPResponse.Status, body: String) {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if sign, let name = HTTPField.Name("X-Twilio-Signature") {
            let params = FormURLEncoding.decodePairs(form).map { ($0.name, $0.value) }
            headers[name] = TwilioSignature.compute(authToken: Self.twilioToken, url: Self.publicURL + "/webhooks/twilio", params: params)
        }
        return try await post("/webhooks/twilio", body: Array(form.utf8), headers: headers)
    }

    // MARK: Waiting and inspecting

    /// Waits until `condition` holds (polling), failing after `timeout`.
    func eventually(timeout: Duration = .seconds(10), _ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }

    /// The requests the fake provider received so far.
    func sent() async -> [FakeProviderServer.Received] { await provider.requests }

    /// Runs a statement on the server's database on a connection of its own, as an operator
    /// would (outside the server, as the database owner). `?` placeholders on both backends;
    /// booleans read as 1/0 and timestamps as seconds since 1970 on both.
    func query(_ sql: String, _ binds: [DatabaseBind] = []) async throws -> [DatabaseRow] {
        try await database.query(sql, binds)
    }

    /// The first column of the first row as an integer (0 when there is no row).
    func count(_ sql: String, _ binds: [DatabaseBind] = []) async throws -> Int {
        try await database.count(sql, binds)
    }

    /// Opens the stores of the server's database a second time, as the command line does (`keys
    /// create`, `keys revoke`), hands them to `body`, and closes them.
    func withOperatorStore<T>(_ body: (StoreSet) async throws -> T) async throws -> T {
        let store = try await database.open()
        do {
            let result = try await body(store)
            try await store.lifecycle.shutdown()
            return result
        } catch {
            try? await store.lifecycle.shutdown()
            throw error
        }
    }
}

/// A harness helper could not do what a test asked.
struct ServerHarnessError: Error, CustomStringConvertible {
    var description: String
}

/// Fixtures rewritten for routing: destination numbers of the seed tenants, unique ids.
enum RoutedFixture {
    static func data(_ path: String) throws -> Data {
        try Data(contentsOf: RepositoryPaths.fixtures.appendingPathComponent(path))
    }

    /// A Meta fixture sent to a seed number (`ecla` or `astro`) with its message/status ids
    /// replaced by `id` and, for text, its body replaced by `text`.
    static func meta(_ name: String, to tenant: String = "ecla", id: String? = nil, text: String? = nil, from: String? = nil) throws -> [UInt8] {
        var json = try JSONSerialization.jsonObject(with: data("meta/\(name).json")) as? [String: Any] ?? [:]
        let number = tenant == "ecla" ? "96179374241" : "9613451652"
        let phoneNumberID = tenant == "ecla" ? ServerHarness.eclaPhoneNumberID : ServerHarness.astroPhoneNumberID
        var entries = json["entry"] as? [[String: Any]] ?? []
        for e in entries.indices {
            var changes = entries[e]["changes"] as? [[String: Any]] ?? []
            for c in changes.indices {
                var value = changes[c]["value"] as? [String: Any] ?? [:]
                var metadata = value["metadata"] as? [String: Any] ?? [:]
                metadata["display_phone_number"] = number
                metadata["phone_number_id"] = phoneNumberID
                value["metadata"] = metadata
                if var messages = value["messages"] as? [[String: Any]] {
                    for m in messages.indices {
                        if let id { messages[m]["id"] = id }
                        if let from { messages[m]["from"] = from }
                        if let text, var body = messages[m]["text"] as? [String: Any] {
                            body["body"] = text
                            messages[m]["text"] = body
                        }
                    }
                    value["messages"] = messages
                    if let from, var contacts = value["contacts"] as? [[String: Any]], !contacts.isEmpty {
                        contacts[0]["wa_id"] = from
                        value["contacts"] = contacts
                    }
                }
                if var statuses = value["statuses"] as? [[String: Any]] {
                    for s in statuses.indices { if let id { statuses[s]["id"] = id } }
                    value["statuses"] = statuses
                }
                changes[c]["value"] = value
            }
            entries[e]["changes"] = changes
        }
        json["entry"] = entries
        return Array(try JSONSerialization.data(withJSONObject: json))
    }

    static func infobip(_ name: String, to number: String = "96179374241", id: String? = nil, text: String? = nil) throws -> [UInt8] {
        var json = try JSONSerialization.jsonObject(with: data("infobip/\(name).json")) as? [String: Any] ?? [:]
        var results = json["results"] as? [[String: Any]] ?? []
        for r in results.indices {
            results[r]["to"] = number
            if let id { results[r]["messageId"] = id }
            if let text, var message = results[r]["message"] as? [String: Any] {
                message["text"] = text
                results[r]["message"] = message
            }
        }
        json["results"] = results
        return Array(try JSONSerialization.data(withJSONObject: json))
    }

    static func twilio(_ name: String, to number: String = "whatsapp:+9613451652", sid: String? = nil, body: String? = nil) throws -> String {
        let form = String(decoding: try data("twilio/\(name).txt"), as: UTF8.self)
        let pairs = FormURLEncoding.decodePairs(form).map { pair -> (String, String) in
            switch pair.name {
            case "To": return (pair.name, number)
            case "MessageSid", "SmsMessageSid", "SmsSid": return (pair.name, sid ?? pair.value)
            case "Body": return (pair.name, body ?? pair.value)
            default: return (pair.name, pair.value)
            }
        }
        return FormURLEncoding.encode(pairs)
    }
}
