import Foundation

/// Where an Actions Center request stands.
public enum ActionStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case pending, approved, denied, expired
}

/// One line of the conversation excerpt an action carries for the operator.
public struct ExcerptLine: Sendable, Hashable, Codable {
    /// `customer`, `bot` or `human`.
    public var from: String
    public var text: String
    public var at: Date

    public init(from: String, text: String, at: Date) {
        self.from = from
        self.text = text
        self.at = at
    }
}

/// What an action knows beyond its summary: the agent's facts (product, sku, ...) and the end
/// of the conversation. Stored as JSON in `actions.context_data`.
public struct ActionContext: Sendable, Hashable, Codable {
    public var facts: [String: String]
    public var conversation: [ExcerptLine]

    public init(facts: [String: String] = [:], conversation: [ExcerptLine] = []) {
        self.facts = facts
        self.conversation = conversation
    }

    /// The JSON stored in `context_data` (sorted keys, ISO 8601 dates).
    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads `context_data`; an empty or foreign JSON object gives an empty context.
    public static func decoded(_ json: String) -> ActionContext {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode(ActionContext.self, from: Data(json.utf8))) ?? ActionContext()
    }
}

/// A request to record in the Actions Center.
public struct ActionDraft: Sendable, Hashable {
    public var tenantID: TenantID
    public var chatbotID: ChatbotID
    public var contactID: ContactID
    public var requestType: String
    public var details: String
    public var requestedAmount: Double?
    public var priority: ActionPriority
    public var context: ActionContext
    public var createdAt: Date
    /// When it expires unless someone decides (the agent's `action_ttl_minutes`).
    public var expiresAt: Date?

    public init(
        tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID, requestType: String, details: String, requestedAmount: Double?,
        priority: ActionPriority, context: ActionContext, createdAt: Date, expiresAt: Date?
    ) {
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.contactID = contactID
        self.requestType = requestType
        self.details = details
        self.requestedAmount = requestedAmount
        self.priority = priority
        self.context = context
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A stored Actions Center request.
public struct ActionRecord: Sendable, Hashable {
    public var id: Int64
    public var tenantID: TenantID
    public var chatbotID: ChatbotID
    public var contactID: ContactID
    public var requestType: String
    public var details: String
    public var context: ActionContext
    public var requestedAmount: Double?
    public var priority: ActionPriority
    public var status: ActionStatus
    /// What the operator answered (optional).
    public var response: String?
    /// Later requests of the same type and no larger amount approve themselves.
    public var autoApproveSimilar: Bool
    /// It was approved by an earlier approval with `auto_approve_similar`, not by a person.
    public var autoApproved: Bool
    public var createdAt: Date
    public var expiresAt: Date?
    public var resolvedAt: Date?
    /// Who decided: `api_key:<name>`, `auto_approve_similar:<action id>`, `expiry`.
    public var resolvedBy: String?
    /// When the customer was told the outcome (the resolution turn committed).
    public var deliveredAt: Date?

    public init(
        id: Int64, tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID, requestType: String, details: String, context: ActionContext,
        requestedAmount: Double?, priority: ActionPriority, status: ActionStatus, response: String?, autoApproveSimilar: Bool, autoApproved: Bool,
        createdAt: Date, expiresAt: Date?, resolvedAt: Date?, resolvedBy: String?, deliveredAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.contactID = contactID
        self.requestType = requestType
        self.details = details
        self.context = context
        self.requestedAmount = requestedAmount
        self.priority = priority
        self.status = status
        self.response = response
        self.autoApproveSimilar = autoApproveSimilar
        self.autoApproved = autoApproved
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
        self.deliveredAt = deliveredAt
    }

    /// The conversation the action belongs to.
    public var conversation: ConversationKey { ConversationKey(tenantID: tenantID, chatbotID: chatbotID, contactID: contactID) }

    /// The decision as the agent receives it, for a resolved or expired action.
    public var resolution: ActionResolution? {
        let outcome: ActionResolution.Outcome
        switch status {
        case .pending: return nil
        case .approved: outcome = .approved
        case .denied: outcome = .denied
        case .expired: outcome = .expired
        }
        return ActionResolution(actionID: id, requestType: requestType, outcome: outcome, response: response, requestedAmount: requestedAmount)
    }
}

/// The outcome of `ActionStore.createAction`.
public enum ActionCreation: Sendable, Hashable {
    /// Waiting for a person.
    case pending(ActionRecord)
    /// Approved at once by an earlier approval with `auto_approve_similar` (`rule` is its id).
    case autoApproved(ActionRecord, rule: Int64)
    /// The tenant's `max_actions_per_day` is reached: nothing was stored.
    case dailyLimitReached(limit: Int)
}

/// A person's decision on a pending action.
public struct ActionDecision: Sendable, Hashable {
    /// `.approved` or `.denied`.
    public var status: ActionStatus
    public var response: String?
    public var autoApproveSimilar: Bool
    /// Who decided (`api_key:<name>`).
    public var resolvedBy: String
    public var at: Date

    public init(status: ActionStatus, response: String?, autoApproveSimilar: Bool, resolvedBy: String, at: Date) {
        self.status = status
        self.response = response
        self.autoApproveSimilar = autoApproveSimilar
        self.resolvedBy = resolvedBy
        self.at = at
    }
}

/// The outcome of `ActionStore.resolveAction`.
public enum ActionResolveResult: Sendable, Hashable {
    case resolved(ActionRecord)
    /// It was no longer pending (decided or expired before): nothing changed.
    case alreadyResolved(ActionRecord)
    /// The tenant has no such action.
    case notFound
}
