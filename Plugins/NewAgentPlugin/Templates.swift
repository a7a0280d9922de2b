/// The files `new-agent` writes. Raw strings: `\#(...)` is filled in by the plugin, `\(...)`
/// stays as written in the generated Swift code.
enum Templates {
    static func agentSource(_ name: AgentName) -> String {
        #"""
        import SwiftRepliesCore

        /// The `\#(name.snake)` agent module (scaffolded by `swift package new-agent \#(name.snake)`; edit freely).
        ///
        /// An agent file selects it with `module: \#(name.snake)` (see `agents/\#(name.snake).yaml`). The runtime
        /// builds one instance per agent file that uses it, when the configuration is loaded or the
        /// agent file changes, and calls `respond(to:)` once per turn. Keep no per-conversation state
        /// here: everything about the conversation is in the `Turn`.
        ///
        /// It answers, in this order:
        /// 1. an operator's decision on an earlier request (a turn whose `trigger` is
        ///    `.actionResolved`, sent by the Actions Center): the outcome, in plain words;
        /// 2. a customer asking for a person (the agent file's `escalation.human_keywords`): a short
        ///    reply and an `EscalationRequest` of type `human_handoff`, which the `actions_center`
        ///    middleware records for an operator (or, when it cannot take requests now, a reply
        ///    that says so);
        /// 3. a greeting ("hi", "bonjour", "marhaba", ...): the agent file's `greeting`;
        /// 4. a question its knowledge base answers: the answer of the best hit the `knowledge_base`
        ///    middleware found (`turn.context.knowledgeHits`), when its score reaches
        ///    `settings.min_score` (default 1.5);
        /// 5. anything else: the agent file's `fallback`, never an invented answer.
        ///
        /// Each answer carries an `intent` (`action.approved`, `human_handoff`, `greeting`,
        /// `faq:<entry id>`, `fallback`, ...) for logs, analytics and tests.
        public struct \#(name.typeName): AgentModule {
            /// The agent file, parsed.
            public let definition: AgentDefinition
            /// The score a knowledge base hit needs to be used as the answer.
            let minimumScore: Double
            /// `escalation.human_keywords`, as token sequences.
            let humanPhrases: [[String]]

            /// Words that make a message a greeting when it has no others.
            static let greetingWords: Set<String> = [
                "hi", "hello", "hey", "hiya", "good", "morning", "afternoon", "evening", "there",
                "bonjour", "bonsoir", "salut", "coucou", "marhaba", "marhaban", "ahlan", "salam", "مرحبا", "اهلا", "سلام", "عليكم",
            ]

            /// Builds the module for one agent file (the factory registered in `CustomAgentList.swift`).
            public init(context: AgentBuildContext) {
                definition = context.definition
                minimumScore = context.definition.settings["min_score"]?.numberValue ?? 1.5
                humanPhrases = context.definition.escalation.humanKeywords.map(TextNormalizer.tokens).filter { !$0.isEmpty }
            }

            /// This module reads only the new messages, so it asks for no history (a database read
            /// saved per turn). Return a number (the default is 20) to get `turn.history`.
            public var historyLimit: Int { 0 }

            /// Answers one turn. `turn.text` holds the customer's new message(s); `turn.context`
            /// what the middleware listed in the agent file added: `knowledgeHits`, `instructions`
            /// (an operator's active instructions for this conversation) and `notes`. Throwing makes
            /// the runtime send the agent's fallback.
            public func respond(to turn: Turn) async throws -> AgentResponse {
                if case .actionResolved(let resolution) = turn.trigger {
                    return answer(resolution)
                }
                let words = TextNormalizer.tokens(turn.text)
                // Only emoji or punctuation ("👍"): nothing to answer.
                guard !words.isEmpty else { return .silent(intent: "empty") }

                if humanPhrases.contains(where: { Self.contains($0, in: words) }) {
                    turn.logger.info("customer asks for a person")
                    if turn.context.notes[ActionsCenterNotes.availability] != nil {
                        // The Actions Center cannot take a request now (feature off, or the daily limit reached).
                        return AgentResponse(messages: ["Our team can't take requests from this chat right now. Please try again later."], intent: "human_handoff.unavailable")
                    }
                    return AgentResponse(
                        messages: ["I'm asking a member of our team to take over; they will reply here shortly."],
                        escalation: EscalationRequest(requestType: "human_handoff", details: "Customer asks for a person: \"\(turn.text)\"", priority: .high),
                        intent: "human_handoff"
                    )
                }
                if words.allSatisfy(Self.greetingWords.contains) {
                    return AgentResponse(messages: [definition.greeting.isEmpty ? "Hello! How can I help you?" : definition.greeting], intent: "greeting")
                }
                if let best = turn.context.knowledgeHits.first, best.score >= minimumScore {
                    return AgentResponse(messages: [best.entry.answer], intent: "faq:\(best.entry.id)")
                }
                return AgentResponse(messages: [definition.fallback], intent: "fallback")
            }

            /// Tells the customer what an operator decided on an earlier escalation.
            func answer(_ resolution: ActionResolution) -> AgentResponse {
                let outcome: String
                switch resolution.outcome {
                case .approved: outcome = "Good news: our team approved your request."
                case .denied: outcome = "Sorry, our team could not approve your request."
                case .expired: outcome = "Sorry, our team could not look at your request in time. Please ask again."
                }
                let note = resolution.response.map { " \($0)" } ?? ""
                return AgentResponse(messages: [outcome + note], intent: "action.\(resolution.outcome.rawValue)")
            }

            /// Whether `phrase` appears in `words` as consecutive words.
            static func contains(_ phrase: [String], in words: [String]) -> Bool {
                guard !phrase.isEmpty, phrase.count <= words.count else { return false }
                return (0...(words.count - phrase.count)).contains { start in Array(words[start..<(start + phrase.count)]) == phrase }
            }
        }

