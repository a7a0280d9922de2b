import ArgumentParser
import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import SwiftRepliesStores

/// `swiftreplies import-legacy --from <sqlite path or postgres url> --tenant <id>`: brings a
/// database of the old single-tenant schema (contacts, messages, orders, campaigns) into one
/// tenant, with a progress bar on a terminal and a count of what was imported. Running it again
/// adds nothing (see docs/import-legacy.md).
struct ImportLegacyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-legacy",
        abstract: "Import a database of the old single-tenant schema into one tenant (idempotent).",
        discussion: "Reads contacts, messages, orders and campaigns from --from and writes them into --tenant of --database. See docs/import-legacy.md."
    )

    /// How progress is shown.
    enum ProgressStyle: String, ExpressibleByArgument, CaseIterable {
        /// A bar when standard output is a terminal, plain lines otherwise.
        case auto
        /// A bar redrawn in place.
        case bar
        /// One line per batch.
        case plain
    }

    @OptionGroup var global: GlobalOptions

    @Option(help: "The legacy database: an SQLite file path or a postgres:// URL.")
    var from: String

    @Option(help: "The tenant (an id from tenants.yaml) that receives the data.")
    var tenant: String

    @Option(help: "The chatbot whose conversations the messages join (default: the tenant's first chatbot).")
    var chatbot: String?

    @Option(help: "Rows per read and per write transaction.")
    var batchSize: Int = 500

    @Option(help: "Progress display: auto (a bar on a terminal), bar or plain.")
    var progress: ProgressStyle = .auto

    func validate() throws {
        guard batchSize >= 1, batchSize <= 10_000 else { throw ValidationError("--batch-size must be between 1 and 10,000") }
    }

    func run() async throws {
        LoggingSetup.bootstrap(defaultLevel: .warning)
        let logger = Logger(label: "swiftreplies.import-legacy")
        let snapshot = try global.loadSnapshot(registries: ModuleRegistries.builtIn(), printWarnings: false)
        guard let target = snapshot.tenant(TenantID(tenant)) else {
            let known = snapshot.tenants.map(\.id.rawValue).joined(separator: ", ")
            StandardError.print("import-legacy: unknown tenant '\(tenant)' (configured: \(known.isEmpty ? "none" : known))")
            throw ExitCode(1)
        }
        let chatbotDefinition: ChatbotDefinition
        if let chatbot {
            guard let found = target.chatbots.first(where: { $0.id.rawValue == chatbot }) else {
                let known = target.chatbots.map(\.id.rawValue).joined(separator: ", ")
                StandardError.print("import-legacy: tenant '\(tenant)' has no chatbot '\(chatbot)' (its chatbots: \(known.isEmpty ? "none" : known))")
                throw ExitCode(1)
            }
            chatbotDefinition = found
        } else {
            guard let first = target.chatbots.first else {
                StandardError.print("import-legacy: tenant '\(tenant)' has no chatbot; add one to tenants.yaml (messages belong to a chatbot's conversations)")
                throw ExitCode(1)
            }
            chatbotDefinition = first
        }

        let databaseLocation = global.databaseLocation
        let style: ProgressStyle = progress == .auto ? (isatty(STDOUT_FILENO) == 1 ? .bar : .plain) : progress
        do {
            try await LegacyDatabases.withDatabase(from, logger: logger) { source in
                let stores = try await StoreOpener.open(databaseLocation, environment: global.environment, logger: logger)
                do {
                    try await LocalHost.prepareSchema(stores.lifecycle)
                    try await stores.directory.syncDirectory(snapshot.tenants)
                    print(
                        "Importing \(source.location) into tenant '\(target.id)' (chatbot \(chatbotDefinition.id)) of \(StoreOpener.redacted(databaseLocation))"
                    )
                    let importer = LegacyImporter(
                        source: source, store: stores.legacyImport, tenantID: target.id, chatbotID: chatbotDefinition.id, batchSize: batchSize, logger: logger
                    )
                    var display = ProgressDisplay(style: style)
                    let summary: LegacyImporter.Summary
                    do {
                        summary = try await importer.run { display.show($0) }
                        display.finish()
                    } catch {
                        display.finish()
                        throw error
                    }
                    for warning in summary.warnings { StandardError.print("warning: \(warning)") }
                    print(summary.line)
                    fflush(nil)
                    try await stores.lifecycle.shutdown()
                } catch {
                    try? await stores.lifecycle.shutdown()
                    throw error
                }
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            StandardError.print("import-legacy: \(error)")
            throw ExitCode(1)
        }
    }
}

/// Shows import progress: a bar redrawn in place per table, or one plain line per batch.
private struct ProgressDisplay {
    let style: ImportLegacyCommand.ProgressStyle
    private var current: LegacyImporter.Table?
    private static let width = 30

    init(style: ImportLegacyCommand.ProgressStyle) {
        self.style = style
    }

    mutating func show(_ progress: LegacyImporter.Progress) {
        let total = max(progress.total, progress.done)
        let counts = "\(progress.done)/\(total)"
        let label = progress.table.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
        switch style {
        case .bar, .auto:
            if let current, current != progress.table { print("") }
            current = progress.table
            let filled = total == 0 ? Self.width : progress.done * Self.width / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: Self.width - filled)
            print("\r\(label) [\(bar)] \(counts)", terminator: "")
            fflush(nil)
        case .plain:
            // Each batch, and a table with nothing in it once.
            guard progress.done > 0 || progress.total == 0 else { return }
            print("\(progress.table.rawValue): \(counts)")
        }
    }

    /// Ends the bar's line.
    mutating func finish() {
        if current != nil {
            print("")
            current = nil
        }
        fflush(nil)
    }
}
