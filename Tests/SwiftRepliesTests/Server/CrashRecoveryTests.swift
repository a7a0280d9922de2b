import AsyncHTTPClient
import Foundation
import Hummingbird
import Testing

/// `kill -9` under load, then a restart on the same database: every acknowledged message is
/// answered; a reply is sent twice only when its attempt was interrupted (and it is then recorded
/// as possibly duplicated); a conversation's messages reach the provider in the order they were
/// created (outbox id order), across the crash; no holding message reaches a customer after the
/// reply it announced, and a customer gets at most one per wait. Runs on
/// `StoreBackend.serverTests` (SQLite by default, PostgreSQL with `SWIFTREPLIES_TEST_DATABASE=postgres`).
@Suite(.serialized) struct CrashRecoveryTests {
    @Test func aServerKilledUnderLoadAnswersEverythingInOrderAfterRestart() async throws {
        guard ServeProcess.executable != nil else {
            Issue.record("swiftreplies executable not built")
            return
        }
        let customers = (0..<40).map { "9617200\(String(format: "%04d", $0))" }
        try await TestDatabase.withServerTestDatabase { database in
            let ledger = ProviderLedger()
            try await FakeProviderServer.with(respond: { request in
                // The id this response gives the message, recorded as the request arrives.
                let id = await ledger.arrived(to: Self.recipient(request), holding: request.bodyText.contains("one moment"))
                // A slow provider keeps sends in flight when the process dies.
                try await Task.sleep(for: .milliseconds(150))
                return FakeProviderServer.json(.ok, #"{"messages":[{"id":"\#(id)"}]}"#)
            }) { baseURL, _ in
                let directory = try RepositoryPaths.copyOfConfiguration()
                defer { if ProcessInfo.processInfo.environment["KEEP_TEST_FILES"] == nil { try? FileManager.default.removeItem(at: directory) } else { print("kept \(directory.path)") } }
                var environment = SignalTests.environment(providerURL: baseURL)
                environment["DEBOUNCE_SECONDS"] = "0.5"
                environment["MAX_WORKERS"] = "2"
                if database.backend == .postgres {
                    // The killed process's conversation leases must expire before the restarted
                    // one takes its turns over (SQLite has one process, no leases). Its sends are
                    // taken over as soon as its heartbeat is silent: no send lease to wait for.
                    environment["CONVERSATION_LEASE_SECONDS"] = "3"
                }
                let first = try await ServeProcess(configDirectory: directory, database: database.location, environment: environment, port: try ServeProcess.freePort())
                // Two messages per customer, more than the debounce window apart, the second once
                // the first has had its turn: two turns, two replies per conversation.
                try await Self.post(customers, message: 1, port: first.port)
                try await Task.sleep(for: .milliseconds(800))
                #expect(try await Self.waitUntil(seconds: 10) { try await database.count(Self.processedSQL) >= customers.count }, "first turns done")
                let beforeSecond = await ledger.count
                try await Self.post(customers, message: 2, port: first.port)
                // Let the second turns start and their sends begin, then kill without warning.
                try await Self.waitUntil(seconds: 10) { await ledger.count >= beforeSecond + 3 }
                first.signal(SIGKILL)
                _ = await first.waitForExit()
                let sentBeforeCrash = await ledger.count
                let atCrash = try await database.query("SELECT status, count(*) AS n FROM messages WHERE direction = 'outbound' GROUP BY status ORDER BY status")

                let restartedAt = ContinuousClock.now
                let second = try await ServeProcess(configDirectory: directory, database: database.location, environment: environment, port: try ServeProcess.freePort())
                defer { second.signal(SIGTERM) }
                // Recovery is prompt: every message answered and every reply accepted, nothing
                // left to send (a dead process's sends are not held back by a lease).
                let recovered = try await Self.waitUntil(seconds: 40) {
                    let processed = try await database.count(Self.processedSQL)
                    let accepted = try await database.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply' AND status = 'accepted'")
                    let unsent = try await database.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status IN ('queued', 'sending')")
                    return processed == 2 * customers.count && accepted == 2 * customers.count && unsent == 0
                }
                let recovery = ContinuousClock.now - restartedAt
                #expect(recovered, "everything answered, accepted and nothing left to send within 40 s of the restart")
                let rows = try await Self.rows(database)
                let arrivals = await ledger.arrivals
                try await Self.expectEverythingAnswered(customers, rows: rows, arrivals: arrivals, database: database)
                Self.expectOrder(rows: rows, arrivals: arrivals)
                let holding = rows.filter { $0.purpose == "holding" }
                print(
                    "crash recovery (\(database.backend)): \(sentBeforeCrash) provider requests before SIGKILL (\(beforeSecond) before the second messages) (outbound at the kill: \(atCrash.map { "\($0[0].string ?? "?")=\($0[1])" }.joined(separator: ", "))); "
                        + "recovered in \(recovery); \(arrivals.count) requests in all; holding rows: \(holding.filter { $0.status == "accepted" }.count) accepted, "
                        + "\(holding.filter { $0.status == "dropped" }.count) dropped; \(rows.filter { $0.possiblyDuplicated }.count) rows possibly duplicated"
                )
            }
        }
    }

    static let processedSQL = "SELECT count(*) FROM messages WHERE direction = 'inbound' AND status = 'processed'"

    private static func recipient(_ request: FakeProviderServer.Received) -> String {
        (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["to"] as? String ?? "?"
    }

    /// Posts message `message` of every customer at once; each must be acknowledged.
    private static func post(_ customers: [String], message: Int, port: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, customer) in customers.enumerated() {
                group.addTask {
                    let text = message == 1 ? "how much is the whitening pen?" : "and how much is the whitening pen for two?"
                    let body = try RoutedFixture.meta("inbound_text", id: "wamid.crash-\(index)-\(message)", text: text, from: customer)
                    #expect(try await ServeProcess.postMeta(port: port, body: body, secret: ServerHarness.metaSecret) == 200)
                }
            }
            try await group.waitForAll()
        }
    }

