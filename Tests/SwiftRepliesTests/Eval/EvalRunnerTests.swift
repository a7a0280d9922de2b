import Foundation
import SwiftRepliesEval
import Testing

/// `eval` end to end: a scenario folder through the shipped configuration, the real pipeline and
/// a throwaway SQLite file; then the command itself, with `--list` and `--min-score`.
@Suite(.enabled(if: CommandLineTool.executable != nil, "swiftreplies is not built next to the tests; run `swift build` first"))
struct EvalRunnerTests {
    static let folder = RepositoryPaths.fixtures.appendingPathComponent("eval").path

    @Test func runsAScenarioFolderThroughThePipeline() async throws {
        let files = try EvalScenarioParser().parse(path: Self.folder)
        let report = try await EvalRunner(configDirectory: RepositoryPaths.configDirectory).run(files)
        #expect(report.results.count == 4)
        #expect(report.results.map(\.contentPassed) == [true, true, false, true], "\(report.rendered())")
        let failure = try #require(report.results[2].failures.first)
        #expect(failure.expected == "replies containing \"999 USD\"")
        #expect(failure.actual.contains("49 USD"), "the actual reply is shown: \(failure.actual)")
        #expect(report.total.contentPassed == 3)
        #expect(report.total.languagePassed == 4, "\(report.rendered())")
    }

    @Test func theCommandListsCasesAndFailsBelowTheMinimumScore() async throws {
        let listed = try await CommandLineTool.run(["eval", "--list", Self.folder])
        #expect(listed.status == 0, "\(listed)")
        let lines = listed.stdout.split(separator: "\n")
        #expect(lines.count == 5, "\(listed.stdout)")
        #expect(lines.first?.hasSuffix("basic.yaml:3: price of the kit [en, 1 turn]") == true, "\(listed.stdout)")
        #expect(lines.last == "4 cases")

        let run = try await CommandLineTool.run(["eval", Self.folder, "--config-dir", RepositoryPaths.configDirectory, "--min-score", "0.9"])
        #expect(run.status == 1, "\(run)")
        #expect(run.stdout.contains("expected: replies containing \"999 USD\""), "\(run.stdout)")
        #expect(run.stdout.contains("total: content 75.0% (3/4), language 100.0% (4/4), 4 cases"), "\(run.stdout)")
        #expect(run.stderr.contains("below the minimum score 90.0%"), "\(run.stderr)")

        let passing = try await CommandLineTool.run(["eval", Self.folder, "--config-dir", RepositoryPaths.configDirectory, "--min-score", "75", "--quiet"])
        #expect(passing.status == 0, "\(passing)")
        #expect(!passing.stdout.contains("FAIL"), "\(passing.stdout)")
    }

    /// A stored conversation becomes a scenario file that passes against the same bot.
    @Test func recordTurnsAStoredConversationIntoAScenarioThatPasses() async throws {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-eval-record")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestDatabase.withServerTestDatabase { database in
            let common = ["--database", database.location, "--config-dir", RepositoryPaths.configDirectory]
            let chat = try await CommandLineTool.run(
                ["chat", "--chatbot", "ecla-main", "--from", "+96170111222"] + common,
                input: "combien le kit ?\n2 svp\nle kit est arrivé cassé, remboursez moi\n", workingDirectory: directory)
            #expect(chat.status == 0, "\(chat)")
            let file = directory.appendingPathComponent("recorded.yaml").path
            let record = try await CommandLineTool.run(
                ["eval", "record", "--chatbot", "ecla-main", "--contact", "+961 70 111 222", "--output", file] + common, workingDirectory: directory)
            #expect(record.status == 0, "\(record)")
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.contains("      - say: \"combien le kit ?\"\n        expect: {contains: [\"49 USD\""), "\(text)")
            #expect(text.contains("language: fr"), "\(text)")
            #expect(text.hasSuffix("    after: {action: refund}\n"), "\(text)")
            let files = try EvalScenarioParser().parse(path: file)
            #expect(files.first?.cases.first?.turnCount == 3)
            let rerun = try await CommandLineTool.run(["eval", file, "--min-score", "1"] + common.suffix(2), workingDirectory: directory)
            #expect(rerun.status == 0, "\(rerun)")

            let unknown = try await CommandLineTool.run(["eval", "record", "--chatbot", "ecla-main", "--contact", "+96170999999"] + common, workingDirectory: directory)
            #expect(unknown.status == 1 && unknown.stderr.contains("no contact +96170999999"), "\(unknown)")
        }
    }
}
