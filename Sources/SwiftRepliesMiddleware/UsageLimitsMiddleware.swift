import Foundation
import SwiftRepliesCore
import Synchronization

/// `usage_limits`: counts every tenant's messages (received and sent, per UTC day and month)
/// and enforces its subscription before anything is sent.
///
/// - Daily and monthly message limits: once a limit is reached the bot sends nothing more (the
///   customer's messages are still stored); what it would have sent is counted as overage; the
///   first refusal of a day or month records one `usage.limit_exceeded` event. A turn's
///   replies beyond the limit are cut.
/// - `max_chatbots`: a tenant's chatbots past the limit (in `tenants.yaml` order) do not answer.
/// - `max_contacts`: customers past the limit (in the order they first wrote) get no answer.
/// - The `unlimited` plan (no limits) is counted, never stopped.
///
/// Put it first in the chain, so that it sees every reply the other middleware add.
public struct UsageLimitsMiddleware: TurnMiddleware {
    public let name = "usage_limits"
    let usage: any UsageStore
    let contacts: any ContactStore
    /// The highest contact id known to be within `max_contacts`, per tenant (contacts are never
    /// renumbered, so one below it needs no query).
    private let contactsWithinLimit = ContactLimitCache()

    public init(usage: any UsageStore, contacts: any ContactStore) {
        self.usage = usage
        self.contacts = contacts
    }

    public func handle(_ turn: Turn, next: TurnHandler) async throws -> AgentResponse {
        let tenant = turn.tenant
        let limits = tenant.subscription.limits
        let now = turn.startedAt

        if let maxChatbots = limits.maxChatbots, let position = tenant.chatbots.firstIndex(where: { $0.id == turn.chatbot.id }), position >= maxChatbots {
            turn.logger.error(
                "chatbot is beyond the tenant's max_chatbots: it does not answer (raise the limit or remove a chatbot from tenants.yaml)",
                metadata: ["limit": "\(maxChatbots)"]
            )
            return .silent(stoppedBy: name, intent: "limit.max_chatbots")
        }
        if let maxContacts = limits.maxContacts, !contactsWithinLimit.covers(tenant.id, turn.contact.id) {
            let position = try await contacts.contactPosition(tenantID: tenant.id, id: turn.contact.id)
            if position > maxContacts {
                turn.logger.error("contact is beyond the tenant's max_contacts: no answer", metadata: ["limit": "\(maxContacts)", "position": "\(position)"])
                return .silent(stoppedBy: name, intent: "limit.max_contacts")
            }
            contactsWithinLimit.note(tenant.id, turn.contact.id)
        }

        let received = turn.messages.count
        if limits.dailyMessages != nil || limits.monthlyMessages != nil {
            let counted = try await usage.usage(tenantID: tenant.id, at: now)
            let dayFull = limits.dailyMessages.map { counted.day.messagesSent >= $0 } ?? false
            let monthFull = limits.monthlyMessages.map { counted.month.messagesSent >= $0 } ?? false
            if dayFull || monthFull {
                let outcome = try await meter(turn, received: received, wanted: 0, withheld: 1)
                turn.logger.notice(
                    "message limit reached: the bot stays quiet",
                    metadata: ["period": "\(dayFull ? "day" : "month")", "newly_exceeded": "\(outcome.newlyExceeded.map(\.rawValue))"]
                )
                return .silent(stoppedBy: name, intent: "usage.limit_reached")
            }
        }

        var response = try await next(turn)
        guard received > 0 || !response.messages.isEmpty else { return response }
        if limits.dailyMessages == nil && limits.monthlyMessages == nil {
            // Nothing to decide: the turn's commit counts the messages, in its own transaction.
            response.metering = metering(turn, received: received, wanted: response.messages.count, withheld: 0)
            return response
        }
        let outcome = try await meter(turn, received: received, wanted: response.messages.count, withheld: 0)
        if outcome.allowedSends < response.messages.count {
            turn.logger.notice(
                "message limit reached: replies cut", metadata: ["sent": "\(outcome.allowedSends)", "withheld": "\(response.messages.count - outcome.allowedSends)"]
            )
            response.messages = Array(response.messages.prefix(outcome.allowedSends))
        }
        return response
    }

    private func meter(_ turn: Turn, received: Int, wanted: Int, withheld: Int) async throws -> MeterOutcome {
        try await usage.meterMessages(metering(turn, received: received, wanted: wanted, withheld: withheld))
    }

    private func metering(_ turn: Turn, received: Int, wanted: Int, withheld: Int) -> MessageMetering {
        let limits = turn.tenant.subscription.limits
        return MessageMetering(
            tenantID: turn.tenant.id, chatbotID: turn.chatbot.id, contactID: turn.contact.id, received: received, wantedSends: wanted,
            withheld: withheld, dailyLimit: limits.dailyMessages, monthlyLimit: limits.monthlyMessages, at: turn.startedAt
        )
    }
}

/// Per tenant, the highest contact id known to be within `max_contacts`.
final class ContactLimitCache: Sendable {
    private let highest = Mutex<[TenantID: ContactID]>([:])

    func covers(_ tenant: TenantID, _ contact: ContactID) -> Bool {
        highest.withLock { $0[tenant].map { contact.rawValue <= $0.rawValue } ?? false }
    }

    func note(_ tenant: TenantID, _ contact: ContactID) {
        highest.withLock { highest in
            if highest[tenant].map({ contact.rawValue > $0.rawValue }) ?? true { highest[tenant] = contact }
        }
    }
}
