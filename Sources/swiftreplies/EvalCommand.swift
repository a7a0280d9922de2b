import ArgumentParser
import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesEval
import SwiftRepliesRuntime

/// `swiftreplies eval`: `eval <file or folder> [--min-score S] [--list]` runs scenario files
/// (`EvalRunCommand`, the default); `eval record` writes one from a stored conversation.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run scenario files through the full pipeline in a throwaway database; record one from a stored conversation.",
        subcommands: [EvalRunCommand.self, EvalRecordCommand.self],
        defaultSubcommand: EvalRunCommand.self
    )
}

/// `swiftreplies eval <file or folder> [--min-score S] [--list]`: runs scenario files through
/// the real pipeline in a throwaway SQLite database and prints failures and scores.
struct EvalRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenario files through the full pipeline in a throwaway database; print failures and scores.",
        discussion: "Exits 1 when the content or the language score is below --min-score (0.97 or 97 both mean 97 %)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A scenario file (.yaml) or a folder of them.")
    var path: String

    @Option(name: .customLong("min-score"), help: "The lowest content and language score that passes (0...1, or a percentage).")
    var minScore: Double?

    @Flag(help: "Print one line per case and the number of cases; run nothing.")
    var list = false

    @Flag(help: "Print the scores only, not each failure.")
    var quiet = false

    func run() async throws {
        LoggingSetup.bootstrap(defaultLevel: .error)
        let files: [EvalFile]
        do {
            files = try EvalScenarioParser().parse(path: path)
        } catch let error as EvalParseError {
            for message in error.messages { StandardError.print(message) }
            throw ExitCode(1)
        }
        if list {
            var count = 0
            for file in files {
                for evalCase in file.cases {
                    count += 1
                    let turns = evalCase.turnCount
                    print("\(file.path):\(evalCase.line): \(evalCase.name) [\(evalCase.language ?? "-"), \(turns) turn\(turns == 1 ? "" : "s")]")
                }
            }
            print("\(count) cases")
            return
        }
        let registries = ModuleRegistries.builtIn().applying(HostSwitches(environment: global.environment))
        // Loaded here first so that a broken configuration prints every error, as `chat` does.
        _ = try global.loadSnapshot(registries: registries, printWarnings: false)
        let runner = EvalRunner(configDirectory: global.configDirectory, registries: registries, environment: global.environment, logger: Logger(label: "swiftreplies.eval"))
        let report: EvalReport
        do {
            report = try await runner.run(files)
        } catch let error as EvalRunner.ChatbotNotFound {
            StandardError.print(error.description)
            throw ExitCode(1)
        }
        print(report.rendered(showFailures: !quiet))
        if let minScore {
            let threshold = minScore > 1 ? minScore / 100 : minScore
            let total = report.total
            if total.content < threshold || total.language < threshold {
                StandardError.print("eval: below the minimum score \(String(format: "%.1f%%", threshold * 100)): \(total.description)")
                throw ExitCode(1)
            }
        }
    }
}
