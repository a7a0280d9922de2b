import Foundation
import SwiftRepliesCore

/// One outbound row to queue: the outbox drafting rule's output, which every backend inserts as
/// it is.
struct OutboundDraft: Sendable, Equatable {
    var conversation: ConversationKey
    var text: String
    var phone: PhoneNumber
    /// The provider to send through (`ProviderKind`'s raw value, or `local`).
    var provider: String
    var purpose: OutboundPurpose
    var date: Date
}

/// Where a conversation's outbound messages go: the customer's number and the provider to send
/// through.
struct OutboundTarget: Sendable, Equatable {
    var phone: PhoneNumber
    var provider: String
}

/// The turn-completion rules, the same on every backend, for a batch of concurrent completions
/// committed in one transaction:
///
/// 1. The backend marks the batch's inbound messages processed, but only those still `received`
///    (`inboundRows`), and reports which it changed.
/// 2. A completion commits when it changed at least one of its messages, or names none (a turn
///    an Actions Center resolution started). Each changed message belongs to the first completion
///    of the batch that names it: two completions of one message queue one set of replies, as
///    they would one batch apart (`committed(processed:)`).
/// 3. Only committed completions count their usage (`meterings(of:)`) and queue their replies,
///    in order, to the target the caller gave or, failing that, the conversation's outbound
///    target (`replyDrafts(of:targets:)`).
struct TurnCommitPlan: Sendable {
    let batch: [TurnCompletion]
    /// The completions this plan covers (indexes into `batch`, in batch order): all of them, or
    /// one tenant's (a backend that commits tenant by tenant).
    let indexes: [Int]

    init(_ batch: [TurnCompletion], indexes: [Int]? = nil) {
        self.batch = batch
        self.indexes = indexes ?? Array(batch.indices)
    }

    /// The inbound messages to mark processed, with the completion that names each.
    var inboundRows: [(completion: TurnCompletion, id: MessageID)] {
        indexes.flatMap { index in batch[index].inboundIDs.map { (batch[index], $0) } }
    }

    /// The completions that commit, given the inbound messages the backend changed from
    /// `received` to `processed`.
    func committed(processed: Set<MessageID>) -> [Int] {
        var unclaimed = processed
        return indexes.filter { index in
            let completion = batch[index]
            let claimed = completion.inboundIDs.filter { unclaimed.remove($0) != nil }
            return completion.inboundIDs.isEmpty || !claimed.isEmpty
        }
    }

    /// The usage the committed completions count.
    func meterings(of committed: [Int]) -> [MessageMetering] {
        committed.flatMap { batch[$0].meterings }
    }

    /// The committed completions whose replies need the conversation's outbound target looked up
    /// (they have replies and no `replyTo`).
    func needingTargets(of committed: [Int]) -> [Int] {
        committed.filter { !batch[$0].replies.isEmpty && batch[$0].replyTo == nil }
    }

    /// The replies to queue, in order, each with the completion it belongs to; `targets` holds
    /// the looked-up target of every completion `needingTargets(of:)` named.
    func replyDrafts(of committed: [Int], targets: [Int: OutboundTarget]) throws -> [(owner: Int, draft: OutboundDraft)] {
        var drafts: [(owner: Int, draft: OutboundDraft)] = []
        for index in committed {
            let completion = batch[index]
            guard !completion.replies.isEmpty else { continue }
            let target: OutboundTarget
            if let replyTo = completion.replyTo {
                target = OutboundTarget(phone: replyTo.phone, provider: replyTo.provider.rawValue)
            } else if let looked = targets[index] {
                target = looked
            } else {
                throw TurnCommitPlanError.missingTarget(completion.conversation)
            }
            for text in completion.replies {
                drafts.append(
                    (
                        index,
                        OutboundDraft(
                            conversation: completion.conversation, text: text, phone: target.phone, provider: target.provider, purpose: .reply,
                            date: completion.completedAt
                        )
                    )
                )
            }
        }
        return drafts
    }

    /// Each completion's queued entries, given the entries the insert returned for `drafts` (in
    /// the same order).
    func results(drafts: [(owner: Int, draft: OutboundDraft)], entries: [OutboxEntry]) -> [[OutboxEntry]] {
        var results: [[OutboxEntry]] = Array(repeating: [], count: batch.count)
        for (draft, entry) in zip(drafts, entries) { results[draft.owner].append(entry) }
        return results
    }

    /// The conversation leases the committed batch ends, by holder.
    func releasedLeases() -> [String: [ConversationKey]] {
        var leases: [String: [ConversationKey]] = [:]
        for index in indexes {
            guard let holder = batch[index].releasingLeaseOf else { continue }
            leases[holder, default: []].append(batch[index].conversation)
        }
        return leases
    }
}

/// A backend's lookups did not match its turn-commit plan.
enum TurnCommitPlanError: Error, CustomStringConvertible {
    /// No outbound target was looked up for a completion that needed one.
    case missingTarget(ConversationKey)

    var description: String {
        switch self {
        case .missingTarget(let conversation): "no outbound target was looked up for \(conversation)"
        }
    }
}
