import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SwiftRepliesConfig
import SwiftRepliesRuntime
import SwiftRepliesServer

/// `swiftreplies serve`: the webhook server and API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the webhook server and API (port 8000; PORT).")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Address to listen on.")
    var host: String = "0.0.0.0"

    @Option(help: "Port to listen on (default 8000, or PORT).")
    var port: Int?

    @Flag(name: .customLong("no-watch"), help: "Do not reload the configuration when its files change (SIGHUP and POST /admin/reload still do).")
    var noWatch = false

    func run() async throws {
        LoggingSetup.bootstrap(defaultLevel: .info)
        let environment = global.environment
        let resolvedPort = port ?? environment["PORT"].flatMap(Int.init) ?? 8000
        let configuration = ServerConfiguration(
            configDirectory: global.configDirectory, database: global.databaseLocation, host: host, port: resolvedPort,
            environment: environment, logger: Logger(label: "swiftreplies"), prometheus: MetricsBootstrap.prometheus(),
            watchConfiguration: !noWatch
        )
        let app: any ApplicationProtocol
        do {
            app = try await buildApplication(configuration)
        } catch let error as ConfigError {
            for diagnostic in error.diagnostics { StandardError.print(diagnostic.description) }
            StandardError.print("serve: the configuration has \(error.errors.count) error(s); nothing started")
            throw ExitCode(1)
        }
        try await app.runService()
    }
}
