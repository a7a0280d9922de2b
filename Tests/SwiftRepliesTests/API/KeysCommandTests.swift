import Foundation
@testable import SwiftRepliesStores
import Testing

/// `swiftreplies keys create|list|revoke`, run as a user runs it.
@Suite(.enabled(if: ServeProcess.executable != nil, "swiftreplies is not built next to the tests; run `swift build` first"))
struct KeysCommandTests {
    static var executable: URL? { ServeProcess.executable }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the executable with a small environment (no host secrets).
    static func run(_ arguments: [String]) async throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LOG_LEVEL": "warning"]
        let scratch = try RepositoryPaths.temporaryDirectory("swiftreplies-keys-io")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out")
        let err = scratch.appendingPathComponent("err")
        for file in [out, err] {
            guard FileManager.default.createFile(atPath: file.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { process.terminate() }
        return Run(
            status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8), stderr: try String(contentsOf: err, encoding: .utf8)
        )
    }

    @Test func createPrintsTheKeyOnceListShowsItRevokeStopsIt() async throws {
        let directory = try RepositoryPaths.copyOfConfiguration()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("keys.sqlite").path
        let common = ["--config-dir", directory.path, "--database", database]

        let created = try await Self.run(["keys", "create", "--tenant", "astrosouks", "--name", "dashboard", "--scopes", "actions:read,actions:write", "--expires", "30d"] + common)
        #expect(created.status == 0, "\(created.stderr)")
        let lines = created.stdout.split(separator: "\n").map(String.init)
        let key = try #require(lines.last)
        #expect(key.hasPrefix("srk_astrosouks_"))
        #expect(key.count == "srk_astrosouks_".count + 64)
        #expect(lines.dropLast().allSatisfy { !$0.contains(key) }, "the key is printed once, alone on the last line")

        // Only its hash is stored.
        let stored = try await SQLiteFile.rows(database, "SELECT api_key_hash, permissions FROM api_keys")
        #expect(stored.count == 1)
        #expect(stored.first?.0 != key)
        #expect(stored.first?.0.count == 64)
        #expect(stored.first?.1 == #"["actions:read","actions:write"]"#)

        let listed = try await Self.run(["keys", "list", "--tenant", "astrosouks"] + common)
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("dashboard"))
        #expect(listed.stdout.contains("active"))
        #expect(!listed.stdout.contains(key))

        let duplicate = try await Self.run(["keys", "create", "--tenant", "astrosouks", "--name", "dashboard"] + common)
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("already has an active key named 'dashboard'"))
        // The seed AstroSouks plan allows two keys.
        #expect(try await Self.run(["keys", "create", "--tenant", "astrosouks", "--name", "second"] + common).status == 0)
        let third = try await Self.run(["keys", "create", "--tenant", "astrosouks", "--name", "third"] + common)
        #expect(third.status == 1)
        #expect(third.stderr.contains("max_api_keys"), "\(third.stderr)")

        let revoked = try await Self.run(["keys", "revoke", "--tenant", "astrosouks", "--name", "dashboard"] + common)
        #expect(revoked.status == 0)
        #expect(try await Self.run(["keys", "list", "--tenant", "astrosouks"] + common).stdout.contains("revoked"))
        #expect(try await Self.run(["keys", "revoke", "--tenant", "astrosouks", "--name", "dashboard"] + common).status == 1)

        let unknownTenant = try await Self.run(["keys", "create", "--tenant", "acme", "--name", "x"] + common)
        #expect(unknownTenant.status == 1)
        #expect(unknownTenant.stderr.contains("unknown tenant 'acme'"))
        let badScope = try await Self.run(["keys", "create", "--tenant", "astrosouks", "--name", "y", "--scopes", "contacts:delete"] + common)
        #expect(badScope.status == 1)
        #expect(badScope.stderr.contains("unknown scope contacts:delete"))
    }
}

/// Reads two text columns from a SQLite file.
enum SQLiteFile {
    static func rows(_ path: String, _ sql: String) async throws -> [(String, String)] {
        SQLiteLibrary.prepare()
        let connection = try await SQLiteDatabaseConnection.open(path: path)
        do {
            let rows = try await connection.query(sql)
            try await connection.close()
            return rows.map { ($0.values[0].string ?? "", $0.values[1].string ?? "") }
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
