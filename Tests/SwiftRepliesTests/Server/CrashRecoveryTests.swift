import AsyncHTTPClient
import Foundation
import Hummingbird
import Testing

/// `kill -9` under load, then a restart on the same database: every acknowledged message is
/// answered, and a reply is sent twice only when its attempt was interrupted (and it is then
/// recorded as possibly duplicated). Runs on `StoreBackend.serverTests` (SQLite by default,
/// PostgreSQL with `SWIFTREPLIES_TEST_DATABASE=postgres`).
@Suite(.serialized) struct CrashRecoveryTests {
    @Test func aServerKilledUnderLoadAnswersEverythingAfterRestart() async throws {
        guard ServeProcess.executable != nil else {
            Issue.record("swiftreplies executable not built")
            return
        }
        let customers = (0..<40).map { "9617200\(String(format: "%04d", $0))" }
        try await TestDatabase.withServerTestDatabase { database in
            try await FakeProviderServer.with(respond: { request in
                // A slow provider keeps sends in flight when the process dies.
                try await Task.sleep(for: .milliseconds(150))
                let to = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["to"] as? String ?? "x"
                return FakeProviderServer.json(.ok, #"{"messages":[{"id":"wamid.to-\#(to)-\#(UUID().uuidString)"}]}"#)
            }) { baseURL, recorder in
                let directory = try RepositoryPaths.copyOfConfiguration()
                defer { if ProcessInfo.processInfo.environment["KEEP_TEST_FILES"] == nil { try? FileManager.default.removeItem(at: directory) } else { print("kept \(directory.path)") } }
                var environment = SignalTests.environment(providerURL: baseURL)
                environment["DEBOUNCE_SECONDS"] = "0.5"
                environment["MAX_WORKERS"] = "2"
                if database.backend == .postgres {
                    // The killed process's conversation and send leases must expire before the
                    // restarted one takes its work over (SQLite has one process, no leases).
                    environment["SEND_LEASE_SECONDS"] = "3"
                    environment["CONVERSATION_LEASE_SECONDS"] = "3"
                }
                let first = try await ServeProcess(configDirectory: directory, database: database.location, environment: environment, port: try ServeProcess.freePort())
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, customer) in customers.enumerated() {
                        group.addTask {
                            let body = try RoutedFixture.meta("inbound_text", id: "wamid.crash-\(index)", text: "how much is the whitening pen?", from: customer)
                            #expect(try await ServeProcess.postMeta(port: first.port, body: body, secret: ServerHarness.metaSecret) == 200)
                        }
                    }
                    try await group.waitForAll()
                }
                // Let some turns finish and some sends start, then kill without warning.
                let deadline = ContinuousClock.now + .seconds(10)
                while await recorder.requests.count < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                first.signal(SIGKILL)
                _ = await first.waitForExit()
                let sentBeforeCrash = await recorder.requests.count

                let second = try await ServeProcess(configDirectory: directory, database: database.location, environment: environment, port: try ServeProcess.freePort())
                defer {
                    second.signal(SIGTERM)
                }
                func count(_ sql: String) async throws -> Int { try await database.query(sql).first?[0].integer ?? -1 }
                let until = ContinuousClock.now + .seconds(40)
                while ContinuousClock.now < until {
                    let processed = try await count("SELECT count(*) FROM messages WHERE direction = 'inbound' AND status = 'processed'")
                    let accepted = try await count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply' AND status = 'accepted'")
                    if processed == customers.count, accepted == customers.count { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(try await count("SELECT count(*) FROM messages WHERE direction = 'inbound'") == customers.count, "every acknowledged message is stored")
                #expect(try await count("SELECT count(*) FROM messages WHERE direction = 'inbound' AND status = 'processed'") == customers.count, "every message had its turn")
                #expect(try await count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply'") == customers.count, "one reply per message")
                #expect(try await count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply' AND status = 'accepted'") == customers.count, "every reply accepted")
                // While every worker was busy, waiting customers were told to hold on; never after their answer.
                #expect(try await count("SELECT count(*) FROM messages h JOIN messages r ON r.contact_id = h.contact_id AND r.purpose = 'reply' WHERE h.purpose = 'holding' AND h.id > r.id") == 0)

                var perCustomer: [String: Int] = [:]
                for request in await recorder.requests where !request.bodyText.contains("one moment") {
                    let to = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["to"] as? String ?? "?"
                    perCustomer[to, default: 0] += 1
                }
                #expect(Set(perCustomer.keys) == Set(customers), "every customer got a reply")
                let duplicated = Set(perCustomer.filter { $0.value > 1 }.map(\.key))
                let flagged = Set(
                    try await database.query(
                        "SELECT c.phone_number FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE m.direction = 'outbound' AND m.purpose = 'reply' AND m.possibly_duplicated = TRUE"
                    ).compactMap { $0.column("phone_number")?.string }
                )
                #expect(duplicated.isSubset(of: flagged), "a reply reached the provider twice only when its first attempt was interrupted: \(duplicated) vs \(flagged)")
                #expect(perCustomer.values.allSatisfy { $0 <= 2 })
                print("crash recovery: \(sentBeforeCrash) sends before SIGKILL, \(duplicated.count) possibly duplicated and resent, \(customers.count) answered")
            }
        }
    }
}
