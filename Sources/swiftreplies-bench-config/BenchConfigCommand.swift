import ArgumentParser
import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime

/// `swiftreplies-bench-config --tenants 10000`: how the configuration scales. A benchmark, kept
/// out of the product's command line (`swift run -c release swiftreplies-bench-config`).
///
/// Generates a `tenants.yaml` with N tenants (one chatbot and one unique number each) and a set
/// of agent files in a temporary directory, then measures: loading and validating it, building
/// the runtime state (pipelines) and mirroring the tenants into a fresh SQLite file, a reload
/// with one tenant changed and one with one agent changed (both through `ConfigReloader`, the
/// code `serve` runs on a save), routing a message among the numbers, and the peak resident
/// memory (`VmHWM`).
@main
struct BenchConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftreplies-bench-config", abstract: "Measure configuration load, reload, routing and memory at scale."
    )

    @Option(help: "Tenants to generate (each with one chatbot and one number).")
    var tenants: Int = 10_000

    @Option(help: "Agent files to generate; tenants use them in turn.")
    var agents: Int = 100

    @Option(help: "Routing look-ups to time.")
    var lookups: Int = 1_000_000

    @Option(help: "Times each load and reload is measured (the median is printed).")
    var repeats: Int = 3

    @Flag(help: "Keep the generated directory instead of deleting it.")
    var keep = false

    static let environment = [
        "BENCH_META_APP_SECRET": "bench-app-secret", "BENCH_META_VERIFY_TOKEN": "bench-verify-token", "BENCH_META_ACCESS_TOKEN": "bench-access-token",
    ]

    func validate() throws {
        guard (1...9_000_000).contains(tenants) else { throw ValidationError("--tenants must be between 1 and 9,000,000") }
        guard agents >= 1 else { throw ValidationError("--agents must be at least 1") }
        guard lookups >= 1, repeats >= 1 else { throw ValidationError("--lookups and --repeats must be at least 1") }
    }

    func run() async throws {
        var logger = Logger(label: "swiftreplies.bench-config")
        logger.logLevel = .warning
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftreplies-bench-config-\(UUID().uuidString)")
        let agentCount = min(agents, tenants)
        defer {
            if keep { print("kept \(directory.path)") } else { try? FileManager.default.removeItem(at: directory) }
        }
        let report = Report()
        report.line("bench-config: \(tenants) tenants, \(tenants) chatbots, \(tenants) numbers, \(agentCount) agents (\(Self.buildConfiguration) build)")
        report.memory("at start")

        // Generate.
        let generator = Generator(directory: directory, tenants: tenants, agents: agentCount)
        let generation = try measure { try generator.write(tenantVersion: 0, agentVersion: 0) }
        let tenantsBytes = (try? FileManager.default.attributesOfItem(atPath: generator.tenantsURL.path)[.size] as? Int) ?? 0
        report.line("generate files                         \(Report.time(generation.duration))  (tenants.yaml \(Report.bytes(tenantsBytes)))")

        // Load and validate.
        let registries = ModuleRegistries.builtIn()
        let loader = registries.configLoader(directory: directory.path, environment: Self.environment)
        var snapshot = try loader.load()
        var loadTimes: [Duration] = []
        for _ in 0..<repeats {
            let run = try measure { try loader.load() }
            loadTimes.append(run.duration)
            snapshot = run.value
        }
        guard snapshot.routing.count == tenants else {
            throw ValidationError("expected \(tenants) routable numbers, found \(snapshot.routing.count)")
        }
        report.line("load + validate                        \(Report.median(loadTimes))  (median of \(repeats))")
        report.memory("after load")

        // First state: mirror into SQLite and build every pipeline, as `serve` starts.
        let stores = try await StoreOpener.open(directory.appendingPathComponent("bench.sqlite").path, environment: [:], logger: logger)
        do {
            try await stores.lifecycle.migrateUp()
            let sync = try await measureAsync { try await stores.directory.syncDirectory(snapshot.tenants) }
            report.line("mirror tenants into SQLite (first)     \(Report.time(sync.duration))")
            let firstBuild = try measure { try RuntimeState.build(snapshot: snapshot, registries: registries, stores: stores) }
            report.line("build runtime state (all pipelines)    \(Report.time(firstBuild.duration))  (\(firstBuild.value.pipelines.count) pipelines)")
            let holder = RuntimeStateHolder(firstBuild.value)
            let reloader = ConfigReloader(loader: loader, registries: registries, stores: stores, state: holder, logger: logger)
            report.memory("after start")

            // Reload with one tenant changed, then with one agent changed.
            var tenantReloads: [Duration] = []
            var agentReloads: [Duration] = []
            var tenantLoads: [Duration] = []
            var tenantBuilds: [Duration] = []
            for round in 0..<repeats {
                // Each write changes one thing: the tenant's name, then the agent's greeting.
                try generator.write(tenantVersion: round + 1, agentVersion: round)
                let previous = holder.current
                let load = try measure { try loader.load(revision: previous.snapshot.revision + 1) }
                tenantLoads.append(load.duration)
                let build = try measure { try RuntimeState.build(snapshot: load.value, registries: registries, stores: stores, reusing: previous) }
                tenantBuilds.append(build.duration)
                let reload = await measureAsync { await reloader.reload(trigger: "bench") }
                guard case .applied = reload.value else { throw ValidationError("reload failed: \(reload.value)") }
                tenantReloads.append(reload.duration)

                try generator.write(tenantVersion: round + 1, agentVersion: round + 1)
                let agentReload = await measureAsync { await reloader.reload(trigger: "bench") }
                guard case .applied = agentReload.value else { throw ValidationError("reload failed: \(agentReload.value)") }
                agentReloads.append(agentReload.duration)
            }
            report.line("reload, one tenant changed             \(Report.median(tenantReloads))  (ConfigReloader: load, rebuild reusing unchanged pipelines, mirror; median of \(repeats))")
            report.line("  load + validate alone                \(Report.median(tenantLoads))  (measured separately)")
            report.line("  state rebuild alone                  \(Report.median(tenantBuilds))  (measured separately; no agent changed)")
            report.line("reload, one agent changed              \(Report.median(agentReloads))  (rebuilds 1 pipeline; median of \(repeats))")
            report.memory("after reloads")

            // Routing.
            snapshot = holder.current.snapshot
            let numbers = (1...tenants).map { Generator.number($0) }
            let raw = (1...tenants).map { Generator.writtenNumber($0) }
            var seed: UInt64 = 0x5eed
            let order = (0..<lookups).map { _ -> Int in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int((seed >> 33) % UInt64(tenants))
            }
            let routing = snapshot.routing
            let hits = measure { () -> Int in
                var found = 0
                for index in order where routing.route(provider: .meta, number: numbers[index]) != nil { found += 1 }
                return found
            }
            guard hits.value == lookups else { throw ValidationError("only \(hits.value) of \(lookups) look-ups routed") }
            report.line("route, normalised number               \(Report.perLookup(hits.duration, lookups))  (\(lookups) look-ups, all found)")
            let normalised = measure { () -> Int in
                var found = 0
                for index in order {
                    if let number = PhoneNumber(normalizing: raw[index]), routing.route(provider: .meta, number: number) != nil { found += 1 }
                }
                return found
            }
            report.line("route, normalising \"+961 7x xxx xxx\"   \(Report.perLookup(normalised.duration, lookups))  (\(normalised.value) found)")
            let unknown = PhoneNumber(canonical: "19995550000")
            let misses = measure { () -> Int in
                var found = 0
                for _ in 0..<lookups where routing.route(provider: .meta, number: unknown, phoneNumberID: "0") != nil { found += 1 }
                return found
            }
            report.line("route, unknown number                  \(Report.perLookup(misses.duration, lookups))  (\(misses.value) found)")
            report.memory("at end")
            try await stores.lifecycle.shutdown()
        } catch {
            try? await stores.lifecycle.shutdown()
            throw error
        }
        print(report.text)
    }

    static var buildConfiguration: String {
        #if DEBUG
            return "debug"
        #else
            return "release"
        #endif
    }

    // MARK: Timing

    struct Measured<Value> {
        var value: Value
        var duration: Duration
    }

    func measure<Value>(_ body: () throws -> Value) rethrows -> Measured<Value> {
        let start = ContinuousClock.now
        let value = try body()
        return Measured(value: value, duration: ContinuousClock.now - start)
    }

    func measureAsync<Value>(_ body: () async throws -> Value) async rethrows -> Measured<Value> {
        let start = ContinuousClock.now
        let value = try await body()
        return Measured(value: value, duration: ContinuousClock.now - start)
    }
}

