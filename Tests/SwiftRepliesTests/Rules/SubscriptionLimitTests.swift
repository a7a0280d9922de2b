import Foundation
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// Subscription caps on rows (`SubscriptionLimit`) without a database.
@Suite struct SubscriptionLimitTests {
    @Test func aCapRefusesTheRowThatWouldPassItAndNamesTheLimit() {
        let limit = SubscriptionLimit.apiKeys(2)
        #expect(limit.needsCount)
        #expect(limit.refusal(existing: 0) == nil)
        #expect(limit.refusal(existing: 1) == nil)
        #expect(limit.refusal(existing: 2) == .limitReached(limit: "max_api_keys", value: 2))
        #expect(SubscriptionLimit.webhooks(1).refusal(existing: 3) == .limitReached(limit: "max_webhooks", value: 1))
    }

    @Test func withoutACapNothingIsCountedOrRefused() {
        let limit = SubscriptionLimit.webhooks(nil)
        #expect(!limit.needsCount)
        #expect(limit.refusal(existing: 10_000) == nil)
        #expect(SubscriptionLimit.apiKeys(0).refusal(existing: 0) == .limitReached(limit: "max_api_keys", value: 0), "a cap of 0 allows none")
    }
}
