import Foundation
import Hummingbird
import Testing

/// Hot reload under load (issue 8, point 2): tenants and agents are added, changed and removed,
/// and broken files saved, while several senders post signed Meta webhooks for many contacts.
/// No message is lost or answered twice, every message is answered by the configuration in force
/// when its turn started (the `config_revision` of its turn and the text of its reply agree), and
/// a save with a syntax error leaves `/health` reporting it while the old configuration answers.
@Suite(.serialized) struct ReloadUnderLoadTests {
    static let eclaAgent = "agents/ecla_sales_agent.yaml"
    /// The Whitening Pen's description, as shipped and in the versions the tests save.
    static let penV1 = "Pocket pen with whitening gel for quick touch-ups after coffee, tea or argileh."
    static let penV2 = "Refillable travel pen with a spare brush tip, for touch-ups anywhere."
    static let penV3 = "Slim pen with enamel-safe gel, now sold with a matching case."
    static let powerBank = "AstroSouks Power Bank 20000mAh"

    static let cedarTenant = """

          - id: cedar-mobile
            name: Cedar Mobile
            chatbots:
              - id: cedar-bot
                name: Cedar bot
                agent: astrosouks_sales_agent
                channels:
                  - account: meta_main
                    number: "+961 1 234 567"
                    phone_number_id: "9611234567"

        """

    /// `tenants` without the AstroSouks tenant (the block from its `- id:` to the next tenant's).
    static func removingAstroSouks(from tenants: String) -> String? {
        guard let start = tenants.range(of: "  - id: astrosouks\n"), let next = tenants.range(of: "  - id: cedar-mobile\n", range: start.upperBound..<tenants.endIndex)
        else { return nil }
        return tenants.replacingCharacters(in: start.lowerBound..<next.lowerBound, with: "")
    }

    /// `text` with `line` made a YAML syntax error (a plain scalar with `: ` in it), and the
    /// 1-based number of that line.
    static func breaking(_ text: String, line target: String, as broken: String) -> (text: String, line: Int)? {
        var lines = text.components(separatedBy: "\n")
        guard let index = lines.firstIndex(of: target) else { return nil }
        lines[index] = broken
        return (lines.joined(separator: "\n"), index + 1)
    }

    /// Expected reply texts: the ECLA pen's description by revision; the power bank for the others.
    static func replyText(penByRevision: @escaping @Sendable (Int) -> String) -> @Sendable (LoadDestination, Int) -> String {
        { destination, revision in destination == .ecla ? penByRevision(revision) : powerBank }
    }

    static func otherPenVersions(penByRevision: @escaping @Sendable (Int) -> String) -> @Sendable (LoadDestination, Int) -> [String] {
        { destination, revision in
            destination == .ecla ? [penV1, penV2, penV3].filter { $0 != penByRevision(revision) } : []
        }
    }

    /// Applies a change and reloads through `POST /admin/reload`; checks it became `revision`.
    static func reloadByAdmin(_ server: ServerHarness, expecting revision: Int, _ change: () throws -> Void) async throws -> ReloadStep {
        let requested = Date()
        try change()
        let response = try await server.adminReload()
        let answered = Date()
        #expect(response.status == .ok, "reload to r\(revision): \(response.body)")
        #expect(response.body.contains("\"revision\":\(revision)"), "reload to r\(revision): \(response.body)")
        return ReloadStep(revision: revision, requested: requested, answered: answered)
    }

    /// Saves like an editor and waits for the file watcher to apply it as `revision`.
    static func saveAndWatch(_ server: ServerHarness, _ path: String, _ text: String, expecting revision: Int) async throws -> ReloadStep {
        let requested = Date()
        try server.saveLikeAnEditor(path, text)
        let applied = await server.waitUntil(timeout: .seconds(2)) { await server.configHealth()["revision"] as? Int == revision }
        let answered = Date()
        let now = await server.configHealth()["revision"] as? Int ?? -1
        #expect(applied, "the watcher applied \(path) as r\(revision) within 2 s of the save (now r\(now))")
        return ReloadStep(revision: revision, requested: requested, answered: answered)
    }