/// Writes the generated configuration.
private struct Generator {
    let directory: URL
    let tenants: Int
    let agents: Int

    var tenantsURL: URL { directory.appendingPathComponent("tenants.yaml") }

    /// The canonical number of tenant `index` (from 1): 9617 and seven digits.
    static func number(_ index: Int) -> PhoneNumber { PhoneNumber(canonical: "9617" + padded(index, 7)) }

    /// The same number as a person writes it: `+961 7x xxx xxx`.
    static func writtenNumber(_ index: Int) -> String {
        let digits = Array(padded(index, 7))
        return "+961 7\(digits[0]) \(String(digits[1...3])) \(String(digits[4...6]))"
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    static func agentID(_ index: Int) -> String { "bench_agent_\(padded(index, 5))" }

    /// The tenant whose name the reloads change, and the agent whose greeting they change.
    var changedTenant: Int { (tenants + 1) / 2 }
    let changedAgent = 1

    /// Writes `tenants.yaml` and `agents/` (only the files whose content changed); at version
    /// `n > 0`, `changedTenant` gets another name and `changedAgent` another greeting.
    func write(tenantVersion: Int, agentVersion: Int) throws {
        let agentsDirectory = directory.appendingPathComponent("agents")
        try FileManager.default.createDirectory(at: agentsDirectory, withIntermediateDirectories: true)
        var yaml = """
            # Generated by `swiftreplies bench-config`.
            version: 1
            defaults:
              plan: starter
            plans:
              starter:
                limits:
                  max_chatbots: 2
                  max_contacts: 10000
                  max_api_keys: 2
                  max_webhooks: 2
                  max_actions_per_day: 20
                  message_history_days: 365
                features:
                  actions_center: true
                  live_takeover: true
                  orders: true
            accounts:
              meta_bench:
                provider: meta
                app_secret: ${BENCH_META_APP_SECRET}
                verify_token: ${BENCH_META_VERIFY_TOKEN}
                access_token: ${BENCH_META_ACCESS_TOKEN}
                base_url: http://127.0.0.1:9
            tenants:

            """
        yaml.reserveCapacity(tenants * 260)
        for index in 1...tenants {
            let id = Self.padded(index, 6)
            let name = index == changedTenant && tenantVersion > 0 ? "Business \(id) (version \(tenantVersion))" : "Business \(id)"
            yaml += """
                  - id: tenant-\(id)
                    name: \(name)
                    subscription:
                      plan: starter
                    chatbots:
                      - id: bot-\(id)
                        name: Bot \(id)
                        agent: \(Self.agentID((index - 1) % agents + 1))
                        channels:
                          - account: meta_bench
                            number: "\(Self.writtenNumber(index))"
                            phone_number_id: "5\(Self.padded(index, 9))"

                """
        }
        try writeIfChanged(yaml, to: tenantsURL)
        for index in 1...agents {
            let id = Self.agentID(index)
            let greeting = index == changedAgent && agentVersion > 0 ? "Hello from agent \(index), version \(agentVersion)!" : "Hello from agent \(index)!"
            let agent = """
                id: \(id)
                module: sales
                name: Bench Agent \(index)
                greeting: "\(greeting)"
                fallback: "Sorry, I don't know that yet."
                currency: USD
                catalogue:
                  - {sku: SKU-\(index)-1, name: Whitening Kit, price: 49, description: "LED kit"}
                  - {sku: SKU-\(index)-2, name: Whitening Strips, price: 25, description: "28 strips"}
                  - {sku: SKU-\(index)-3, name: Whitening Pen, price: 18, description: "Pocket pen"}
                knowledge_base:
                  - {id: shipping, question: "How long does delivery take?", answer: "1-3 working days."}
                  - {id: payment, question: "How can I pay?", answer: "Cash on delivery."}
                  - {id: returns, question: "Can I return a product?", answer: "Within 14 days, unopened."}
                middleware:
                  - usage_limits
                  - live_takeover
                  - actions_center
                  - conversation_instructions
                  - knowledge_base
                escalation:
                  max_discount_percent: 10
                  human_keywords: ["human", "agent"]

                """
            try writeIfChanged(agent, to: agentsDirectory.appendingPathComponent("\(id).yaml"))
        }
    }

    private func writeIfChanged(_ text: String, to url: URL) throws {
        let data = Data(text.utf8)
        if let existing = try? Data(contentsOf: url), existing == data { return }
        try data.write(to: url, options: .atomic)
    }
}

/// The printed report.
private final class Report {
    private(set) var text = ""

    func line(_ line: String) { text += line + "\n" }

    func memory(_ moment: String) {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return "n/a" }
            let kilobytes = Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "") ?? 0
            return Self.bytes(kilobytes * 1024)
        }
        line("memory \(moment): peak RSS (VmHWM) \(field("VmHWM")), RSS \(field("VmRSS"))")
    }

    static func time(_ duration: Duration) -> String {
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%9.1f ms", milliseconds)
    }

    static func median(_ durations: [Duration]) -> String {
        let sorted = durations.sorted()
        return time(sorted[sorted.count / 2])
    }

    static func perLookup(_ duration: Duration, _ count: Int) -> String {
        let nanoseconds = (Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9) / Double(count)
        return String(format: "%9.1f ns", nanoseconds)
    }

    static func bytes(_ count: Int) -> String {
        String(format: "%.1f MiB", Double(count) / 1_048_576)
    }
}
