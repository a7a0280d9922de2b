import ArgumentParser
import SwiftRepliesRuntime

/// `swiftreplies validate [--strict]`: checks the configuration, listing every error.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check tenants.yaml and agents/*.yaml; exit 1 with every error listed."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Treat unset ${VAR} secrets as errors instead of warnings.")
    var strict = false

    func run() async throws {
        LoggingSetup.bootstrap(defaultLevel: .warning)
        let snapshot = try global.loadSnapshot(registries: .builtIn(), strict: strict)
        let chatbots = snapshot.chatbots
        let disabled = snapshot.disabledChannels.count
        print(
            "configuration OK: \(snapshot.tenants.count) tenants, \(chatbots.count) chatbots, \(snapshot.agents.count) agents, "
                + "\(snapshot.routing.count) numbers\(disabled > 0 ? ", \(disabled) channels disabled" : "")"
        )
    }
}
