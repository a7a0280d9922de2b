import ArgumentParser
import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import SwiftRepliesServer

/// Options every subcommand takes (DESIGN.md's global options).
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("config-dir"), help: "Directory holding tenants.yaml and agents/.")
    var configDirectory: String = "."

    @Option(name: .customLong("database"), help: "SQLite file path (default ./swiftreplies.sqlite) or postgres:// URL; DATABASE_URL otherwise.")
    var database: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    var databaseLocation: String { StoreOpener.resolve(option: database, environment: environment) }

    /// Loads the configuration or prints every error and exits 1.
    func loadSnapshot(registries: ModuleRegistries, strict: Bool = false, printWarnings: Bool = true) throws -> ConfigSnapshot {
        do {
            let snapshot = try registries.configLoader(directory: configDirectory, environment: environment, strict: strict).load()
            if printWarnings {
                for warning in snapshot.warnings { StandardError.print(warning.description) }
            }
            return snapshot
        } catch {
            for diagnostic in error.diagnostics { StandardError.print(diagnostic.description) }
            StandardError.print("\(error.errors.count) error\(error.errors.count == 1 ? "" : "s") in the configuration")
            throw ExitCode(1)
        }
    }
}

/// Writes to standard error.
enum StandardError {
    /// Writes a line; with standard error closed or broken the line is lost (`write(_:)` would
    /// stop the process).
    static func print(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
    }
}

/// Sets up swift-log for the executable: key=value lines on standard error, level from
/// `LOG_LEVEL` (default `info`, `warning` for interactive commands).
enum LoggingSetup {
    static func bootstrap(defaultLevel: Logger.Level) {
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? defaultLevel
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level) }
    }
}
