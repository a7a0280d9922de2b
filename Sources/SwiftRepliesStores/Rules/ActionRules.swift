import Foundation
import SwiftRepliesCore

/// The Actions Center's transitions, the same on every backend: what a new request becomes,
/// which decisions are allowed, and the events each transition records.
///
/// - A request over the tenant's daily limit is refused (`isOverDailyLimit`).
/// - A request that an earlier approval with `auto_approve_similar` covers (same type, an amount
///   at least as large, or no amount on both) is approved at once, resolved and answered in the
///   turn that made it (`admission(of:coveredBy:)`); any other starts `pending`.
/// - A decision approves or denies (`validate(_:)`); only an approval can cover later requests.
/// - A pending request past its expiry becomes `expired`, resolved by `expiryResolver`.
enum ActionRules {
    /// Who resolves an expired request.
    static let expiryResolver = "expiry"

    /// An earlier approval that covers a new request: its id and its response.
    struct CoveringApproval: Sendable, Equatable {
        var id: Int64
        var response: String?
    }

    /// How a new request is stored.
    struct Admission: Sendable, Equatable {
        var status: ActionStatus
        var response: String?
        var autoApproved: Bool
        var resolvedAt: Date?
        var resolvedBy: String?
        /// An auto-approved request is answered in the turn that made it.
        var deliveredAt: Date?
    }

    /// Whether a tenant that created `created` requests today may not create another.
    static func isOverDailyLimit(created: Int, limit: Int?) -> Bool {
        guard let limit else { return false }
        return created >= limit
    }

    /// What `draft` becomes, given the approval that covers it, if any.
    static func admission(of draft: ActionDraft, coveredBy approval: CoveringApproval?) -> Admission {
        guard let approval else {
            return Admission(status: .pending, response: nil, autoApproved: false, resolvedAt: nil, resolvedBy: nil, deliveredAt: nil)
        }
        return Admission(
            status: .approved, response: approval.response, autoApproved: true, resolvedAt: draft.createdAt,
            resolvedBy: "auto_approve_similar:\(approval.id)", deliveredAt: draft.createdAt
        )
    }

    /// The creation's result, for the record stored.
    static func creation(_ record: ActionRecord, coveredBy approval: CoveringApproval?) -> ActionCreation {
        if let approval { return .autoApproved(record, rule: approval.id) }
        return .pending(record)
    }

    /// Refuses a decision that neither approves nor denies.
    static func validate(_ decision: ActionDecision) throws {
        guard decision.status == .approved || decision.status == .denied else { throw ActionRuleError.notADecision(decision.status) }
    }

    /// Whether the resolved request covers later similar ones: only an approval can.
    static func coversSimilar(_ decision: ActionDecision) -> Bool {
        decision.status == .approved && decision.autoApproveSimilar
    }

    /// The `action.created` event of a stored request.
    static func createdEvent(_ record: ActionRecord, coveredBy approval: CoveringApproval?) -> AnalyticsEventDraft {
        var data = ["action_id": "\(record.id)", "request_type": record.requestType, "priority": record.priority.rawValue, "status": record.status.rawValue]
        if let amount = record.requestedAmount { data["requested_amount"] = amountText(amount) }
        if let approval { data["auto_approved_by"] = "\(approval.id)" }
        return AnalyticsEventDraft(
            tenantID: record.tenantID, chatbotID: record.chatbotID, contactID: record.contactID, type: "action.created", data: data, at: record.createdAt
        )
    }

    /// The `action.resolved` (or `action.expired`) event of a request that was just resolved.
    static func resolvedEvent(_ record: ActionRecord, at date: Date) -> AnalyticsEventDraft {
        var data = ["action_id": "\(record.id)", "request_type": record.requestType, "status": record.status.rawValue]
        if let resolvedBy = record.resolvedBy { data["resolved_by"] = resolvedBy }
        if record.autoApproveSimilar { data["auto_approve_similar"] = "true" }
        return AnalyticsEventDraft(
            tenantID: record.tenantID, chatbotID: record.chatbotID, contactID: record.contactID,
            type: record.status == .expired ? "action.expired" : "action.resolved", data: data, at: date
        )
    }

    /// `25` for whole amounts, `12.5` otherwise.
    static func amountText(_ amount: Double) -> String {
        amount == amount.rounded() && abs(amount) < 1e15 ? String(Int64(amount)) : String(amount)
    }
}

/// A transition the Actions Center does not allow.
enum ActionRuleError: Error, CustomStringConvertible {
    /// A decision must approve or deny.
    case notADecision(ActionStatus)

    var description: String {
        switch self {
        case .notADecision(let status): "a decision approves or denies, not \(status.rawValue)"
        }
    }
}
