import ArgumentParser
import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesEval
import SwiftRepliesRuntime

/// `swiftreplies eval record --chatbot <id> --contact <number> [--output FILE]`: writes a stored
/// conversation as a scenario file, the customer's turns with what the bot did as expectations.
struct EvalRecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Write a stored conversation as a scenario file, to edit into a regression test."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The chatbot id (from tenants.yaml).")
    var chatbot: String

    @Option(help: "The customer's phone number.")
    var contact: String

    @Option(help: "The file to write (default: standard output).")
    var output: String?

    func run() async throws {
        LoggingSetup.bootstrap(defaultLevel: .warning)
        let logger = Logger(label: "swiftreplies.eval")
        guard let phone = PhoneNumber(normalizing: contact) else {
            StandardError.print("--contact: '\(contact)' is not a phone number (international format, e.g. +961 70 123 456)")
            throw ExitCode(1)
        }
        let snapshot = try global.loadSnapshot(registries: .builtIn(), printWarnings: false)
        guard let definition = snapshot.chatbot(ChatbotID(chatbot)) else {
            StandardError.print("unknown chatbot '\(chatbot)'")
            throw ExitCode(1)
        }
        let stores = try await StoreOpener.open(global.databaseLocation, environment: global.environment, logger: logger)
        let text: String
        do {
            text = try await EvalRecorder(contacts: stores.contacts, actions: stores.actions).scenario(chatbot: definition, phone: phone)
            try await stores.lifecycle.shutdown()
        } catch let error as EvalRecorder.NothingToRecord {
            try? await stores.lifecycle.shutdown()
            StandardError.print(error.description)
            throw ExitCode(1)
        } catch {
            try? await stores.lifecycle.shutdown()
            throw error
        }
        if let output {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
            StandardError.print("wrote \(output)")
        } else {
            print(text, terminator: "")
        }
    }
}