    /// Waits until `condition` holds (true) or `seconds` have passed (false).
    @discardableResult
    private static func waitUntil(seconds: Int, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    /// Every message row, in id order.
    private static func rows(_ database: TestDatabase) async throws -> [MessageRow] {
        try await database.query(
            """
            SELECT m.id, c.phone_number, m.direction, m.purpose, m.status, m.provider_message_id, m.sent_at, m.possibly_duplicated
            FROM messages m JOIN contacts c ON c.id = m.contact_id ORDER BY m.id
            """
        ).map { row in
            MessageRow(
                id: row[0].integer ?? -1, customer: row[1].string ?? "?", inbound: row[2].string == "inbound", purpose: row[3].string ?? "",
                status: row[4].string ?? "", providerID: row[5].string, sentAt: row[6].double, possiblyDuplicated: row[7].integer == 1)
        }
    }

    /// Every acknowledged message stored and answered (two turns, two replies per customer);
    /// a reply reaches the provider twice only when its first attempt was interrupted.
    private static func expectEverythingAnswered(_ customers: [String], rows: [MessageRow], arrivals: [ProviderLedger.Arrival], database: TestDatabase) async throws {
        let inbound = rows.filter(\.inbound), outbound = rows.filter { !$0.inbound }
        let replies = outbound.filter { $0.purpose == "reply" }
        #expect(inbound.count == 2 * customers.count, "every acknowledged message is stored")
        #expect(inbound.allSatisfy { $0.status == "processed" }, "every message had its turn: \(inbound.filter { $0.status != "processed" })")
        #expect(replies.count == 2 * customers.count, "one reply per turn, two turns per customer")
        #expect(replies.allSatisfy { $0.status == "accepted" }, "every reply accepted: \(replies.filter { $0.status != "accepted" })")
        #expect(outbound.allSatisfy { ["accepted", "dropped"].contains($0.status) }, "nothing left unsent: \(outbound.filter { !["accepted", "dropped"].contains($0.status) })")
        #expect(outbound.filter { $0.status == "dropped" }.allSatisfy { $0.sentAt == nil }, "a dropped message was never sent")
        let returned = Set(arrivals.map(\.returnedID))
        let unknown = outbound.filter { $0.status == "accepted" && !returned.contains($0.providerID ?? "") }
        #expect(unknown.isEmpty, "an accepted message's provider id is one the provider returned: \(unknown)")
        for customer in customers {
            let rowsOf = replies.filter { $0.customer == customer }
            let requests = arrivals.filter { $0.to == customer && !$0.holding }.count
            let flagged = rowsOf.filter(\.possiblyDuplicated).count
            #expect(rowsOf.count == 2 && requests >= rowsOf.count, "\(customer): \(rowsOf.count) replies, \(requests) reply requests")
            // Each extra request is the resend of an interrupted attempt: at most 2 per reply.
            #expect(requests - rowsOf.count <= flagged, "\(customer): \(requests) reply requests for \(rowsOf.count) replies, \(flagged) possibly duplicated")
        }
    }

    /// A conversation's messages reach the provider in the order they were created, and no
    /// holding message arrives after the reply that answers its wait.
    private static func expectOrder(rows: [MessageRow], arrivals: [ProviderLedger.Arrival]) {
        let outbound = rows.filter { !$0.inbound }
        var byProviderID: [String: MessageRow] = [:]
        for row in outbound where row.status == "accepted" { if let id = row.providerID { byProviderID[id] = row } }
        // A request whose response was not stored (interrupted by the kill) belongs to the
        // customer's one message that was being sent then: the possibly duplicated one.
        func interruptedRow(_ arrival: ProviderLedger.Arrival) -> MessageRow? {
            let candidates = outbound.filter { $0.customer == arrival.to && $0.possiblyDuplicated && ($0.purpose == "holding") == arrival.holding }
            return candidates.count == 1 ? candidates[0] : nil
        }
        var orderViolations: [String] = [], holdingViolations: [String] = []
        for customer in Set(arrivals.map(\.to)) {
            let mine = arrivals.filter { $0.to == customer }
            let trace = mine.map { a in "#\(a.sequence)\(a.holding ? "H" : "R")→\(byProviderID[a.returnedID].map { String($0.id) } ?? "?")" }.joined(separator: " ")
            let rowsOf = outbound.filter { $0.customer == customer }.map { "\($0.id):\($0.purpose)/\($0.status)\($0.possiblyDuplicated ? "/dup" : "")" }.joined(separator: " ")
            var highest: Int?, highestReply: Int?
            for arrival in mine {
                let stored = byProviderID[arrival.returnedID]
                if let row = stored {
                    if let highest, row.id <= highest { orderViolations.append("\(customer): request #\(arrival.sequence) sent row \(row.id) after row \(highest); requests \(trace); rows \(rowsOf)") }
                    highest = max(highest ?? row.id, row.id)
                }
                if arrival.holding {
                    // Its row, or at the most lenient the customer's newest holding row.
                    let holdingID = (stored ?? interruptedRow(arrival))?.id ?? outbound.filter { $0.customer == customer && $0.purpose == "holding" }.map(\.id).max() ?? Int.max
                    if let reply = highestReply, reply > holdingID {
                        holdingViolations.append("\(customer): holding request #\(arrival.sequence) (row \(holdingID)) after reply row \(reply); requests \(trace); rows \(rowsOf)")
                    }
                } else if let row = stored ?? interruptedRow(arrival) {
                    highestReply = max(highestReply ?? row.id, row.id)
                }
            }
        }
        let outOfOrder = orderViolations.count, holdingAfterAnswer = holdingViolations.count
        #expect(outOfOrder == 0, "\(orderViolations.count) requests out of outbox order:\n\(orderViolations.joined(separator: "\n"))")
        #expect(holdingAfterAnswer == 0, "\(holdingViolations.count) holding messages after their answer:\n\(holdingViolations.joined(separator: "\n"))")
        expectHoldingRows(rows)
    }

    /// Per customer, in id order: at most one holding message per wait (between two replies),
    /// none accepted once its wait was answered, none sent after a reply created after it.
    private static func expectHoldingRows(_ rows: [MessageRow]) {
        var violations: [String] = []
        for customer in Set(rows.map(\.customer)) {
            let mine = rows.filter { $0.customer == customer }
            let summary = mine.map { "\($0.id):\($0.inbound ? "in" : $0.purpose)/\($0.status)" }.joined(separator: " ")
            var holdingsThisWait = 0
            var answered = false
            for row in mine {
                if row.inbound {
                    answered = false
                } else if row.purpose == "reply" {
                    answered = true
                    holdingsThisWait = 0
                } else if row.purpose == "holding" {
                    holdingsThisWait += 1
                    if holdingsThisWait > 1 { violations.append("\(customer): holding row \(row.id) is a second one for the same wait; \(summary)") }
                    if answered && row.status == "accepted" { violations.append("\(customer): holding row \(row.id) accepted though created after its wait was answered; \(summary)") }
                    if row.status == "accepted", let sent = row.sentAt,
                        let reply = mine.first(where: { $0.purpose == "reply" && $0.id > row.id && ($0.sentAt ?? .infinity) < sent })
                    {
                        violations.append("\(customer): holding row \(row.id) sent after reply row \(reply.id), created after it; \(summary)")
                    }
                }
            }
        }
        let wrong = violations.count
        #expect(wrong == 0, "\(violations.count) holding rows wrong:\n\(violations.joined(separator: "\n"))")
    }
}

/// One row of `messages`, as the checks need it.
private struct MessageRow: Sendable, CustomStringConvertible {
    var id: Int
    var customer: String
    var inbound: Bool
    var purpose: String
    var status: String
    var providerID: String?
    var sentAt: Double?
    var possiblyDuplicated: Bool
    var description: String { "\(id):\(customer):\(inbound ? "inbound" : purpose)/\(status)" }
}

/// What the fake provider received, in arrival order, with the message id it returned for each.
private actor ProviderLedger {
    struct Arrival: Sendable {
        var sequence: Int
        var to: String
        var returnedID: String
        var holding: Bool
    }

    private(set) var arrivals: [Arrival] = []
    var count: Int { arrivals.count }

    /// Records a request as it arrives; returns the message id its response gives.
    func arrived(to: String, holding: Bool) -> String {
        let id = "wamid.to-\(to)-\(arrivals.count)-\(UUID().uuidString.prefix(8))"
        arrivals.append(Arrival(sequence: arrivals.count, to: to, returnedID: id, holding: holding))
        return id
    }
}
