import Foundation
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// The Actions Center and live takeover transitions (`ActionRules`, `TakeoverRules`) without a
/// database: admission of a request, allowed decisions, and the events each transition records.
@Suite struct ActionRulesTests {
    static let created = Date(timeIntervalSince1970: 1_800_000_000)

    static func draft(amount: Double? = 25) -> ActionDraft {
        ActionDraft(
            tenantID: TenantID("t1"), chatbotID: ChatbotID("bot"), contactID: ContactID(7), requestType: "discount_approval", details: "25% off",
            requestedAmount: amount, priority: .high, context: ActionContext(), createdAt: created, expiresAt: created.addingTimeInterval(3600)
        )
    }

    static func record(status: ActionStatus, amount: Double? = 25, resolvedBy: String? = nil, autoApproveSimilar: Bool = false) -> ActionRecord {
        ActionRecord(
            id: 42, tenantID: TenantID("t1"), chatbotID: ChatbotID("bot"), contactID: ContactID(7), requestType: "discount_approval", details: "25% off",
            context: ActionContext(), requestedAmount: amount, priority: .high, status: status, response: nil, autoApproveSimilar: autoApproveSimilar,
            autoApproved: false, createdAt: created, expiresAt: nil, resolvedAt: nil, resolvedBy: resolvedBy
        )
    }

    @Test func theDailyLimitRefusesTheRequestThatWouldPassIt() {
        #expect(!ActionRules.isOverDailyLimit(created: 4, limit: 5))
        #expect(ActionRules.isOverDailyLimit(created: 5, limit: 5))
        #expect(!ActionRules.isOverDailyLimit(created: 1_000, limit: nil))
    }

    @Test func aCoveredRequestIsApprovedResolvedAndAnsweredAtOnce() {
        let admission = ActionRules.admission(of: Self.draft(), coveredBy: ActionRules.CoveringApproval(id: 9, response: "yes, 25% is fine"))
        #expect(admission.status == .approved && admission.autoApproved)
        #expect(admission.response == "yes, 25% is fine")
        #expect(admission.resolvedBy == "auto_approve_similar:9")
        #expect(admission.resolvedAt == Self.created && admission.deliveredAt == Self.created)
        let pending = ActionRules.admission(of: Self.draft(), coveredBy: nil)
        #expect(pending.status == .pending && !pending.autoApproved && pending.resolvedAt == nil && pending.deliveredAt == nil)
        #expect(ActionRules.creation(Self.record(status: .approved), coveredBy: ActionRules.CoveringApproval(id: 9, response: nil)) == .autoApproved(Self.record(status: .approved), rule: 9))
    }

    @Test func aDecisionApprovesOrDeniesAndOnlyAnApprovalCoversLaterRequests() throws {
        let approve = ActionDecision(status: .approved, response: nil, autoApproveSimilar: true, resolvedBy: "api_key:ops", at: Self.created)
        let deny = ActionDecision(status: .denied, response: nil, autoApproveSimilar: true, resolvedBy: "api_key:ops", at: Self.created)
        try ActionRules.validate(approve)
        try ActionRules.validate(deny)
        #expect(throws: ActionRuleError.self) {
            try ActionRules.validate(ActionDecision(status: .expired, response: nil, autoApproveSimilar: false, resolvedBy: "x", at: Self.created))
        }
        #expect(ActionRules.coversSimilar(approve))
        #expect(!ActionRules.coversSimilar(deny), "a denial with the flag set covers nothing")
    }

    @Test func eventsNameTheTransitionAndItsFacts() {
        let created = ActionRules.createdEvent(Self.record(status: .approved, amount: 12.5), coveredBy: ActionRules.CoveringApproval(id: 9, response: nil))
        #expect(created.type == "action.created")
        #expect(created.data["requested_amount"] == "12.5" && created.data["auto_approved_by"] == "9" && created.data["status"] == "approved")
        #expect(ActionRules.createdEvent(Self.record(status: .pending, amount: 25), coveredBy: nil).data["requested_amount"] == "25")
        #expect(ActionRules.createdEvent(Self.record(status: .pending, amount: nil), coveredBy: nil).data["requested_amount"] == nil)
        let expired = ActionRules.resolvedEvent(Self.record(status: .expired, resolvedBy: ActionRules.expiryResolver), at: Self.created)
        #expect(expired.type == "action.expired" && expired.data["resolved_by"] == "expiry")
        let resolved = ActionRules.resolvedEvent(Self.record(status: .approved, resolvedBy: "api_key:ops", autoApproveSimilar: true), at: Self.created)
        #expect(resolved.type == "action.resolved" && resolved.data["auto_approve_similar"] == "true")
    }

    @Test func takeoverEventsCarryTheTakeoverAndWhoStartedIt() {
        let record = TakeoverRecord(id: 3, tenantID: TenantID("t1"), chatbotID: ChatbotID("bot"), contactID: ContactID(7), startedBy: "api_key:ops", startedAt: Self.created, releasedAt: nil)
        let started = TakeoverRules.startedEvent(record, at: Self.created)
        #expect(started.type == "takeover.started" && started.data == ["takeover_id": "3", "started_by": "api_key:ops"])
        #expect(TakeoverRules.releasedEvent(record, at: Self.created).data == ["takeover_id": "3"])
        #expect(TakeoverRules.startUsage.liveTakeovers == 1)
    }
}
