import ArgumentParser

/// `swiftreplies serve`: the webhook server and API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the webhook server and API.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        throw ValidationError("serve is not available yet")
    }
}
