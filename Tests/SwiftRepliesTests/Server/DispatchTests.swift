import Foundation
import SwiftRepliesAgents
import SwiftRepliesCore
import SwiftRepliesRuntime
import Testing

/// The sales agent, slowed down: keeps workers busy long enough to observe dispatch.
struct SlowSalesAgent: AgentModule {
    let inner: SalesAgent
    let delay: Duration

    func respond(to turn: Turn) async throws -> AgentResponse {
        try await Task.sleep(for: delay)
        return try await inner.respond(to: turn)
    }
}

/// Ordering, debounce, worker limit and the busy holding message, over real HTTP.
@Suite(.serialized) struct DispatchTests {
    static func slowRegistries(_ delay: Duration) -> ModuleRegistries {
        var registries = ModuleRegistries.builtIn()
        registries.agents.register("slow_sales") { context in SlowSalesAgent(inner: SalesAgent(definition: context.definition), delay: delay) }
        return registries
    }

    /// Makes ECLA's agent run on the slow module.
    static func useSlowModule(_ directory: URL) throws {
        let url = directory.appendingPathComponent("agents/ecla_sales_agent.yaml")
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "module: sales", with: "module: slow_sales")
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    static let products = [
        ("whitening kit", "Whitening Kit"), ("whitening strips", "Whitening Strips"), ("purple serum", "Purple Corrector Serum"),
        ("whitening pen", "Whitening Pen"), ("toothpaste", "Toothpaste"), ("refill gel", "Refill Gel"), ("mouthwash", "Mouthwash"),
        ("desensitizing gel", "Desensitizing Gel"),
    ]