    /// Waits for the server to be idle once the load has stopped, then audits every message.
    static func audit(
        _ server: ServerHarness, log: LoadLog, reloads: [ReloadStep], destinations: [LoadDestination],
        routes: @escaping @Sendable (LoadDestination, Int) -> Bool, penByRevision: @escaping @Sendable (Int) -> String
    ) async -> ReloadAudit.Summary? {
        #expect(await ReloadAudit.waitUntilIdle(server), "every message had its turn and every reply was sent within 8 s of the load stopping")
        let audit = ReloadAudit(
            sent: await log.messages, reloads: reloads, routes: routes, expectedReply: replyText(penByRevision: penByRevision),
            otherVersions: otherPenVersions(penByRevision: penByRevision)
        )
        do {
            let (problems, lostToRemoval, summary) = try await audit.run(on: server, destinations: destinations)
            #expect(problems.isEmpty, "\(problems.count) problems (\(summary)):\n\(problems.prefix(15).joined(separator: "\n"))")
            #expect(lostToRemoval.isEmpty, "replies lost to a tenant removal:\n\(lostToRemoval.joined(separator: "\n"))")
            print("reload under load: \(summary)")
            return summary
        } catch {
            Issue.record("could not audit the run: \(error)")
            return nil
        }
    }

    /// Add a tenant, change an agent, remove a tenant, save a broken file and fix it, each
    /// through `POST /admin/reload` (the watcher is off, so each reload is exactly one revision),
    /// while six senders post to the three numbers.
    @Test func addChangeRemoveAndABrokenSaveUnderLoadLoseAndDoubleNothing() async throws {
        try await ReloadHarness.with(watchFiles: false) { server in
            let original = try server.configFile("tenants.yaml")
            let withCedar = original + Self.cedarTenant
            let agentV1 = try server.configFile(Self.eclaAgent)
            let agentV2 = agentV1.replacingOccurrences(of: Self.penV1, with: Self.penV2)
            guard let withoutAstro = Self.removingAstroSouks(from: withCedar), agentV2 != agentV1,
                let broken = Self.breaking(withoutAstro, line: "    name: Cedar Mobile", as: "    name: Cedar: Mobile")
            else {
                Issue.record("the shipped tenants.yaml or agent no longer has the text this test edits")
                return
            }
            let destinations: [LoadDestination] = [.ecla, .astro, .cedar]
            let log = LoadLog()
            async let loadFinished: Void = WebhookLoad.run(server: server, log: log, destinations: destinations, senders: 6, contactsPerDestination: 4, tag: "admin")
            var reloads: [ReloadStep] = []
            var answeredDuringBrokenSave: (from: Date, to: Date)?
            do {
                #expect(await WebhookLoad.waitForTraffic(log, more: 40), "load under r1")
                // r2: a new tenant with a new number.
                reloads.append(try await Self.reloadByAdmin(server, expecting: 2) { try server.writeConfigFile("tenants.yaml", withCedar) })
                #expect(await WebhookLoad.waitForTraffic(log, more: 40), "load under r2")
                // r3: the ECLA agent's catalogue changes; its replies change with it.
                reloads.append(try await Self.reloadByAdmin(server, expecting: 3) { try server.writeConfigFile(Self.eclaAgent, agentV2) })
                #expect(await WebhookLoad.waitForTraffic(log, more: 40), "load under r3")
                // r4: AstroSouks is removed; its number becomes unroutable.
                reloads.append(try await Self.reloadByAdmin(server, expecting: 4) { try server.writeConfigFile("tenants.yaml", withoutAstro) })
                #expect(await WebhookLoad.waitForTraffic(log, more: 40), "load under r4")

                // A save with a syntax error: refused, shown in /health, r4 keeps answering.
                try server.writeConfigFile("tenants.yaml", broken.text)
                let refused = try await server.adminReload()
                #expect(refused.status == .unprocessableContent, "a broken save is refused: \(refused.body)")
                let brokenFrom = Date()
                let config = await server.configHealth()
                let error = config["error"] as? String ?? ""
                #expect(config["revision"] as? Int == 4, "revision unchanged by a broken save: \(config)")
                #expect(error.contains("tenants.yaml:\(broken.line):"), "config.error names the broken line \(broken.line): \(error)")
                #expect(error.range(of: #"tenants\.yaml:\d+:\d+: "#, options: .regularExpression) != nil, "file:line:column: \(error)")
                #expect(await WebhookLoad.waitForTraffic(log, more: 60), "load while the broken file is saved")
                let still = await server.configHealth()
                #expect(still["revision"] as? Int == 4 && still["error"] as? String == error, "the error stays until a good save: \(still)")
                answeredDuringBrokenSave = (brokenFrom, Date())
                // The messages of the window get their turns on r4 before the fix is applied
                // (on PostgreSQL a turn can start a second after its message arrived).
                let lastStored = try await server.count("SELECT COALESCE(MAX(id), 0) FROM messages")
                #expect(
                    await server.waitUntil(timeout: .seconds(15)) {
                        (try? await server.count(
                            "SELECT count(*) FROM messages WHERE direction = 'inbound' AND status = 'received' AND id <= ?", [.integer(lastStored)]
                        )) == 0
                    },
                    "the broken save's window was answered before the fix"
                )

                // r5: the fixed file is applied, one revision up, and the error is gone.
                reloads.append(try await Self.reloadByAdmin(server, expecting: 5) { try server.writeConfigFile("tenants.yaml", withoutAstro) })
                let fixed = await server.configHealth()
                #expect(fixed["revision"] as? Int == 5 && fixed["error"] == nil, "fixed: \(fixed)")
                #expect(await WebhookLoad.waitForTraffic(log, more: 30, atLeast: .milliseconds(200)), "load under r5")
            } catch {
                Issue.record("a reload step failed: \(error)")
            }
            await log.stop()
            await loadFinished
            let summary = await Self.audit(
                server, log: log, reloads: reloads, destinations: destinations,
                routes: { destination, revision in
                    switch destination {
                    case .astro: return revision < 4
                    case .cedar: return revision >= 2
                    default: return true
                    }
                },
                penByRevision: { $0 >= 3 ? Self.penV2 : Self.penV1 }
            )
            guard let summary else { return }
            #expect(summary.posted >= 250, "a few hundred messages: \(summary)")
            // The added number answered; the removed one was kept as unroutable (and, by the audit, never answered).
            let cedarAnswered = try await server.count("SELECT count(*) FROM messages WHERE chatbot_id = 'cedar-bot' AND direction = 'outbound' AND status = 'accepted'")
            #expect(cedarAnswered > 0, "the new tenant's number answered")
            let astroUnroutable = try await server.count("SELECT count(*) FROM unroutable_messages WHERE destination = ?", [.text(LoadDestination.astro.displayNumber)])
            #expect(astroUnroutable > 0, "the removed tenant's number is kept as unroutable")
            for revision in 1...5 { #expect(summary.answeredByRevision[revision, default: 0] > 0, "turns ran on r\(revision): \(summary)") }
            // While the broken file was on disk, the old routing answered: ECLA and Cedar replied on r4, AstroSouks stayed unroutable.
            if let window = answeredDuringBrokenSave {
                let during = await log.messages.filter { $0.postStarted > window.from && $0.postEnded < window.to }
                let answered = try await server.query(
                    "SELECT provider_message_id, chatbot_id FROM messages WHERE direction = 'inbound' AND config_revision = 4 AND status = 'processed' AND intent = 'price'"
                ).compactMap { $0.column("provider_message_id")?.string }
                let answeredSet = Set(answered)
                for destination in [LoadDestination.ecla, .cedar] {
                    let mine = during.filter { $0.destination == destination }
                    #expect(!mine.isEmpty && mine.allSatisfy { answeredSet.contains($0.providerMessageID) }, "\(destination) answered on r4 during the broken save")
                }
                let unroutable = Set(try await server.query("SELECT provider_message_id FROM unroutable_messages").compactMap { $0.column("provider_message_id")?.string })
                let astro = during.filter { $0.destination == .astro }
                #expect(!astro.isEmpty && astro.allSatisfy { unroutable.contains($0.providerMessageID) }, "AstroSouks stays removed during the broken save")
            }
        }
    }

