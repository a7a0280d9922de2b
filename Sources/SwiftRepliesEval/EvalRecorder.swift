import Foundation
import SwiftRepliesCore

/// Turns a stored conversation into a scenario file (`swiftreplies eval record`): the
/// customer's turns, and what the bot did as expectations for a person to edit (the facts of
/// each reply: its amounts and numbers; its language; the Actions Center requests the
/// conversation left).
public struct EvalRecorder: Sendable {
    /// Where the contact and its messages are found.
    public let contacts: any ContactStore
    /// Where the conversation's Actions Center requests are found.
    public let actions: any ActionStore

    public init(contacts: any ContactStore, actions: any ActionStore) {
        self.contacts = contacts
        self.actions = actions
    }

    /// The contact is not in the tenant, or has no messages with the chatbot.
    public struct NothingToRecord: Error, CustomStringConvertible {
        public var description: String
    }

    /// The scenario file's text for `phone`'s conversation with `chatbot` (its last `limit` messages).
    public func scenario(chatbot: ChatbotDefinition, phone: PhoneNumber, limit: Int = 200) async throws -> String {
        let found = try await contacts.contactRecords(tenantID: chatbot.tenantID, filter: ContactFilter(phoneDigits: phone.digits, limit: 20))
        guard let contact = found.first(where: { $0.phone == phone }) else {
            throw NothingToRecord(description: "no contact +\(phone.digits) in tenant '\(chatbot.tenantID.rawValue)'")
        }
        let messages = try await contacts.messages(tenantID: chatbot.tenantID, contactID: contact.id, limit: limit).filter { $0.chatbotID == chatbot.id }
        let turns = Self.turns(messages)
        guard !turns.isEmpty else {
            throw NothingToRecord(description: "+\(phone.digits) has no customer message with chatbot '\(chatbot.id.rawValue)'")
        }
        let requests = try await actions.actions(tenantID: chatbot.tenantID, status: nil, limit: 500, offset: 0)
            .filter { $0.contactID == contact.id && $0.chatbotID == chatbot.id }.map(\.requestType)
        return Self.render(chatbot: chatbot.id.rawValue, phone: phone, turns: turns, actions: requests)
    }

    /// A customer turn (consecutive customer messages joined, as the debounce joins them) and
    /// the bot's replies to it (a person's replies and holding messages left out).
    struct RecordedTurn: Equatable {
        var said: String
        var replies: [String]
    }

    static func turns(_ messages: [StoredMessage]) -> [RecordedTurn] {
        var turns: [RecordedTurn] = []
        var repliedTo = true
        for message in messages {
            guard let text = message.text, !text.isEmpty else { continue }
            if message.direction == .inbound {
                if repliedTo || turns.isEmpty {
                    turns.append(RecordedTurn(said: text, replies: []))
                } else {
                    turns[turns.count - 1].said += "\n" + text
                }
                repliedTo = false
            } else if !message.isFromHuman, message.purpose != .holding, !turns.isEmpty {
                turns[turns.count - 1].replies.append(text)
                repliedTo = true
            }
        }
        return turns
    }

    static func render(chatbot: String, phone: PhoneNumber, turns: [RecordedTurn], actions: [String]) -> String {
        var lines = [
            "# Recorded from +\(phone.digits)'s conversation with \(chatbot) by `swiftreplies eval record`.",
            "# Each turn expects the facts and the language of what the bot answered then: edit them",
            "# into what it should answer, then run `swiftreplies eval` on this file.",
            "chatbot: \(chatbot)",
            "cases:",
            "  - name: \(quoted("conversation with +\(phone.digits)"))",
            "    turns:",
        ]
        for turn in turns {
            for reply in turn.replies { lines.append("      # bot: \(reply.replacingNewlines())") }
            lines.append("      - say: \(quoted(turn.said))")
            guard !turn.replies.isEmpty else {
                lines.append("        expect: {silent: true}")
                continue
            }
            let text = turn.replies.joined(separator: "\n")
            var expect: [String] = []
            let facts = Self.facts(in: text)
            if !facts.isEmpty { expect.append("contains: [\(facts.map(quoted).joined(separator: ", "))]") }
            expect.append("language: \(ReplyLanguageDetector.detect(text))")
            lines.append("        expect: {\(expect.joined(separator: ", "))}")
        }
        if let action = actions.first {
            lines.append("    after: {action: \(action)}")
        } else {
            lines.append("    after: {action: none}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Amounts (`49 USD`) and other numbers of a reply, at most three, in order.
    static func facts(in text: String) -> [String] {
        var facts: [String] = []
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { $0.trimmingCharacters(in: .punctuationCharacters) }
        var index = 0
        while index < words.count, facts.count < 3 {
            let word = words[index]
            if !word.isEmpty, word.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }), word.contains(where: \.isNumber) {
                let next = index + 1 < words.count ? words[index + 1] : ""
                let fact = next.count == 3 && next.allSatisfy({ $0.isUppercase }) ? "\(word) \(next)" : word
                if !facts.contains(fact) { facts.append(fact) }
            }
            index += 1
        }
        return facts
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result + "\""
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " / ")
    }
}
