import Foundation
import Logging
import Metrics
import SwiftRepliesConfig
import SwiftRepliesCore

/// Runs turns: builds the turn from stored messages and the configuration in force, runs the
/// agent's pipeline, and commits the outcome (inbound processed, replies into the outbox)
/// atomically. Shared by `serve`, `chat` and the test kit, so all three run the same code.
public struct ConversationEngine: Sendable {
    /// What a finished turn produced.
    public struct TurnResult: Sendable {
        public var response: AgentResponse
        /// The replies as stored in the outbox, in order (empty when the turn was already done).
        public var outbox: [OutboxEntry]
        public var durationMilliseconds: Int
        public var configRevision: Int
    }

    /// A turn that cannot run.
    public struct TurnError: Error, CustomStringConvertible {
        public var description: String
    }

    public let turns: any TurnStore
    /// Where a resolution turn finds its contact.
    public let contacts: any ContactStore
    public let logger: Logger
    /// How many earlier messages a turn carries.
    public var historyLimit: Int
    /// The turns' metric handles, per tenant.
    private let metrics = TurnMetrics()

    public init(turns: any TurnStore, contacts: any ContactStore, logger: Logger, historyLimit: Int = 20) {
        self.turns = turns
        self.contacts = contacts
        self.logger = logger
        self.historyLimit = historyLimit
    }

    /// Runs one turn for `inbound` (messages of one conversation, oldest first) on `state`.
    /// `leaseHolder`'s conversation lease, when given, ends with the commit of the turn; `facts`
    /// are what the store already read about the conversation.
    public func runTurn(
        _ inbound: [StoredInbound], state: RuntimeState, now: Date = Date(), releasingLeaseOf leaseHolder: String? = nil,
        facts: ConversationFacts? = nil
    ) async throws -> TurnResult {
        guard let first = inbound.first else { throw TurnError(description: "a turn needs at least one message") }
        let conversation = first.conversation
        guard inbound.allSatisfy({ $0.conversation == conversation }) else {
            throw TurnError(description: "messages of one turn must belong to one conversation")
        }
        let clock = ContinuousClock.now
        var logger = self.logger
        // One assignment: log handlers may render metadata on every change. The values are
        // rendered only when a line is written (most turns write none at the production level).
        logger.handler.metadata.merge(
            [
                "tenant.id": .stringConvertible(conversation.tenantID), "chatbot.id": .stringConvertible(conversation.chatbotID),
                "contact.id": .stringConvertible(conversation.contactID), "message.id": .stringConvertible(inbound.map(\.id.rawValue)),
            ]
        ) { $1 }

        let snapshot = state.snapshot
        let response: AgentResponse
        let aiProcessed: Bool
        if let tenant = snapshot.tenant(conversation.tenantID), let chatbot = snapshot.chatbot(conversation.chatbotID),
            let agent = snapshot.agent(chatbot.agentID), let pipeline = state.pipelines[chatbot.agentID]
        {
            if inbound.contains(where: \.answerable) {
                let contact = Contact(
                    id: conversation.contactID, tenantID: conversation.tenantID, phone: first.contactPhone,
                    name: inbound.last(where: { $0.contactName != nil })?.contactName
                )
                let wanted = min(historyLimit, pipeline.agent.historyLimit)
                let history = wanted > 0 ? try await turns.history(conversation, before: first.id, limit: wanted) : []
                let messages = inbound.map {
                    ConversationMessage(id: $0.id, direction: .inbound, kind: $0.kind, text: $0.answerable ? $0.text : nil, createdAt: $0.receivedAt)
                }
                let turn = Turn(
                    tenant: tenant, chatbot: chatbot, agent: agent, contact: contact, messages: messages, history: history,
                    configRevision: snapshot.revision, startedAt: now, logger: logger, facts: facts
                )
                do {
                    response = try await pipeline.run(turn)
                } catch {
                    logger.error("agent failed, sending the fallback", metadata: ["error": "\(error)"])
                    response = AgentResponse(messages: [agent.fallback], intent: "error")
                }
                aiProcessed = response.stoppedBy == nil
            } else {
                response = .silent(intent: "not_answerable")
                aiProcessed = false
            }
        } else {
            logger.warning("chatbot is no longer configured; the message is kept unanswered")
            response = .silent(intent: "unconfigured")
            aiProcessed = false
        }

        let elapsed = ContinuousClock.now - clock
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        var completion = TurnCompletion(
            conversation: conversation, inboundIDs: inbound.map(\.id), replies: response.messages, aiProcessed: aiProcessed,
            processingMilliseconds: milliseconds, intent: response.intent, configRevision: snapshot.revision, completedAt: Date(),
            // The replies go where the latest message came from: no look-up in the store.
            replyTo: inbound.last.map { ($0.contactPhone, $0.provider) }, releasingLeaseOf: leaseHolder
        )
        completion.meterings = response.metering.map { [$0] } ?? []
        let outbox = try await turns.completeTurn(completion)
        let tenant = conversation.tenantID.rawValue
        (response.messages.isEmpty ? metrics.silentTurns : metrics.answeredTurns)[tenant].increment()
        metrics.turnDuration[tenant].recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        if let escalation = response.escalation {
            logger.info("agent asks for a decision", metadata: ["request.type": "\(escalation.requestType)"])
        }
        logger.debug("turn finished", metadata: ["intent": "\(response.intent ?? "-")", "replies": "\(outbox.count)"])
        return TurnResult(response: response, outbox: outbox, durationMilliseconds: milliseconds, configRevision: snapshot.revision)
    }
}

/// The metrics of turns: `swiftreplies_turns_total{tenant, outcome}` and
/// `swiftreplies_turn_duration_seconds{tenant}`.
private final class TurnMetrics: Sendable {
    let answeredTurns = LabelledMetric { Counter(label: "swiftreplies_turns_total", dimensions: [("tenant", $0), ("outcome", "answered")]) }
    let silentTurns = LabelledMetric { Counter(label: "swiftreplies_turns_total", dimensions: [("tenant", $0), ("outcome", "silent")]) }
    let turnDuration = LabelledMetric { Metrics.Timer(label: "swiftreplies_turn_duration_seconds", dimensions: [("tenant", $0)]) }
}
