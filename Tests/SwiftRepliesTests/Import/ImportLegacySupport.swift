import Foundation
import PostgresNIO
@testable import SwiftRepliesStores
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The legacy fixture (`Fixtures/legacy/legacy_schema.sql`) and what it holds.
enum LegacyFixture {
    static var sqlURL: URL { RepositoryPaths.fixtures.appendingPathComponent("legacy/legacy_schema.sql") }

    static let contacts = 8
    static let messages = 614
    static let inboundMessages = 354
    static let outboundMessages = 260
    static let orders = 3
    static let campaigns = 1
    /// The legacy phone numbers once normalised, by legacy contact id.
    static let phones: [Int: String] = [
        1: "96170123401", 2: "96171234502", 3: "96176345603", 4: "96178456704", 5: "96179567805", 6: "96181678906", 7: "96170789007",
        8: "9613890108",
    ]
    static let firstRunSummary = "8 contacts, 614 messages, 3 orders, 1 campaign imported"
    static let secondRunSummary =
        "0 contacts, 0 messages, 0 orders, 0 campaigns imported (8 contacts, 614 messages, 3 orders, 1 campaign already present)"

    /// The fixture's statements (split at semicolons outside string literals).
    static func statements() throws -> [String] {
        try LegacySQL.statements(String(contentsOf: sqlURL, encoding: .utf8))
    }

    /// A new legacy database of `backend` filled with the fixture.
    static func make(_ backend: StoreBackend) async throws -> TestDatabase {
        let database = try await TestDatabase.make(backend)
        do {
            try await LegacySQL.run(try statements(), in: database)
        } catch {
            await database.remove()
            throw error
        }
        return database
    }
}

/// Runs SQL scripts on a test database as its owner.
enum LegacySQL {
    /// `script` cut into statements at `;` outside single-quoted literals; comment lines dropped.
    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inLiteral = false
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            if !inLiteral, line.trimmingCharacters(in: .whitespaces).hasPrefix("--") { continue }
            for character in line {
                if character == "'" { inLiteral.toggle() }
                if character == ";" && !inLiteral {
                    let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !statement.isEmpty { statements.append(statement) }
                    current = ""
                } else {
                    current.append(character)
                }
            }
            current.append("\n")
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    /// Runs every statement, failing on the first error.
    static func run(_ statements: [String], in database: TestDatabase) async throws {
        switch database.backend {
        case .sqlite:
            SQLiteLibrary.prepare()
            let connection = try await SQLiteDatabaseConnection.open(path: database.location)
            do {
                for statement in statements { _ = try await connection.query(statement) }
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        case .postgres:
            try await PostgresAdmin.withConnection(database.location) { connection in
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: quietTestLogger)
                }
            }
        }
    }
}

/// The built `swiftreplies` executable, run as a user runs it.
enum SwiftRepliesExecutable {
    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }

        /// The last non-empty line of standard output.
        var lastLine: String? {
            stdout.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init)
        }
    }

    /// Beside the test bundle, else `.build/debug/swiftreplies` above this file.
    static let url: URL? = {
        var candidates = [Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("swiftreplies")]
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            candidates.append(directory.appendingPathComponent(".build/debug/swiftreplies"))
            directory.deleteLastPathComponent()
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs `swiftreplies arguments` with `input` on standard input and a small environment
    /// (no host secrets, no `DATABASE_URL`); kills it after `timeout`.
    static func run(_ arguments: [String], input: String = "", timeout: Duration = .seconds(60)) async throws -> Result {
        let executable = try #require(url, "swiftreplies is not built")
        let scratch = try RepositoryPaths.temporaryDirectory("swiftreplies-import-io")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let stdoutURL = scratch.appendingPathComponent("stdout"), stderrURL = scratch.appendingPathComponent("stderr")
        let stdinURL = scratch.appendingPathComponent("stdin")
        for url in [stdoutURL, stderrURL] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        _ = FileManager.default.createFile(atPath: stdinURL.path, contents: Data(input.utf8))
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let host = ProcessInfo.processInfo.environment
        process.environment = ["PATH": host["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LOG_LEVEL": "warning"]
        process.currentDirectoryURL = scratch
        let stdout = try FileHandle(forWritingTo: stdoutURL), stderr = try FileHandle(forWritingTo: stderrURL)
        let stdin = try FileHandle(forReadingFrom: stdinURL)
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                Issue.record("swiftreplies \(arguments.joined(separator: " ")) did not finish in time and was killed")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        try? stdout.close()
        try? stderr.close()
        try? stdin.close()
        return Result(
            status: process.terminationStatus, stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        )
    }

    /// `import-legacy` from `source` into `tenant` of `target`, with the shipped configuration.
    static func importLegacy(from source: String, into target: String, tenant: String = "swiftreplies", extra: [String] = []) async throws -> Result {
        try await run(
            ["import-legacy", "--from", source, "--tenant", tenant, "--database", target, "--config-dir", RepositoryPaths.configDirectory] + extra
        )
    }
}
