import Foundation

/// What went wrong in one check of a case.
public struct EvalFailure: Sendable, Hashable {
    /// The customer turn (1-based), or `nil` for a check of what the case left in the store.
    public var turn: Int?
    /// What the customer sent on that turn.
    public var sent: String?
    public var expected: String
    public var actual: String
    /// Whether the check was on the reply's language.
    public var isLanguage: Bool

    public init(turn: Int?, sent: String?, expected: String, actual: String, isLanguage: Bool) {
        self.turn = turn
        self.sent = sent
        self.expected = expected
        self.actual = actual
        self.isLanguage = isLanguage
    }
}

/// The outcome of one case.
public struct EvalCaseResult: Sendable, Hashable {
    public var file: String
    public var name: String
    public var line: Int
    /// The customer's language, when the case gives it.
    public var language: String?
    public var failures: [EvalFailure]
    /// Whether any reply's language was checked.
    public var checksLanguage: Bool

    public init(file: String, name: String, line: Int, language: String?, failures: [EvalFailure], checksLanguage: Bool) {
        self.file = file
        self.name = name
        self.line = line
        self.language = language
        self.failures = failures
        self.checksLanguage = checksLanguage
    }

    /// Every check other than language was met.
    public var contentPassed: Bool { !failures.contains { !$0.isLanguage } }
    /// Every language check was met.
    public var languagePassed: Bool { !failures.contains(where: \.isLanguage) }
}

/// Passed cases over cases, for content and for reply language.
public struct EvalScore: Sendable, Hashable {
    public var contentPassed = 0
    public var cases = 0
    public var languagePassed = 0
    public var languageCases = 0

    public init() {}

    mutating func add(_ result: EvalCaseResult) {
        cases += 1
        if result.contentPassed { contentPassed += 1 }
        if result.checksLanguage {
            languageCases += 1
            if result.languagePassed { languagePassed += 1 }
        }
    }

    /// 0...1; 1 when there is nothing to score.
    public var content: Double { cases == 0 ? 1 : Double(contentPassed) / Double(cases) }
    public var language: Double { languageCases == 0 ? 1 : Double(languagePassed) / Double(languageCases) }
    /// The lower of the two.
    public var overall: Double { min(content, language) }

    public var description: String {
        "content \(Self.percent(content)) (\(contentPassed)/\(cases)), language \(Self.percent(language)) (\(languagePassed)/\(languageCases))"
    }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
}

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
