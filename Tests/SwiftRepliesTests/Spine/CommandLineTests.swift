import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The built `swiftreplies` executable, run as a user runs it: `validate` and `chat`.
@Suite(.enabled(if: CommandLineTool.executable != nil, "swiftreplies is not built next to the tests; run `swift build` first"))
struct CommandLineTests {
    // MARK: validate

    @Test func validateListsEveryErrorAsFileLineColumn() async throws {
        let copy = try RepositoryPaths.copyOfConfiguration()
        defer { try? FileManager.default.removeItem(at: copy) }
        let tenantsURL = copy.appendingPathComponent("tenants.yaml")
        var text = try String(contentsOf: tenantsURL, encoding: .utf8)
        text = try text.replacingFirst("    max_workers: 5", with: "    max_worker: 5")
        text = try text.replacingFirst(#"number: "9613451652""#, with: #"number: "0096179374241""#)
        text = try text.replacingFirst("agent: astrosouks_sales_agent", with: "agent: astrosouks_agent")
        try text.write(to: tenantsURL, atomically: true, encoding: .utf8)

        let result = try await CommandLineTool.run(["validate", "--config-dir", copy.path])
        #expect(result.status == 1, "\(result)")
        let file = tenantsURL.path
        let unknownKey = try #require(CommandLineTool.position(of: "max_worker:", in: text))
        let duplicate = try #require(CommandLineTool.position(of: #""0096179374241""#, in: text))
        let unknownAgent = try #require(CommandLineTool.position(of: "astrosouks_agent", in: text))
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(file):\(unknownKey.line):\(unknownKey.column): unknown key 'max_worker'") }, "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("\(file):\(duplicate.line):\(duplicate.column): duplicate number 96179374241") }, "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("\(file):\(unknownAgent.line):\(unknownAgent.column): unknown agent 'astrosouks_agent'") }, "\(result.stderr)")
        #expect(lines.contains("3 errors in the configuration"), "\(result.stderr)")
        #expect(!result.stdout.contains("configuration OK"))
    }

    /// Warnings, diagnostics and debug logs go to standard error; with it closed (`2>&-`, a log
    /// collector gone) they are lost, and the command still does its work.
    @Test func aClosedStandardErrorLosesLinesNotTheProcess() async throws {
        let executable = try #require(CommandLineTool.executable)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"exec "$0" validate --config-dir "$1" 2>&-"#, executable.path, RepositoryPaths.configDirectory]
        process.environment = CommandLineTool.baseEnvironment().merging(["LOG_LEVEL": "debug"]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "status \(process.terminationStatus)")
        #expect(stdout.contains("configuration OK"), "\(stdout)")
    }

    @Test func validateShippedConfigurationPassesAndFailsUnderStrict() async throws {
        let relaxed = try await CommandLineTool.run(["validate", "--config-dir", RepositoryPaths.configDirectory])
        #expect(relaxed.status == 0, "\(relaxed)")
        #expect(relaxed.stdout.contains("configuration OK: 2 tenants, 2 chatbots, 2 agents"), "\(relaxed.stdout)")
        #expect(relaxed.stderr.contains("warning: ${META_APP_SECRET} is not set"), "\(relaxed.stderr)")

        let strict = try await CommandLineTool.run(["validate", "--strict", "--config-dir", RepositoryPaths.configDirectory])
        #expect(strict.status == 1, "\(strict)")
        #expect(strict.stderr.contains("${META_APP_SECRET} is not set"))
        #expect(!strict.stderr.contains("warning: ${META_APP_SECRET}"), "under --strict it is an error")
        #expect(strict.stderr.contains("8 errors in the configuration"), "\(strict.stderr)")
        #expect(!strict.stdout.contains("configuration OK"))

        // With every secret set, --strict passes too.
        let secrets = [
            "META_APP_SECRET", "META_VERIFY_TOKEN", "META_ACCESS_TOKEN", "INFOBIP_API_KEY", "INFOBIP_WEBHOOK_SECRET", "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN",
        ].reduce(into: ["PUBLIC_URL": "https://bot.example.test"]) { $0[$1] = "set-in-test" }
        let configured = try await CommandLineTool.run(["validate", "--strict", "--config-dir", RepositoryPaths.configDirectory], environment: secrets)
        #expect(configured.status == 0, "\(configured)")
        #expect(configured.stderr.isEmpty, "\(configured.stderr)")
    }

    // MARK: chat

