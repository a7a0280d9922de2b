import Foundation
import SwiftRepliesCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One request a fake provider received: where it was posted and its body.
public struct RecordedProviderRequest: Sendable, Hashable {
    public var path: String
    public var body: [UInt8]

    public init(path: String, body: [UInt8]) {
        self.path = path
        self.body = body
    }
}

/// A fake provider that records what `serve` sends it, so `LiveScriptRunner` can collect the
/// bot's replies. Point the Meta account's `base_url` (or `META_BASE_URL`) of the server under
/// test at it, answer its requests like the Graph API (`{"messages":[{"id":"..."}]}`), and make
/// it conform by returning everything it received, oldest first.
public protocol ProviderRequestRecorder: Sendable {
    /// Every request received so far, in order of arrival.
    func recordedRequests() async -> [RecordedProviderRequest]
}

/// The result of playing a script against a live server.
public struct LiveScriptRun: Sendable {
    /// The answer to every customer message, in order (texts only: `observedOverChannel`).
    public var replies: [TurnReply]
    /// Steps and expectations that cannot be checked over the channel (an intent, an
    /// escalation, an instruction, the clock ...), as `step N: ...` lines. Check those
    /// in-process with `AgentTestKit`.
    public var unchecked: [String]
}

/// Plays a `ConversationScript`'s customer messages against a running `swiftreplies serve` as a
/// WhatsApp customer would reach it: each message is a Meta Cloud API webhook signed with the
/// app secret (`X-Hub-Signature-256`) and POSTed to `/webhooks/meta`; the replies are the
/// messages `serve` sends to the Meta API, which must be a fake provider that records them.
///
/// After each message the runner waits until `/health` shows nothing pending (no message
/// waiting for its turn, no reply waiting to be sent), so the server under test should receive no
/// other traffic while a script runs. Over the channel only the replies' texts are visible:
/// text expectations and `silent` are checked, the others are listed in `LiveScriptRun.unchecked`,
/// and instruction, clock and custom steps are skipped (listed there too).
public struct LiveScriptRunner: Sendable {
    /// The server's base URL, e.g. `http://127.0.0.1:8000`.
    public var baseURL: URL
    /// The Meta account's app secret (`app_secret` in tenants.yaml).
    public var appSecret: String
    /// The chatbot's WhatsApp number, as configured.
    public var chatbotNumber: PhoneNumber
    /// The chatbot's Meta `phone_number_id`, as configured.
    public var phoneNumberID: String
    /// The fake provider the server sends its replies to.
    public var recorder: any ProviderRequestRecorder
    /// How long one message may take, from the webhook to its last reply sent.
    public var timeout: Duration

    /// A runner for one chatbot of a running server. Throws `ScriptError` when `chatbotNumber`
    /// is not a phone number.
    public init(
        baseURL: URL, appSecret: String, chatbotNumber: String, phoneNumberID: String, recorder: any ProviderRequestRecorder,
        timeout: Duration = .seconds(15)
    ) throws {
        guard let number = PhoneNumber(normalizing: chatbotNumber) else {
            throw ScriptError(description: "'\(chatbotNumber)' is not a phone number")
        }
        self.baseURL = baseURL
        self.appSecret = appSecret
        self.chatbotNumber = number
        self.phoneNumberID = phoneNumberID
        self.recorder = recorder
        self.timeout = timeout
    }

