import AsyncHTTPClient
import Foundation
import Synchronization
import Testing

/// Two `serve` processes on one PostgreSQL database, behind an imaginary load balancer that
/// sends each request to either: they share the work, every message is answered once, each
/// conversation in order, and a replica killed with SIGKILL loses nothing.
@Suite(.serialized, .enabled(if: StoreBackend.postgresURL != nil, "needs SWIFTREPLIES_TEST_POSTGRES_URL"))
struct ReplicaTests {
    static func environment(providerURL: String) -> [String: String] {
        var environment = SignalTests.environment(providerURL: providerURL)
        environment["SEND_LEASE_SECONDS"] = "3"
        environment["CONVERSATION_LEASE_SECONDS"] = "3"
        environment["MAX_WORKERS"] = "4"
        environment["BUSY_THRESHOLD"] = "0"
        environment["LOG_LEVEL"] = "warning"
        return environment
    }

    /// Sends `perCustomer` messages from each customer, one after the other per customer (each
    /// after the previous one was acknowledged), alternating replicas, customers concurrently.
    static func load(customers: [String], perCustomer: Int, ports: @escaping @Sendable () -> [Int], prefix: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (c, customer) in customers.enumerated() {
                group.addTask {
                    for k in 0..<perCustomer {
                        let live = ports()
                        let port = live[(c + k) % live.count]
                        let body = try RoutedFixture.meta(
                            "inbound_text", id: "wamid.\(prefix)-\(c)-\(k)", text: "how much is the whitening pen? (\(k))", from: customer
                        )
                        var status = try? await ServeProcess.postMeta(port: port, body: body, secret: ServerHarness.metaSecret)
                        if status != 200 {
                            // That replica is gone: the load balancer retries on another.
                            let other = ports().first { $0 != port } ?? port
                            status = try await ServeProcess.postMeta(port: other, body: body, secret: ServerHarness.metaSecret)
                        }
                        #expect(status == 200)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Accepted sends this replica made, from its `/metrics`.
    static func acceptedSends(port: Int) async throws -> Int {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(5))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 22))
        return text.split(separator: "\n")
            .filter { $0.hasPrefix("swiftreplies_sends_total") && $0.contains("outcome=\"accepted\"") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0) { $0 + Int($1) }
    }

    /// Waits until every inbound message is processed and has an accepted reply.
    static func waitUntilAnswered(_ database: TestDatabase, count: Int, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let processed = try await database.integer("SELECT COUNT(*) FROM messages WHERE direction = 'inbound' AND status = 'processed'") ?? 0
            let accepted = try await database.integer(
                "SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply' AND status = 'accepted'"
            ) ?? 0
            if processed == count && accepted == count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Per customer, inbound messages were processed in the order they arrived.
    static func expectInOrder(_ database: TestDatabase) async throws {
        let rows = try await database.rows(
            "SELECT contact_id, id, processed_at FROM messages WHERE direction = 'inbound' ORDER BY contact_id, id"
        )
        var last: [String: String] = [:]
        for row in rows {
            let contact = row[0] ?? "", processed = row[2] ?? ""
            if let previous = last[contact] {
                #expect(previous <= processed, "contact \(contact): message \(row[1] ?? "") was processed before an earlier one")
            }
            last[contact] = processed
        }
    }

    /// Replies the provider received, per customer.
    static func providerSends(_ recorder: FakeProviderServer.Recorder) async -> [String: Int] {
        var perCustomer: [String: Int] = [:]
        for request in await recorder.requests {
            let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
            perCustomer[json?["to"] as? String ?? "?", default: 0] += 1
        }
        return perCustomer
    }

    @Test func twoReplicasShareTheLoadAndAnswerEveryMessageOnceInOrder() async throws {
        guard ServeProcess.executable != nil else {
            Issue.record("swiftreplies executable not built")
            return
        }
        let database = try await TestDatabase.make(.postgres)
        let customers = (0..<24).map { "9617300\(String(format: "%04d", $0))" }
        let perCustomer = 4
        try await FakeProviderServer.with(respond: { _ in
            try await Task.sleep(for: .milliseconds(5))
            return FakeProviderServer.json(.ok, #"{"messages":[{"id":"wamid.\#(UUID().uuidString)"}]}"#)
        }) { baseURL, recorder in
            let directory = try RepositoryPaths.copyOfConfiguration()
            defer { try? FileManager.default.removeItem(at: directory) }
            let environment = Self.environment(providerURL: baseURL)
            let first = try await ServeProcess(configDirectory: directory, database: database.location, environment: environment, port: try ServeProcess.freePort())
            let second = try await ServeProcess(configDirectory: directory, database: database.location, environment: environment, port: try ServeProcess.freePort())
            defer {
                first.signal(SIGKILL)
                second.signal(SIGKILL)
            }
            let ports = [first.port, second.port]
            try await Self.load(customers: customers, perCustomer: perCustomer, ports: { ports }, prefix: "share")
            let total = customers.count * perCustomer
            try await Self.waitUntilAnswered(database, count: total, timeout: .seconds(60))

            #expect(try await database.integer("SELECT COUNT(*) FROM messages WHERE direction = 'inbound'") == total)
            #expect(try await database.integer("SELECT COUNT(*) FROM messages WHERE direction = 'inbound' AND status = 'processed'") == total)
            #expect(try await database.integer("SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply'") == total, "one reply per message")
            try await Self.expectInOrder(database)
            let sends = await Self.providerSends(recorder)
            #expect(sends.values.reduce(0, +) == total, "the provider got every reply exactly once")
            #expect(Set(sends.keys) == Set(customers))
            #expect(sends.values.allSatisfy { $0 == perCustomer })
            let (a, b) = (try await Self.acceptedSends(port: first.port), try await Self.acceptedSends(port: second.port))
            #expect(a > 0 && b > 0, "both replicas answered: \(a) and \(b)")
            #expect(a + b == total)
        }
        await database.remove()
    }

    @Test func aReplicaKilledWithSIGKILLLosesNothing() async throws {
        guard ServeProcess.executable != nil else {
            Issue.record("swiftreplies executable not built")
            return
        }
        let database = try await TestDatabase.make(.postgres)
        let customers = (0..<20).map { "9617400\(String(format: "%04d", $0))" }
        let perCustomer = 3
        try await FakeProviderServer.with(respond: { _ in
            // A slow provider keeps sends in flight when the replica dies.
            try await Task.sleep(for: .milliseconds(100))
            return FakeProviderServer.json(.ok, #"{"messages":[{"id":"wamid.\#(UUID().uuidString)"}]}"#)
        }) { baseURL, recorder in
            let directory = try RepositoryPaths.copyOfConfiguration()
            defer { try? FileManager.default.removeItem(at: directory) }
            let environment = Self.environment(providerURL: baseURL)
            let survivor = try await ServeProcess(configDirectory: directory, database: database.location, environment: environment, port: try ServeProcess.freePort())
            let victim = try await ServeProcess(configDirectory: directory, database: database.location, environment: environment, port: try ServeProcess.freePort())
            defer { survivor.signal(SIGKILL) }
            let alive = AliveReplicas([survivor.port, victim.port])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.load(customers: customers, perCustomer: perCustomer, ports: { alive.ports }, prefix: "kill")
                }
                group.addTask {
                    // Kill the second replica once it has work in flight.
                    let deadline = ContinuousClock.now + .seconds(20)
                    while await recorder.requests.count < 8, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
                    victim.signal(SIGKILL)
                    alive.remove(victim.port)
                    _ = await victim.waitForExit()
                }
                try await group.waitForAll()
            }
            let total = customers.count * perCustomer
            try await Self.waitUntilAnswered(database, count: total, timeout: .seconds(60))

            #expect(try await database.integer("SELECT COUNT(*) FROM messages WHERE direction = 'inbound'") == total, "every acknowledged message is stored")
            #expect(try await database.integer("SELECT COUNT(*) FROM messages WHERE direction = 'inbound' AND status = 'processed'") == total, "every message had its turn")
            #expect(try await database.integer("SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply'") == total, "one reply per message")
            #expect(
                try await database.integer("SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply' AND status = 'accepted'") == total,
                "every reply accepted, including those the dead replica left mid-send"
            )
            try await Self.expectInOrder(database)
            let sends = await Self.providerSends(recorder)
            #expect(Set(sends.keys) == Set(customers), "every customer got replies")
            #expect(sends.values.allSatisfy { $0 >= perCustomer })
            let extra = sends.values.reduce(0, +) - total
            let flagged = try await database.integer(
                "SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply' AND possibly_duplicated"
            ) ?? 0
            #expect(extra <= flagged, "a reply reached the provider twice only when its attempt was interrupted (\(extra) extra sends, \(flagged) flagged)")
            print("replica killed: \(flagged) replies requeued as possibly duplicated, \(extra) sent twice, \(total) answered")
        }
        await database.remove()
    }
}

/// The replicas a load balancer still sends to.
final class AliveReplicas: Sendable {
    private let state: Mutex<[Int]>
    init(_ ports: [Int]) { state = Mutex(ports) }
    var ports: [Int] { state.withLock { $0 } }
    func remove(_ port: Int) { state.withLock { $0.removeAll { $0 == port } } }
}