    @Test(arguments: [
        ("ecla-main", "how much is the whitening kit?", ["ECLA Teeth Whitening Kit", "49 USD"], "swiftreplies"),
        ("astrosouks-bot", "how much are the earbuds", ["Earbuds", "35 USD"], "astrosouks"),
    ])
    /// On `StoreBackend.serverTests` (SQLite by default, PostgreSQL with
    /// `SWIFTREPLIES_TEST_DATABASE=postgres`).
    func chatAnswersFromPipedInputAndStoresTheTurn(chatbot: String, question: String, expected: [String], tenant: String) async throws {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-cli-chat")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestDatabase.withServerTestDatabase { database in
            let result = try await CommandLineTool.run(
                ["chat", "--chatbot", chatbot, "--database", database.location, "--config-dir", RepositoryPaths.configDirectory],
                input: question + "\n", workingDirectory: directory
            )
            #expect(result.status == 0, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains { line in expected.allSatisfy { line.contains($0) } }, "\(result.stdout)")

            let total = try await database.query("SELECT count(*) AS n FROM messages")
            #expect(total.first?.column("n")?.integer == 2)
            let rows = try await database.query("SELECT tenant_id, chatbot_id, direction, text FROM messages ORDER BY id")
            #expect(rows.map { $0.column("direction")?.string } == ["inbound", "outbound"])
            #expect(rows.allSatisfy { $0.column("tenant_id")?.string == tenant && $0.column("chatbot_id")?.string == chatbot })
            #expect(rows.first?.column("text")?.string == question)
            #expect(expected.allSatisfy { rows.last?.column("text")?.string?.contains($0) == true })
        }
    }

    @Test func benchmarksAreNotPartOfTheProductsCommandLine() async throws {
        let result = try await CommandLineTool.run(["bench-config"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("bench-config"), "names what it does not know: \(result.stderr)")
        let help = try await CommandLineTool.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("serve") && !help.stdout.contains("bench"), "\(help.stdout)")
    }

    @Test func chatWithUnknownChatbotFails() async throws {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-cli-chat")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await CommandLineTool.run(
            [
                "chat", "--chatbot", "nobody", "--database", directory.appendingPathComponent("chat.sqlite").path, "--config-dir",
                RepositoryPaths.configDirectory,
            ],
            input: "hi\n", workingDirectory: directory
        )
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("unknown chatbot 'nobody'"), "\(result.stderr)")
        #expect(result.stderr.contains("ecla-main"))
    }
}

// MARK: - Running the executable

enum CommandLineTool {
    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
        var description: String { "exit \(status)\(timedOut ? " (killed after timeout)" : "")\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    struct Timeout: Error, CustomStringConvertible {
        var arguments: [String]
        var description: String { "swiftreplies \(arguments.joined(separator: " ")) did not finish in time and was killed" }
    }

    /// The built executable: beside the test bundle, else `.build/debug/swiftreplies`.
    static let executable: URL? = {
        var candidates = [Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("swiftreplies")]
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            candidates.append(directory.appendingPathComponent(".build/debug/swiftreplies"))
            directory.deleteLastPathComponent()
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// A small environment without the host's secrets, so results do not depend on the machine.
    static func baseEnvironment() -> [String: String] {
        let host = ProcessInfo.processInfo.environment
        return ["PATH": host["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LOG_LEVEL": "warning"]
    }

    /// Runs `swiftreplies arguments`, feeding `input` on standard input; kills it after `timeout`.
    static func run(
        _ arguments: [String], input: String? = nil, environment: [String: String] = [:], workingDirectory: URL? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> Result {
        let executable = try #require(executable)
        let scratch = try RepositoryPaths.temporaryDirectory("swiftreplies-cli-io")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let stdoutURL = scratch.appendingPathComponent("stdout")
        let stderrURL = scratch.appendingPathComponent("stderr")
        let stdinURL = scratch.appendingPathComponent("stdin")
        for url in [stdoutURL, stderrURL] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        _ = FileManager.default.createFile(atPath: stdinURL.path, contents: Data((input ?? "").utf8))

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = baseEnvironment().merging(environment) { $1 }
        process.currentDirectoryURL = workingDirectory ?? scratch
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        let stdin = try FileHandle(forReadingFrom: stdinURL)
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()

        let deadline = ContinuousClock.now + timeout
        var timedOut = false
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                timedOut = true
                process.terminate()
                try await Task.sleep(for: .seconds(2))
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.waitUntilExit()
        try? stdout.close()
        try? stderr.close()
        try? stdin.close()
        let result = Result(
            status: process.terminationStatus, stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "", timedOut: timedOut
        )
        if timedOut {
            Issue.record("\(Timeout(arguments: arguments))\n\(result)")
            throw Timeout(arguments: arguments)
        }
        return result
    }

    /// 1-based line and column of the first occurrence of `needle` in `text`.
    static func position(of needle: String, in text: String) -> (line: Int, column: Int)? {
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if let range = line.range(of: needle) {
                return (index + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1)
            }
        }
        return nil
    }
}

extension String {
    /// The text with the first `old` replaced; fails the test when `old` is not there.
    fileprivate func replacingFirst(_ old: String, with new: String) throws -> String {
        let range = try #require(self.range(of: old), "'\(old)' not found in the shipped configuration")
        return replacingCharacters(in: range, with: new)
    }
}
