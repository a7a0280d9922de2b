import Foundation
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// The turn-completion rules (`TurnCommitPlan`) without a database: which completions of a
/// batch commit, whose usage counts, and which replies are queued, in what order, to where.
@Suite struct TurnCommitPlanTests {
    static let tenant = TenantID("t1")
    static let date = Date(timeIntervalSince1970: 1_800_000_000)

    static func conversation(_ contact: Int64) -> ConversationKey {
        ConversationKey(tenantID: tenant, chatbotID: ChatbotID("bot"), contactID: ContactID(contact))
    }

    static func completion(
        _ contact: Int64, inbound: [Int64], replies: [String], replyTo: PhoneNumber? = nil, lease: String? = nil, metered: Int = 0
    ) -> TurnCompletion {
        var completion = TurnCompletion(
            conversation: conversation(contact), inboundIDs: inbound.map { MessageID($0) }, replies: replies, aiProcessed: true,
            processingMilliseconds: 5, intent: nil, configRevision: 1, completedAt: date, replyTo: replyTo.map { ($0, .meta) },
            releasingLeaseOf: lease
        )
        if metered > 0 {
            completion.meterings = [MessageMetering(tenantID: tenant, received: metered, wantedSends: replies.count, dailyLimit: nil, monthlyLimit: nil, at: date)]
        }
        return completion
    }

    @Test func aCompletionCommitsOnlyWhenItChangedOneOfItsMessagesOrNamesNone() {
        let batch = [
            Self.completion(1, inbound: [10, 11], replies: ["a"]),
            Self.completion(2, inbound: [20], replies: ["b"]),
            Self.completion(3, inbound: [], replies: ["resolution"]),
        ]
        let plan = TurnCommitPlan(batch)
        #expect(plan.inboundRows.map(\.id.rawValue) == [10, 11, 20])
        // 20 was processed already (another commit got there first); 11 is enough for the first.
        #expect(plan.committed(processed: [MessageID(11)]) == [0, 2])
    }

    @Test func twoCompletionsOfOneMessageQueueOneSetOfReplies() {
        let batch = [Self.completion(1, inbound: [10], replies: ["first"]), Self.completion(1, inbound: [10], replies: ["second"])]
        let plan = TurnCommitPlan(batch)
        #expect(plan.committed(processed: [MessageID(10)]) == [0])
    }

    @Test func onlyCommittedCompletionsCountTheirUsage() {
        let batch = [Self.completion(1, inbound: [10], replies: ["a"], metered: 1), Self.completion(2, inbound: [20], replies: ["b"], metered: 1)]
        let plan = TurnCommitPlan(batch)
        let committed = plan.committed(processed: [MessageID(20)])
        #expect(plan.meterings(of: committed).map(\.received) == [1])
        #expect(plan.meterings(of: committed).count == 1)
    }

    @Test func repliesAreDraftedInOrderToTheGivenTargetOrTheLookedUpOne() throws {
        let phone = PhoneNumber(canonical: "96170000001")
        let batch = [
            Self.completion(1, inbound: [10], replies: ["one", "two"], replyTo: phone),
            Self.completion(2, inbound: [20], replies: ["three"]),
            Self.completion(3, inbound: [30], replies: []),
        ]
        let plan = TurnCommitPlan(batch)
        let committed = plan.committed(processed: [MessageID(10), MessageID(20), MessageID(30)])
        #expect(plan.needingTargets(of: committed) == [1], "one with replyTo needs no look-up, one without replies none at all")
        let looked = OutboundTarget(phone: PhoneNumber(canonical: "96170000002"), provider: "infobip")
        let drafts = try plan.replyDrafts(of: committed, targets: [1: looked])
        #expect(drafts.map(\.draft.text) == ["one", "two", "three"])
        #expect(drafts.map(\.owner) == [0, 0, 1])
        #expect(drafts[0].draft.phone == phone && drafts[0].draft.provider == "meta")
        #expect(drafts[2].draft.phone == looked.phone && drafts[2].draft.provider == "infobip")
        #expect(drafts.allSatisfy { $0.draft.purpose == .reply && $0.draft.date == Self.date })
        #expect(throws: TurnCommitPlanError.self) { try plan.replyDrafts(of: committed, targets: [:]) }
    }

    @Test func entriesGoBackToTheirCompletionsAndLeasesEndByHolder() throws {
        let batch = [
            Self.completion(1, inbound: [10], replies: ["a"], replyTo: PhoneNumber(canonical: "1"), lease: "p1"),
            Self.completion(2, inbound: [20], replies: ["b"], replyTo: PhoneNumber(canonical: "2"), lease: "p1"),
            Self.completion(3, inbound: [30], replies: ["c"], replyTo: PhoneNumber(canonical: "3"), lease: "p2"),
        ]
        let plan = TurnCommitPlan(batch, indexes: [0, 2])
        #expect(plan.inboundRows.map(\.id.rawValue) == [10, 30], "a plan covers only its indexes")
        let committed = plan.committed(processed: [MessageID(10), MessageID(30)])
        let drafts = try plan.replyDrafts(of: committed, targets: [:])
        let entries = drafts.enumerated().map { offset, draft in
            OutboxEntry(id: MessageID(Int64(100 + offset)), conversation: draft.draft.conversation, contactPhone: draft.draft.phone, text: draft.draft.text, purpose: .reply, attempts: 0,
                nextAttemptAt: Self.date, possiblyDuplicated: false, provider: .meta
            )
        }
        let results = plan.results(drafts: drafts, entries: entries)
        #expect(results.map { $0.map(\.id.rawValue) } == [[100], [], [101]])
        #expect(plan.releasedLeases().mapValues { $0.map(\.contactID.rawValue) } == ["p1": [1], "p2": [3]])
    }
}
