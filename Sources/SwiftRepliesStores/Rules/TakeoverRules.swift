import Foundation
import SwiftRepliesCore

/// Live takeover's transitions, the same on every backend: a contact has at most one active
/// takeover (a second start finds the first); a start counts one live takeover in the usage and
/// records `takeover.started`; a release ends the active one and records `takeover.released`.
enum TakeoverRules {
    /// What a takeover's start counts in the tenant's usage.
    static let startUsage = UsageIncrements(liveTakeovers: 1)

    /// The `takeover.started` event.
    static func startedEvent(_ record: TakeoverRecord, at date: Date) -> AnalyticsEventDraft {
        AnalyticsEventDraft(
            tenantID: record.tenantID, chatbotID: record.chatbotID, contactID: record.contactID, type: "takeover.started",
            data: ["takeover_id": "\(record.id)", "started_by": record.startedBy ?? ""], at: date
        )
    }

    /// The `takeover.released` event.
    static func releasedEvent(_ record: TakeoverRecord, at date: Date) -> AnalyticsEventDraft {
        AnalyticsEventDraft(
            tenantID: record.tenantID, chatbotID: record.chatbotID, contactID: record.contactID, type: "takeover.released",
            data: ["takeover_id": "\(record.id)"], at: date
        )
    }
}
