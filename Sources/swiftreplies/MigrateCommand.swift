import ArgumentParser
import Logging
import SwiftRepliesRuntime

/// `swiftreplies migrate up|down|status`: versioned schema migrations.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply, roll back or show schema migrations.",
        subcommands: [Up.self, Down.self, Status.self]
    )

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply every pending migration.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            LoggingSetup.bootstrap(defaultLevel: .warning)
            let stores = try await StoreOpener.open(global.databaseLocation, environment: global.environment, logger: Logger(label: "swiftreplies.migrate"))
            let applied = try await stores.lifecycle.migrateUp()
            try await stores.lifecycle.shutdown()
            print(applied.isEmpty ? "schema is up to date" : "applied \(applied.map(String.init).joined(separator: ", "))")
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Roll back one migration, or down to --to N (0: all).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Roll back every migration above this version.")
        var to: Int?

        func run() async throws {
            LoggingSetup.bootstrap(defaultLevel: .warning)
            let stores = try await StoreOpener.open(global.databaseLocation, environment: global.environment, logger: Logger(label: "swiftreplies.migrate"))
            let status = try await stores.lifecycle.migrationStatus()
            let target = to ?? max(0, status.current - 1)
            let rolledBack = try await stores.lifecycle.migrateDown(to: target)
            try await stores.lifecycle.shutdown()
            print(rolledBack.isEmpty ? "nothing to roll back" : "rolled back \(rolledBack.map(String.init).joined(separator: ", "))")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show applied and pending migrations.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            LoggingSetup.bootstrap(defaultLevel: .warning)
            let stores = try await StoreOpener.open(global.databaseLocation, environment: global.environment, logger: Logger(label: "swiftreplies.migrate"))
            let status = try await stores.lifecycle.migrationStatus()
            try await stores.lifecycle.shutdown()
            print("backend: \(stores.backendName)")
            print("current version: \(status.current)")
            print("applied: \(status.applied.map(String.init).joined(separator: ", "))")
            print("pending: \(status.pending.isEmpty ? "none" : status.pending.map(String.init).joined(separator: ", "))")
        }
    }
}
