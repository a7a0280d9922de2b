import Synchronization
import SwiftRepliesCore
import SwiftRepliesRuntime

/// Keeps the last turn each agent was called with, per chatbot and customer, so a test can check
/// what the agent saw (instructions, knowledge base hits, history), not only what it answered.
final class TurnRecorder: Sendable {
    private let turns = Mutex<[String: Turn]>([:])

    static func key(chatbot: ChatbotID, phone: PhoneNumber) -> String { "\(chatbot.rawValue)|\(phone.digits)" }

    func record(_ turn: Turn) {
        let key = Self.key(chatbot: turn.chatbot.id, phone: turn.contact.phone)
        turns.withLock { $0[key] = turn }
    }

    /// The turn recorded for the conversation since the last call, removing it.
    func take(chatbot: ChatbotID, phone: PhoneNumber) -> Turn? {
        let key = Self.key(chatbot: chatbot, phone: phone)
        return turns.withLock { $0.removeValue(forKey: key) }
    }

    /// `registries` with every agent module wrapped so that its turns are recorded here. The
    /// modules' names, factories and answers are unchanged.
    func wrapping(_ registries: ModuleRegistries) -> ModuleRegistries {
        var wrapped = registries
        let original = registries.agents
        for name in original.names {
            wrapped.agents.register(name) { [self] context in
                RecordingAgent(inner: try original.makeAgent(context), recorder: self)
            }
        }
        return wrapped
    }
}

/// An agent module that records each turn, then lets the real module answer it.
struct RecordingAgent: AgentModule {
    let inner: any AgentModule
    let recorder: TurnRecorder

    var historyLimit: Int { inner.historyLimit }

    func respond(to turn: Turn) async throws -> AgentResponse {
        recorder.record(turn)
        return try await inner.respond(to: turn)
    }
}