    /// The same guarantees when an editor saves through the file watcher (temporary file renamed
    /// over the original, 50 ms poll): an agent change, a syntax error in the agent file, then a
    /// fixed and changed agent. Only the good saves make revisions.
    @Test func editorSavesPickedUpByTheWatcherUnderLoadLoseAndDoubleNothing() async throws {
        try await ReloadHarness.with(watchFiles: true) { server in
            let agentV1 = try server.configFile(Self.eclaAgent)
            let agentV2 = agentV1.replacingOccurrences(of: Self.penV1, with: Self.penV2)
            let agentV3 = agentV1.replacingOccurrences(of: Self.penV1, with: Self.penV3)
            guard agentV2 != agentV1, agentV3 != agentV1, let broken = Self.breaking(agentV2, line: "name: ECLA Assistant", as: "name: ECLA: Assistant") else {
                Issue.record("the shipped agent no longer has the text this test edits")
                return
            }
            let destinations: [LoadDestination] = [.ecla, .astro]
            let log = LoadLog()
            async let loadFinished: Void = WebhookLoad.run(server: server, log: log, destinations: destinations, senders: 4, contactsPerDestination: 4, tag: "watch")
            var reloads: [ReloadStep] = []
            do {
                #expect(await WebhookLoad.waitForTraffic(log, more: 40), "load under r1")
                reloads.append(try await Self.saveAndWatch(server, Self.eclaAgent, agentV2, expecting: 2))
                #expect(await WebhookLoad.waitForTraffic(log, more: 40), "load under r2")

                try server.saveLikeAnEditor(Self.eclaAgent, broken.text)
                let reported = await server.waitUntil(timeout: .seconds(2)) { await server.configHealth()["error"] != nil }
                #expect(reported, "the watcher reports the broken save in /health within 2 s")
                let config = await server.configHealth()
                let error = config["error"] as? String ?? ""
                #expect(config["revision"] as? Int == 2, "revision unchanged by a broken save: \(config)")
                #expect(error.contains("ecla_sales_agent.yaml:\(broken.line):"), "config.error names the broken line \(broken.line): \(error)")
                #expect(error.range(of: #"ecla_sales_agent\.yaml:\d+:\d+: "#, options: .regularExpression) != nil, "file:line:column: \(error)")
                #expect(await WebhookLoad.waitForTraffic(log, more: 40), "load while the broken file is saved")
                #expect(await server.configHealth()["revision"] as? Int == 2, "the broken file is never applied")

                reloads.append(try await Self.saveAndWatch(server, Self.eclaAgent, agentV3, expecting: 3))
                #expect(await server.configHealth()["error"] == nil, "a good save clears the error")
                #expect(await WebhookLoad.waitForTraffic(log, more: 30, atLeast: .milliseconds(200)), "load under r3")
            } catch {
                Issue.record("a save failed: \(error)")
            }
            await log.stop()
            await loadFinished
            let summary = await Self.audit(
                server, log: log, reloads: reloads, destinations: destinations, routes: { _, _ in true },
                penByRevision: { revision in revision >= 3 ? Self.penV3 : revision == 2 ? Self.penV2 : Self.penV1 }
            )
            #expect(await server.configHealth()["revision"] as? Int == 3, "one revision per good save, none for the broken one")
            if let summary {
                for revision in 1...3 { #expect(summary.answeredByRevision[revision, default: 0] > 0, "turns ran on r\(revision): \(summary)") }
            }
        }
    }

    /// A turn that ran before its tenant was removed has answered: its replies, already in the
    /// outbox, must still reach the customer even when they are sent after the reload. The
    /// provider is slow for AstroSouks, so the second and third replies wait behind the first
    /// (one send at a time per conversation) while AstroSouks is removed.
    /// (The outbox sends them through the chatbot as the turn's configuration had it.)
    @Test func repliesQueuedBeforeTheirTenantIsRemovedAreStillSent() async throws {
        let slowAstro: @Sendable (FakeProviderServer.Received) async throws -> Response = { request in
            if request.path == LoadDestination.astro.sendPath { try await Task.sleep(for: .milliseconds(600)) }
            return FakeProviderServer.json(.ok, #"{"messaging_product":"whatsapp","messages":[{"id":"wamid.sent-\#(UUID().uuidString)"}]}"#)
        }
        try await ReloadHarness.with(watchFiles: false, respond: slowAstro) { server in
            guard let withoutAstro = Self.removingAstroSouks(from: try server.configFile("tenants.yaml") + Self.cedarTenant) else {
                Issue.record("the shipped tenants.yaml no longer has the text this test edits")
                return
            }
            let customer = "96172990000"
            for index in 0..<3 {
                let body = WebhookLoad.metaText(to: .astro, from: customer, id: "wamid.queued-\(index)", text: LoadDestination.astro.question)
                #expect(try await server.postMeta(body).status == .ok)
            }
            // All three turns ran on r1 and queued their replies; the first is at the provider.
            let queued = await server.waitUntil(timeout: .seconds(3)) {
                let replies = (try? await server.count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND purpose = 'reply'")) ?? 0
                let onR1 = (try? await server.count("SELECT count(*) FROM messages WHERE direction = 'inbound' AND config_revision = 1")) ?? 0
                let atProvider = await server.sent().count
                return replies == 3 && onR1 == 3 && atProvider > 0
            }
            #expect(queued, "three turns answered on r1, the first reply being sent")
            let removed = try await server.writeConfigFileAndReload("tenants.yaml", withoutAstro)
            #expect(removed.status == .ok, "AstroSouks removed: \(removed.body)")
            #expect(await ReloadAudit.waitUntilIdle(server), "every reply settled")
            let outcomes = try await server.query(
                "SELECT status, error_code FROM messages WHERE direction = 'outbound' AND purpose = 'reply' ORDER BY id"
            ).map { "\($0.column("status")?.string ?? "?")\($0.column("error_code")?.string.map { " (\($0))" } ?? "")" }
            #expect(outcomes == ["accepted", "accepted", "accepted"], "replies of turns answered on r1: \(outcomes)")
            #expect(await server.sent().count == 3, "each reply reached the customer once")
        }
    }
}
