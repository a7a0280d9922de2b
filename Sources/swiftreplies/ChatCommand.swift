import ArgumentParser
import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime

/// `swiftreplies chat --chatbot <id> [--from <number>]`: talk to a chatbot in the terminal
/// through the same pipeline and store as production. Reads piped standard input line by line.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat", abstract: "Talk to a chatbot through the full pipeline; every turn is stored."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The chatbot id (from tenants.yaml).")
    var chatbot: String

    @Option(help: "The customer's phone number.")
    var from: String = "+96170000000"

    @Option(help: "The customer's name.")
    var name: String?

    func run() async throws {
        LoggingSetup.bootstrap(defaultLevel: .warning)
        let logger = Logger(label: "swiftreplies.chat")
        guard let phone = PhoneNumber(normalizing: from) else {
            StandardError.print("--from: '\(from)' is not a phone number (international format, e.g. +961 70 123 456)")
            throw ExitCode(1)
        }
        // ENABLE_USAGE_TRACKING / ENABLE_ACTIONS_CENTER apply in chat as in serve.
        let registries = ModuleRegistries.builtIn().applying(HostSwitches(environment: global.environment))
        let snapshot = try global.loadSnapshot(registries: registries, printWarnings: false)
        let stores = try await StoreOpener.open(global.databaseLocation, environment: global.environment, logger: logger)
        do {
            let host = try await LocalHost.start(snapshot: snapshot, stores: stores, registries: registries, logger: logger)
            let conversation: LocalConversation
            do {
                conversation = try host.conversation(chatbotID: ChatbotID(chatbot), from: phone, name: name)
            } catch {
                StandardError.print("\(error)")
                throw ExitCode(1)
            }
            let interactive = isatty(STDIN_FILENO) == 1
            if interactive {
                print("Talking to \(conversation.chatbot.name) (\(conversation.chatbot.id)) as \(phone.e164). Ctrl-D to quit.")
            }
            while true {
                if interactive {
                    print("you> ", terminator: "")
                    fflush(nil)
                }
                guard let line = readLine(strippingNewline: true) else { break }
                let text = line.trimmingCharactersInWhitespace()
                if text.isEmpty { continue }
                let result = try await conversation.send(text)
                let label = interactive ? "bot> " : ""
                if result.response.messages.isEmpty {
                    print("\(label)(no reply: \(result.response.intent ?? result.response.stoppedBy ?? "silent"))")
                }
                for message in result.response.messages { print(label + message) }
                if let escalation = result.response.escalation {
                    print("\(interactive ? "     " : "")[escalation requested: \(escalation.requestType), \(escalation.details)]")
                }
                if let order = result.response.orderIntent {
                    let lines = order.lines.map { "\($0.quantity) × \($0.sku)" }.joined(separator: ", ")
                    print("\(interactive ? "     " : "")[order intent: \(lines)]")
                }
                fflush(nil)
            }
            try await stores.lifecycle.shutdown()
        } catch {
            try? await stores.lifecycle.shutdown()
            throw error
        }
    }
}
