import Foundation

/// The results of an eval run, with scores per file and per customer language.
public struct EvalReport: Sendable {
    public var results: [EvalCaseResult]

    public init(results: [EvalCaseResult]) {
        self.results = results
    }

    public var total: EvalScore { score(results) }

    /// Scores by file, in the order the files ran.
    public var byFile: [(file: String, score: EvalScore)] { grouped { $0.file } }

    /// Scores by the cases' customer language (`-` for cases that give none).
    public var byLanguage: [(language: String, score: EvalScore)] {
        grouped { $0.language ?? "-" }.sorted { $0.0 < $1.0 }.map { (language: $0.0, score: $0.1) }
    }

    private func grouped(_ key: (EvalCaseResult) -> String) -> [(String, EvalScore)] {
        var order: [String] = []
        var scores: [String: EvalScore] = [:]
        for result in results {
            let name = key(result)
            if scores[name] == nil { order.append(name) }
            scores[name, default: EvalScore()].add(result)
        }
        return order.map { ($0, scores[$0] ?? EvalScore()) }
    }

    private func score(_ results: [EvalCaseResult]) -> EvalScore {
        var score = EvalScore()
        for result in results { score.add(result) }
        return score
    }

    /// The report as `eval` prints it: each failure with expected and actual, then the scores.
    public func rendered(showFailures: Bool = true) -> String {
        var lines: [String] = []
        if showFailures {
            for result in results where !result.failures.isEmpty {
                lines.append("FAIL \(result.file):\(result.line): \(result.name)")
                for failure in result.failures {
                    let place = failure.turn.map { "turn \($0)" + (failure.sent.map { " \"\($0)\"" } ?? "") } ?? "after the case"
                    lines.append("  \(place)")
                    lines.append("    expected: \(failure.expected)")
                    lines.append("    actual:   \(failure.actual)")
                }
            }
            if !lines.isEmpty { lines.append("") }
        }
        for (file, score) in byFile { lines.append("\(file): \(score.description)") }
        lines.append("by language:")
        for (language, score) in byLanguage { lines.append("  \(language): \(score.description)") }
        lines.append("total: \(total.description), \(results.count) cases")
        return lines.joined(separator: "\n")
    }
}
