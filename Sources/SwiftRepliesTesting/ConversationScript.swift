import Foundation
import SwiftRepliesCore

/// A conversation to play against a bot (Bot Framework `TestAdapter` style): customer messages,
/// each with what the bot must answer, and the operator's and the clock's moves in between.
///
/// ```swift
/// ConversationScript()
///     .instruct("offer free delivery", expiresIn: .seconds(3600))
///     .send("hi").expect(.intent("greeting"), .instruction(containing: "free delivery"))
///     .advanceClock(by: .seconds(7200))
///     .send("hi again").expect(.noInstructions)
/// ```
///
/// `AgentTestKit.run` plays it in-process; `LiveScriptRunner.run` plays its customer messages
/// against a running `serve` over signed webhooks.
public struct ConversationScript: Sendable {
    /// One step of a script.
    public struct Step: Sendable {
        /// What the step does.
        public enum Action: Sendable {
            /// The customer sends this text.
            case customerMessage(String)
            /// An operator adds a conversation instruction, expiring after the duration (never when `nil`).
            case addInstruction(text: String, expiresIn: Duration?)
            /// The test clock moves forward.
            case advanceClock(Duration)
            /// Anything else an operator or the environment does (approve an Actions Center
            /// request, take the conversation over, ...): see `ConversationScript.perform`.
            case operation(ScriptOperation)
        }

        public var action: Action
        /// What the answer to this step must satisfy (message steps and operations that run a turn).
        public var expectations: [ReplyExpectation]

        public init(action: Action, expectations: [ReplyExpectation] = []) {
            self.action = action
            self.expectations = expectations
        }

        /// The customer's text, for a message step.
        public var text: String? {
            if case .customerMessage(let text) = action { return text }
            return nil
        }

        /// A short label for failure messages.
        public var label: String {
            switch action {
            case .customerMessage(let text): return text
            case .addInstruction(let text, _): return "instruction: \(text)"
            case .advanceClock(let duration): return "clock +\(duration)"
            case .operation(let operation): return operation.name
            }
        }
    }

    public private(set) var steps: [Step] = []

    public init() {}

    /// Adds a customer message.
    public func send(_ text: String) -> ConversationScript {
        appending(Step(action: .customerMessage(text)))
    }

    /// Adds expectations on the answer to the previous step (a message, or an operation that runs a turn).
    public func expect(_ expectations: ReplyExpectation...) -> ConversationScript {
        var copy = self
        guard !copy.steps.isEmpty else { return copy }
        copy.steps[copy.steps.count - 1].expectations += expectations
        return copy
    }

    /// An operator adds an instruction to this conversation, at the test clock's time; it expires
    /// `expiresIn` later (never when `nil`). The next turns' agents see it in
    /// `turn.context.instructions` while it is active (the agent needs the
    /// `conversation_instructions` middleware).
    public func instruct(_ text: String, expiresIn: Duration? = nil) -> ConversationScript {
        appending(Step(action: .addInstruction(text: text, expiresIn: expiresIn)))
    }

    /// Moves the test clock forward: later messages arrive, and turns start, that much later.
    public func advanceClock(by duration: Duration) -> ConversationScript {
        appending(Step(action: .advanceClock(duration)))
    }

    /// Extension point: a step the kit does not know, such as an operator approving an Actions
    /// Center request or taking the conversation over. `body` gets the running conversation and
    /// returns the reply of the turn it caused, if any, which the following `expect(...)` checks.
    public func perform(_ name: String, _ body: @escaping @Sendable (ScriptContext) async throws -> TurnReply?) -> ConversationScript {
        appending(Step(action: .operation(ScriptOperation(name: name, body: body))))
    }

    private func appending(_ step: Step) -> ConversationScript {
        var copy = self
        copy.steps.append(step)
        return copy
    }
}

/// A named step that runs custom code during a script (see `ConversationScript.perform`).
public struct ScriptOperation: Sendable {
    public var name: String
    public var body: @Sendable (ScriptContext) async throws -> TurnReply?

    public init(name: String, body: @escaping @Sendable (ScriptContext) async throws -> TurnReply?) {
        self.name = name
        self.body = body
    }
}

/// What a custom script step can use: the kit, the conversation being played and its key.
public struct ScriptContext: Sendable {
    public var kit: AgentTestKit
    public var conversation: TestConversation
    /// The conversation's tenant, chatbot and contact, as stored.
    public var key: ConversationKey
}
