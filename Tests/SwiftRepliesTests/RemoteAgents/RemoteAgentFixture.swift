import Crypto
import Foundation
import Hummingbird
import SwiftRepliesCore

/// Turns, agent definitions and a signature check for the `http` and `llm` module tests.
enum RemoteAgentFixture {
    static let persona = "You are Lina, the cheerful adviser of ECLA teeth whitening."
    static let fallback = "Our assistant is unavailable right now; a team member will reply soon."
    static let knowledgeAnswer = "Delivery takes 2 to 3 working days anywhere in Lebanon."
    static let instruction = "Offer this customer free delivery on any order."

    static let catalogue = [
        Product(sku: "ECLA-KIT-01", name: "ECLA Teeth Whitening Kit", price: 49, currency: "USD", description: "LED kit with 3 gel syringes"),
        Product(sku: "ECLA-STR-28", name: "ECLA Whitening Strips", price: 25, currency: "USD", description: "28 strips"),
    ]

    /// An agent definition of `module` with `settings`.
    static func definition(module: String, settings: [String: ConfigValue]) -> AgentDefinition {
        AgentDefinition(
            id: "remote_agent", module: module, name: "Lina", persona: persona, greeting: "Hi! Welcome to ECLA.", fallback: "Sorry, I don't know.",
            currency: "USD", catalogue: catalogue,
            knowledgeBase: [KnowledgeEntry(id: "delivery", category: "shipping", question: "How long does delivery take?", answer: knowledgeAnswer)],
            escalation: EscalationPolicy(maxDiscountPercent: 10, humanKeywords: ["agent", "human"]), settings: .map(settings))
    }

    /// A turn as middleware leave it: one new message, some history, a knowledge hit and an
    /// active (and an expired) instruction.
    static func turn(agent: AgentDefinition, text: String = "How long is delivery? And can I get 25% off the kit?") -> Turn {
        let now = Date()
        let tenant = TenantDefinition(
            id: "swiftreplies", name: "SwiftReplies (ECLA)", subscription: Subscription(plan: "unlimited", limits: .unlimited, features: FeatureFlags(enabled: [])),
            chatbots: [])
        let chatbot = ChatbotDefinition(id: "ecla-main", tenantID: "swiftreplies", name: "main bot", agentID: agent.id, channels: [])
        let contact = Contact(id: ContactID(7), tenantID: "swiftreplies", phone: PhoneNumber(normalizing: "+96170000001")!, name: "Rami")
        let history = [
            ConversationMessage(id: MessageID(1), direction: .inbound, kind: .text, text: "Hello", createdAt: now.addingTimeInterval(-120)),
            ConversationMessage(id: MessageID(2), direction: .outbound, kind: .text, text: "Hi! Welcome to ECLA.", createdAt: now.addingTimeInterval(-119)),
        ]
        let message = ConversationMessage(id: MessageID(3), direction: .inbound, kind: .text, text: text, createdAt: now)
        let context = TurnContext(
            knowledgeHits: [KnowledgeHit(entry: agent.knowledgeBase[0], score: 5.2)],
            instructions: [
                ConversationInstruction(id: 11, tenantID: "swiftreplies", chatbotID: "ecla-main", contactID: ContactID(7), text: instruction, expiresAt: now.addingTimeInterval(3600), createdAt: now),
                ConversationInstruction(id: 12, tenantID: "swiftreplies", chatbotID: "ecla-main", contactID: ContactID(7), text: "An expired instruction", expiresAt: now.addingTimeInterval(-60), createdAt: now.addingTimeInterval(-7200)),
            ])
        return Turn(tenant: tenant, chatbot: chatbot, agent: agent, contact: contact, messages: [message], history: history, context: context, configRevision: 4, startedAt: now)
    }

    /// The documented check a remote agent server makes, written here independently of the
    /// module: HMAC-SHA256 over "<timestamp>.<body>", hex, compared in constant time, and a
    /// timestamp within five minutes.
    static func remoteAccepts(_ request: FakeProviderServer.Received, secret: String) -> Bool {
        guard let timestamp = request.headers["x-swiftreplies-timestamp"], let seconds = Double(timestamp),
            abs(Date().timeIntervalSince1970 - seconds) <= 300,
            let signature = request.headers["x-swiftreplies-signature"], signature.hasPrefix("sha256=")
        else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + request.body, using: SymmetricKey(data: Array(secret.utf8)))
        let expected = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        return expected.utf8.count == signature.utf8.count && zip(expected.utf8, signature.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The request body as a JSON object.
    static func json(_ request: FakeProviderServer.Received) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
    }

    /// A Hummingbird JSON response from a JSON-compatible value.
    static func reply(_ object: Any) -> Response { reply(.ok, object) }

    /// A Hummingbird JSON response with `status`.
    static func reply(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return FakeProviderServer.json(status, String(decoding: data, as: UTF8.self))
    }
}

/// Counts calls across concurrent handlers.
actor CallCounter {
    private(set) var count = 0
    /// Counts one call and returns its 1-based number.
    func next() -> Int {
        count += 1
        return count
    }
}
