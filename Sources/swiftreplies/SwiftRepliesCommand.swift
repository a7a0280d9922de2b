import ArgumentParser

/// `swiftreplies`: the SwiftReplies host.
@main
struct SwiftRepliesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftreplies",
        abstract: "WhatsApp sales and support agents for many businesses from one host.",
        subcommands: [ServeCommand.self, ValidateCommand.self, ChatCommand.self, EvalCommand.self, MigrateCommand.self, KeysCommand.self, ImportLegacyCommand.self]
    )
}