    @Test func messagesOfOneConversationAreAnsweredOneTurnAtATimeInOrder() async throws {
        try await ServerHarness.with(environment: ["MAX_WORKERS": "5"], registries: Self.slowRegistries(.milliseconds(30)), prepare: Self.useSlowModule) { server in
            // Eight messages from one customer, posted concurrently.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, product) in Self.products.enumerated() {
                    group.addTask {
                        let body = try RoutedFixture.meta("inbound_text", id: "wamid.order-\(index)", text: "how much is the \(product.0)?")
                        #expect(try await server.postMeta(body).status == .ok)
                    }
                }
                try await group.waitForAll()
            }
            try await server.eventually("eight replies") { await server.sent().count == 8 }
            // Inbound order as stored; replies must follow it, at the store and at the provider.
            let inbound = try await server.query("SELECT text FROM messages WHERE direction = 'inbound' ORDER BY id").compactMap { $0.column("text")?.string }
            let expected = inbound.compactMap { text in Self.products.first { text.contains($0.0) }?.1 }
            let outbound = try await server.query("SELECT text FROM messages WHERE direction = 'outbound' ORDER BY id").compactMap { $0.column("text")?.string }
            #expect(outbound.count == 8)
            #expect(outbound.compactMap { reply in Self.products.first { reply.contains($0.1) }?.1 } == expected)
            let atProvider = await server.sent().map(\.bodyText)
            #expect(atProvider.compactMap { reply in Self.products.first { reply.contains($0.1) }?.1 } == expected)
        }
    }

    @Test func messagesWithinTheDebounceWindowBecomeOneTurn() async throws {
        try await ServerHarness.with(environment: ["DEBOUNCE_SECONDS": "1"]) { server in
            for (index, text) in ["hi", "I'm interested", "how much is the whitening pen?"].enumerated() {
                #expect(try await server.postMeta(try RoutedFixture.meta("inbound_text", id: "wamid.debounce-\(index)", text: text)).status == .ok)
            }
            try await server.eventually("one reply") { await server.sent().count == 1 }
            try await Task.sleep(for: .milliseconds(1500))
            #expect(await server.sent().count == 1)
            #expect(await server.sent().first?.bodyText.contains("Whitening Pen") == true)
            // All three belong to the one turn.
            #expect(try await server.count("SELECT count(DISTINCT processed_at) FROM messages WHERE direction = 'inbound' AND status = 'processed'") == 1)
            #expect(try await server.count("SELECT count(*) FROM messages WHERE direction = 'inbound' AND status = 'processed'") == 3)
        }
    }

    @Test func withDebounceZeroEveryMessageIsItsOwnTurn() async throws {
        try await ServerHarness.with(environment: ["DEBOUNCE_SECONDS": "0"]) { server in
            for (index, text) in ["hi", "how much is the whitening pen?", "how much is the whitening kit?"].enumerated() {
                #expect(try await server.postMeta(try RoutedFixture.meta("inbound_text", id: "wamid.nodebounce-\(index)", text: text)).status == .ok)
            }
            try await server.eventually("three replies") { await server.sent().count == 3 }
            #expect(try await server.count("SELECT count(DISTINCT processed_at) FROM messages WHERE direction = 'inbound'") == 3)
        }
    }

    /// Each customer asks for the whitening pen's price, all at the same time.
    static func askAtOnce(_ server: ServerHarness, customers: [String], idPrefix: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, customer) in customers.enumerated() {
                group.addTask {
                    let body = try RoutedFixture.meta("inbound_text", id: "\(idPrefix)-\(index)", text: "how much is the whitening pen?", from: customer)
                    #expect(try await server.postMeta(body).status == .ok)
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func customersWhoWaitWhileEveryWorkerIsBusyGetOneHoldingMessage() async throws {
        let environment = ["MAX_WORKERS": "1", "BUSY_THRESHOLD": "2", "DEBOUNCE_SECONDS": "0"]
        try await ServerHarness.with(environment: environment, registries: Self.slowRegistries(.milliseconds(400)), prepare: Self.useSlowModule) { server in
            try await Self.askAtOnce(server, customers: (0..<4).map { "9617155000\($0)" }, idPrefix: "wamid.busy")
            try await server.eventually(timeout: .seconds(15), "every customer answered") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply' AND status = 'accepted'") == 4
            }
            let holding = try await server.query("SELECT contact_id FROM messages WHERE direction = 'outbound' AND purpose = 'holding'")
            // The first customer's turn runs at once; the three others waited behind it.
            #expect(holding.count == 3)
            #expect(Set(holding.compactMap { $0.column("contact_id")?.integer }).count == 3, "one holding message per customer per busy period")
            let sent = await server.sent().map(\.bodyText)
            #expect(sent.filter { $0.contains("one moment") }.count == 3)
            #expect(sent.filter { $0.contains("Whitening Pen") }.count == 4, "nothing dropped")
        }
    }

    /// Customers whose messages wait in the store (the in-memory queue is full) are told to hold
    /// on as soon as the others, not only once their messages are loaded: with one worker and room
    /// for two messages in memory, all seven waiting customers get their holding message before
    /// the second reply goes out.
    @Test func customersWaitingInTheStoreGetTheHoldingMessageAtOnce() async throws {
        let environment = ["MAX_WORKERS": "1", "BUSY_THRESHOLD": "2", "DEBOUNCE_SECONDS": "0"]
        try await ServerHarness.with(
            environment: environment, registries: Self.slowRegistries(.milliseconds(500)), dispatchQueueCapacity: 2, prepare: Self.useSlowModule
        ) { server in
            try await Self.askAtOnce(server, customers: (0..<8).map { "9617177000\($0)" }, idPrefix: "wamid.overflow-busy")
            try await server.eventually(timeout: .seconds(20), "every customer answered") {
                try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply' AND status = 'accepted'") == 8
            }
            let holding = try await server.query("SELECT contact_id FROM messages WHERE direction = 'outbound' AND purpose = 'holding'")
            #expect(holding.count == 7, "every customer but the first waited")
            #expect(Set(holding.compactMap { $0.column("contact_id")?.integer }).count == 7, "one holding message per customer per busy period")
            let sent = await server.sent().map(\.bodyText)
            let replies = sent.indices.filter { sent[$0].contains("Whitening Pen") }
            let holds = sent.indices.filter { sent[$0].contains("one moment") }
            #expect(replies.count == 8, "nothing dropped")
            #expect(holds.count == 7)
            if replies.count >= 2, let lastHold = holds.max() {
                #expect(lastHold < replies[1], "every holding message before the second reply (sends in order: \(sent.map { $0.contains("one moment") ? "hold" : "reply" }))")
            }
            // Each holding message comes before its customer's reply.
            let order = try await server.query(
                "SELECT contact_id, purpose FROM messages WHERE direction = 'outbound' ORDER BY id"
            ).map { ($0.column("contact_id")?.integer ?? -1, $0.column("purpose")?.string ?? "") }
            for contact in Set(order.map(\.0)) {
                let purposes = order.filter { $0.0 == contact }.map(\.1)
                #expect(purposes == ["reply"] || purposes == ["holding", "reply"], "contact \(contact): \(purposes)")
            }
        }
    }

    /// Replies fall behind: at most `capacity` messages wait in memory, the rest wait in the
    /// store and are loaded in order as the backlog drains; nothing is lost or reordered.
    @Test func memoryStaysBoundedWhenRepliesFallBehind() async throws {
        let environment = ["MAX_WORKERS": "1", "DEBOUNCE_SECONDS": "0", "BUSY_THRESHOLD": "0"]
        try await ServerHarness.with(
            environment: environment, registries: Self.slowRegistries(.milliseconds(40)), dispatchQueueCapacity: 4, prepare: Self.useSlowModule
        ) { server in
            let customers = (0..<4).map { "9617166000\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (c, customer) in customers.enumerated() {
                    group.addTask {
                        // Each customer's five messages in order.
                        for (p, product) in Self.products.prefix(5).enumerated() {
                            let body = try RoutedFixture.meta("inbound_text", id: "wamid.bp-\(c)-\(p)", text: "how much is the \(product.0)?", from: customer)
                            #expect(try await server.postMeta(body).status == .ok)
                        }
                    }
                }
                try await group.waitForAll()
            }
            var peak = 0
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let health = try await server.get("/health")
                let json = try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any]
                let queue = json?["queue"] as? [String: Any]
                peak = max(peak, queue?["in_memory"] as? Int ?? 0)
                if try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'accepted'") == 20 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'accepted'") == 20)
            #expect(peak <= 4, "at most the capacity waits in memory (peak \(peak))")
            // Each customer's replies follow their messages' order.
            for customer in customers {
                let replies = try await server.query(
                    "SELECT m.text FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE m.direction = 'outbound' AND c.phone_number = ? ORDER BY m.id",
                    [.text(customer)]
                ).compactMap { $0.column("text")?.string }
                let order = replies.compactMap { reply in Self.products.first { reply.contains($0.1) }?.1 }
                #expect(order == Self.products.prefix(5).map(\.1), "\(customer): \(order)")
            }
        }
    }
}