    /// Plays `script` as the customer `phone`; throws `ScriptFailures` listing every unmet
    /// expectation that could be checked, or `ScriptError` when the server does not accept a
    /// webhook or does not finish a turn in time.
    @discardableResult
    public func run(_ script: ConversationScript, from phone: String = "+96170000001", name: String = "Test Customer") async throws -> LiveScriptRun {
        guard let customer = PhoneNumber(normalizing: phone) else { throw ScriptError(description: "'\(phone)' is not a phone number") }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        var replies: [TurnReply] = []
        var unchecked: [String] = []
        var failures: [ScriptFailure] = []
        for (index, step) in script.steps.enumerated() {
            let number = index + 1
            guard case .customerMessage(let text) = step.action else {
                unchecked.append("step \(number): \(step.label) (skipped: not possible over the channel)")
                continue
            }
            let before = try await sentTexts(to: customer).count
            try await postWebhook(text: text, from: customer, name: name, session: session)
            try await waitUntilIdle(session: session, step: number)
            let texts = Array(try await sentTexts(to: customer).dropFirst(before))
            let reply = TurnReply(sent: text, response: AgentResponse(messages: texts), observedOverChannel: true)
            replies.append(reply)
            for expectation in step.expectations {
                switch expectation.check(reply) {
                case .met: break
                case .unobservable: unchecked.append("step \(number): \(expectation) (not visible over the channel)")
                case .unmet(let found):
                    failures.append(ScriptFailure(step: number, sent: text, expectation: expectation, replies: texts, intent: nil, found: found))
                }
            }
        }
        if !failures.isEmpty { throw ScriptFailures(failures: failures) }
        return LiveScriptRun(replies: replies, unchecked: unchecked)
    }

    /// The Meta Cloud API webhook of one customer text message to the chatbot.
    func webhookBody(text: String, from customer: PhoneNumber, name: String, messageID: String, at date: Date) throws -> [UInt8] {
        let payload: [String: Any] = [
            "object": "whatsapp_business_account",
            "entry": [
                [
                    "id": "live-script-runner",
                    "changes": [
                        [
                            "field": "messages",
                            "value": [
                                "messaging_product": "whatsapp",
                                "metadata": ["display_phone_number": chatbotNumber.digits, "phone_number_id": phoneNumberID],
                                "contacts": [["profile": ["name": name], "wa_id": customer.digits]],
                                "messages": [
                                    [
                                        "from": customer.digits, "id": messageID, "timestamp": String(Int(date.timeIntervalSince1970)), "type": "text",
                                        "text": ["body": text],
                                    ]
                                ],
                            ] as [String: Any],
                        ]
                    ],
                ] as [String: Any]
            ],
        ]
        return Array(try JSONSerialization.data(withJSONObject: payload))
    }

    private func postWebhook(text: String, from customer: PhoneNumber, name: String, session: URLSession) async throws {
        let body = try webhookBody(text: text, from: customer, name: name, messageID: "wamid.live-\(UUID().uuidString)", at: Date())
        var request = URLRequest(url: baseURL.appendingPathComponent("webhooks/meta"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(WebhookSigning.metaSignature(body: body, appSecret: appSecret), forHTTPHeaderField: "X-Hub-Signature-256")
        request.httpBody = Data(body)
        let (data, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw ScriptError(description: "POST /webhooks/meta answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
    }

    /// Waits until `/health` reports no message waiting for a turn and no reply waiting to be sent.
    private func waitUntilIdle(session: URLSession, step: Int) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            let (data, _) = try await session.data(for: URLRequest(url: baseURL.appendingPathComponent("health")))
            last = String(decoding: data, as: UTF8.self)
            if let health = try? JSONSerialization.jsonObject(with: data) as? [String: Any], Self.isIdle(health) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ScriptError(description: "step \(step): the server did not finish the turn within \(timeout); last /health: \(last)")
    }

    static func isIdle(_ health: [String: Any]) -> Bool {
        guard let queue = health["queue"] as? [String: Any], let outbox = health["outbox"] as? [String: Any] else { return false }
        let depths = [queue["pending"], queue["in_memory"], queue["running"], outbox["pending"], outbox["in_memory"]].map { ($0 as? NSNumber)?.intValue }
        return depths.allSatisfy { $0 == 0 }
    }

    /// The texts the server sent to `customer` through the Meta API so far, in order.
    private func sentTexts(to customer: PhoneNumber) async throws -> [String] {
        await recorder.recordedRequests().compactMap { request in
            guard request.path.hasSuffix("/messages"),
                let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                (json["to"] as? String).flatMap(PhoneNumber.init(normalizing:)) == customer,
                let text = json["text"] as? [String: Any], let body = text["body"] as? String
            else { return nil }
            return body
        }
    }
}
