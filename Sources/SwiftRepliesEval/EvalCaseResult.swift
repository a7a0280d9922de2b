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
