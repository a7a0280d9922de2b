import Foundation

/// One case: a customer's turns with what each reply must satisfy, then what the store holds.
public struct EvalCase: Sendable, Hashable {
    public var name: String
    /// The language the customer writes (`en`, `fr`, `ar`, `arabizi`), when the case says; the
    /// replies must then be in it unless a turn says otherwise.
    public var language: String?
    public var steps: [EvalStep]
    /// Checks on what the case left in the store (Actions Center requests, takeover) and on the
    /// conversation's last order intent.
    public var after: [EvalCheck]
    /// Where the case starts in its file (1-based line), for messages.
    public var line: Int

    public init(name: String, language: String? = nil, steps: [EvalStep], after: [EvalCheck] = [], line: Int = 0) {
        self.name = name
        self.language = language
        self.steps = steps
        self.after = after
        self.line = line
    }

    /// The number of customer turns.
    public var turnCount: Int { steps.filter { if case .say = $0.action { return true } else { return false } }.count }
}

/// One step of a case.
public struct EvalStep: Sendable, Hashable {
    /// What the step does.
    public enum Action: Sendable, Hashable {
        /// The customer sends this text.
        case say(String)
        /// An operator adds a conversation instruction first.
        case instruct(String)
    }

    public var action: Action
    /// What the reply to a `say` step must satisfy.
    public var checks: [EvalCheck]

    public init(action: Action, checks: [EvalCheck] = []) {
        self.action = action
        self.checks = checks
    }
}