        """#
    }

    static func agentYAML(_ name: AgentName) -> String {
        #"""
        # The \#(name.snake) agent: the `\#(name.snake)` module (Sources/SwiftRepliesCustomAgents/\#(name.typeName).swift)
        # with its data. Scaffolded by `swift package new-agent \#(name.snake)`; edit freely. While
        # `swiftreplies serve` runs, saving this file reloads the agent (no restart). The keys are
        # described in docs/configuration.md and docs/writing-an-agent.md.
        id: \#(name.snake)
        module: \#(name.snake)
        name: \#(name.title)
        persona: "A friendly assistant that answers from its knowledge base and hands over to a person when asked."
        greeting: "Hello! I'm \#(name.title). Ask me about our opening hours, delivery or payment."
        fallback: "Sorry, I don't know that yet. A member of our team will reply here soon."
        knowledge_base:
          - id: opening_hours
            category: general
            question: "When are you open?"
            answer: "We are open Monday to Saturday, 9 AM to 6 PM."
            examples: ["opening hours", "what time do you open", "are you open on sunday", "vous êtes ouverts quand ?"]
          - id: delivery
            category: shipping
            question: "Do you deliver?"
            answer: "Yes, we deliver everywhere in Lebanon within 1 to 3 working days; delivery costs 3 USD."
            examples: ["delivery time", "do you ship to tripoli", "how long does delivery take", "livraison"]
          - id: payment
            category: payment
            question: "How can I pay?"
            answer: "You can pay cash on delivery, or in advance by Whish Money or OMT."
            examples: ["payment methods", "can i pay cash", "do you accept cards", "paiement"]
        # Outermost first, as the seed agents: usage limits see every reply; a human's takeover
        # silences the bot; the Actions Center records what the module may not decide alone;
        # then the operator's instructions and the knowledge base search feed the module.
        middleware:
          - usage_limits
          - live_takeover
          - actions_center
          - conversation_instructions
          - knowledge_base
        escalation:
          human_keywords: ["human", "real person", "speak to someone", "customer service", "quelqu'un"]
          # How long an operator has to decide on a request before it expires.
          action_ttl_minutes: 60
        settings:
          # The knowledge base score a hit needs to be used as the answer.
          min_score: 1.5

        """#
    }

    static func test(_ name: AgentName) -> String {
        #"""
        import SwiftRepliesCore
        import SwiftRepliesTesting
        import Testing

        /// The `\#(name.snake)` module through the real configuration loader, middleware and store
        /// (scaffolded by `swift package new-agent \#(name.snake)`). It plays agents/\#(name.snake).yaml
        /// alone, as the chatbot `test-bot`.
        @Suite struct \#(name.typeName)Tests {
            static let agentFile = RepositoryPaths.agentsDirectory.appendingPathComponent("\#(name.snake).yaml").path

            @Test func greetsAnswersHandsOverAndFallsBack() async throws {
                let script = ConversationScript()
                    .send("hello").expect(.intent("greeting"), .contains("\#(name.title)"))
                    .send("when are you open?").expect(.intent("faq:opening_hours"), .contains("9 AM"))
                    .send("how long does delivery take?").expect(.intent("faq:delivery"), .knowledgeHit(id: "delivery"))
                    .send("I want to speak to someone").expect(.escalation(type: "human_handoff"), .actionCreated(type: "human_handoff"))
                    .operatorDecides(.approved).expect(.actionResolved(outcome: "approved"), .contains("approved"))
                    .send("what is the meaning of life?").expect(.intent("fallback"), .noEscalation)
                try await AgentTestKit.with(agentFile: Self.agentFile) { kit in
                    try await kit.run(script)
                }
            }

            @Test func seesTheOperatorsInstructionsUntilTheyExpire() async throws {
                let script = ConversationScript()
                    .instruct("offer free delivery", expiresIn: .seconds(3600))
                    .send("hi").expect(.instruction(containing: "free delivery"))
                    .advanceClock(by: .seconds(2 * 3600))
                    .send("hi again").expect(.noInstructions)
                try await AgentTestKit.with(agentFile: Self.agentFile) { kit in
                    try await kit.run(script)
                }
            }
        }

        """#
    }
}
