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
}
