import Foundation

/// One scenario file of `swiftreplies eval`: the chatbot it talks to and its cases.
///
/// ```yaml
/// chatbot: ecla-main            # optional: or `agent:`, or the folder named after the agent
/// cases:
///   - name: price of the kit, in French
///     language: fr              # the customer's language; every reply must be in it
///     turns:
///       - say: "slt c combien le kit?"
///         expect: {contains: ["49"], intent: price}
///     after: {no_action: true}  # what the store holds once the case has run
/// ```
public struct EvalFile: Sendable, Hashable {
    /// The file's path as given (for messages).
    public var path: String
    /// The chatbot the cases talk to, when the file names one.
    public var chatbot: String?
    /// The agent whose chatbot the cases talk to, when the file names one instead.
    public var agent: String?
    public var cases: [EvalCase]

    public init(path: String, chatbot: String? = nil, agent: String? = nil, cases: [EvalCase]) {
        self.path = path
        self.chatbot = chatbot
        self.agent = agent
        self.cases = cases
    }
}
