import Foundation

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
