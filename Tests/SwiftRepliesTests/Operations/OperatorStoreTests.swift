import Foundation
import SwiftRepliesCore
import SwiftRepliesStores
import Testing

/// The operator aggregates on every available backend (SQLite, and PostgreSQL when
/// `SWIFTREPLIES_TEST_POSTGRES_URL` is set), unchanged: every operation scoped to its tenant, the
/// Actions Center's single decision and auto-approval, usage metering against limits, takeovers.
@Suite struct OperatorStoreTests {
    typealias F = OperatorStoreFixture

    // MARK: API keys

    @Test(arguments: StoreBackend.available)
    func apiKeysAreScopedNamedOnceAndLimited(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            let now = F.base
            let first = try await f.store.apiKeys.createAPIKey(NewAPIKey(tenantID: F.acme, name: "ops", hash: "h1", scopes: ["read"], expiresAt: nil, createdAt: now), maximumActive: 2)
            #expect(first.scopes == ["read"])
            #expect(first.status(at: now) == .active)
            await #expect(throws: OperatorStoreError.duplicate("an API key named 'ops'")) {
                try await f.store.apiKeys.createAPIKey(NewAPIKey(tenantID: F.acme, name: "ops", hash: "h2", scopes: [], expiresAt: nil, createdAt: now), maximumActive: 2)
            }
            // An expired key does not count towards max_api_keys.
            _ = try await f.store.apiKeys.createAPIKey(
                NewAPIKey(tenantID: F.acme, name: "old", hash: "h3", scopes: [], expiresAt: now.addingTimeInterval(-1), createdAt: now), maximumActive: 2
            )
            _ = try await f.store.apiKeys.createAPIKey(NewAPIKey(tenantID: F.acme, name: "ci", hash: "h4", scopes: [], expiresAt: nil, createdAt: now), maximumActive: 2)
            await #expect(throws: OperatorStoreError.limitReached(limit: "max_api_keys", value: 2)) {
                try await f.store.apiKeys.createAPIKey(NewAPIKey(tenantID: F.acme, name: "third", hash: "h5", scopes: [], expiresAt: nil, createdAt: now), maximumActive: 2)
            }
            // Another tenant sees none of them, and may use the same name.
            #expect(try await f.store.apiKeys.apiKeys(tenantID: F.globex).isEmpty)
            #expect(try await f.store.apiKeys.revokeAPIKey(tenantID: F.globex, name: "ops", at: now) == nil)
            _ = try await f.store.apiKeys.createAPIKey(NewAPIKey(tenantID: F.globex, name: "ops", hash: "g1", scopes: [], expiresAt: nil, createdAt: now), maximumActive: nil)

            // Revoked: kept, and its name is free again.
            let revoked = try #require(try await f.store.apiKeys.revokeAPIKey(tenantID: F.acme, name: "ops", at: now))
            #expect(revoked.status(at: now) == .revoked)
            let again = try await f.store.apiKeys.createAPIKey(NewAPIKey(tenantID: F.acme, name: "ops", hash: "h6", scopes: [], expiresAt: nil, createdAt: now), maximumActive: 2)
            let keys = try await f.store.apiKeys.apiKeys(tenantID: F.acme)
            #expect(keys.count == 4)
            #expect(keys.filter { $0.name == "ops" }.map(\.id) == [again.id])
            #expect(keys.first { $0.id == first.id }?.status(at: now) == .revoked)

            try await f.store.apiKeys.recordAPICall(tenantID: F.acme, keyID: again.id, at: now)
            #expect(try await f.store.apiKeys.apiKeys(tenantID: F.acme).first { $0.id == again.id }?.lastUsed == now)
            #expect(try await f.store.usage.usage(tenantID: F.acme, at: now).day.apiCallsMade == 1)
        }
    }

    // MARK: Actions

    @Test(arguments: StoreBackend.available)
    func actionIsDecidedOnceAndOnlyByItsTenant(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            let customer = try await f.contact(F.acme, "96170000001")
            guard case .pending(let action) = try await f.store.actions.createAction(f.draft(contact: customer.id), dailyLimit: nil, dayStart: F.base) else {
                Issue.record("expected a pending action")
                return
            }
            #expect(action.status == .pending)
            #expect(action.context.facts["sku"] == "KIT-1")
            #expect(action.requestedAmount == 25)

            let decision = ActionDecision(status: .approved, response: "ok for you", autoApproveSimilar: false, resolvedBy: "api_key:ops", at: F.base)
            // Globex cannot see or decide Acme's action.
            #expect(try await f.store.actions.action(tenantID: F.globex, id: action.id) == nil)
            #expect(try await f.store.actions.resolveAction(tenantID: F.globex, id: action.id, decision: decision) == .notFound)
            #expect(try await f.store.actions.action(tenantID: F.acme, id: action.id)?.status == .pending)

            guard case .resolved(let approved) = try await f.store.actions.resolveAction(tenantID: F.acme, id: action.id, decision: decision) else {
                Issue.record("expected the approval to win")
                return
            }
            #expect(approved.status == .approved)
            #expect(approved.response == "ok for you")
            #expect(approved.resolvedBy == "api_key:ops")
            let deny = ActionDecision(status: .denied, response: nil, autoApproveSimilar: false, resolvedBy: "api_key:other", at: F.base)
            guard case .alreadyResolved(let unchanged) = try await f.store.actions.resolveAction(tenantID: F.acme, id: action.id, decision: deny) else {
                Issue.record("a second decision must not win")
                return
            }
            #expect(unchanged.status == .approved)
            #expect(try await f.store.actions.actions(tenantID: F.acme, status: .pending, limit: 10, offset: 0).isEmpty)
            #expect(try await f.store.actions.actions(tenantID: F.acme, status: .approved, limit: 10, offset: 0).map(\.id) == [action.id])
            let events = try await f.store.events.events(tenantID: F.acme, type: nil, limit: 10).map(\.type)
            #expect(events == ["action.resolved", "action.created"])
            #expect(try await f.store.events.events(tenantID: F.globex, type: nil, limit: 10).isEmpty)

            // Told once: the delivery mark takes it off the list of outcomes to tell.
            #expect(try await f.store.actions.undeliveredResolutions(tenantID: F.acme, resolvedBefore: F.base, limit: 10).map(\.id) == [action.id])
            try await f.store.actions.markResolutionDelivered(tenantID: F.acme, actionID: action.id, at: F.base)
            #expect(try await f.store.actions.undeliveredResolutions(tenantID: F.acme, resolvedBefore: F.base, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available)
    func autoApproveSimilarCoversSameTypeNoLargerAmountSameTenant(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            let customer = try await f.contact(F.acme, "96170000001")
            guard case .pending(let first) = try await f.store.actions.createAction(f.draft(contact: customer.id, amount: 20), dailyLimit: nil, dayStart: F.base) else {
                Issue.record("expected a pending action")
                return
            }
            _ = try await f.store.actions.resolveAction(
                tenantID: F.acme, id: first.id,
                decision: ActionDecision(status: .approved, response: nil, autoApproveSimilar: true, resolvedBy: "api_key:ops", at: F.base)
            )
            let smaller = try await f.store.actions.createAction(f.draft(contact: customer.id, amount: 15), dailyLimit: nil, dayStart: F.base)
            guard case .autoApproved(let auto, let rule) = smaller else {
                Issue.record("15% is covered by the 20% approval: \(smaller)")
                return
            }
            #expect(rule == first.id)
            #expect(auto.status == .approved && auto.autoApproved)
            #expect(auto.resolvedBy == "auto_approve_similar:\(first.id)")
            #expect(auto.deliveredAt != nil, "the turn that made it answers it")
            guard case .pending = try await f.store.actions.createAction(f.draft(contact: customer.id, amount: 25), dailyLimit: nil, dayStart: F.base) else {
                Issue.record("25% is larger than the approval")
                return
            }
            guard case .pending = try await f.store.actions.createAction(f.draft(contact: customer.id, type: "refund", amount: 5), dailyLimit: nil, dayStart: F.base) else {
                Issue.record("another request type is not covered")
                return
            }
            let other = try await f.contact(F.globex, "96170000001")
            guard case .pending = try await f.store.actions.createAction(f.draft(F.globex, chatbot: F.globexBot, contact: other.id, amount: 5), dailyLimit: nil, dayStart: F.base)
            else {
                Issue.record("another tenant is not covered")
                return
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func dailyActionLimitAndExpiry(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            let customer = try await f.contact(F.acme, "96170000001")
            for minute in 0..<2 {
                let outcome = try await f.store.actions.createAction(
                    f.draft(contact: customer.id, at: F.base.addingTimeInterval(Double(minute) * 60), ttl: 60), dailyLimit: 2, dayStart: F.base
                )
                guard case .pending = outcome else {
                    Issue.record("action \(minute) is within the limit")
                    return
                }
            }
            #expect(try await f.store.actions.createAction(f.draft(contact: customer.id), dailyLimit: 2, dayStart: F.base) == .dailyLimitReached(limit: 2))
            #expect(try await f.store.actions.actionsCreated(tenantID: F.acme, since: F.base) == 2)
            #expect(try await f.store.usage.usage(tenantID: F.acme, at: F.base).day.actionsCreated == 2)
            // The next day counts afresh.
            let tomorrow = F.base.addingTimeInterval(86_400)
            guard case .pending = try await f.store.actions.createAction(f.draft(contact: customer.id, at: tomorrow), dailyLimit: 2, dayStart: tomorrow) else {
                Issue.record("a new day has room")
                return
            }

            // Expiry: only Acme's actions past their time.
            #expect(try await f.store.actions.expireActions(tenantID: F.globex, now: F.base.addingTimeInterval(600)).isEmpty)
            let expired = try await f.store.actions.expireActions(tenantID: F.acme, now: F.base.addingTimeInterval(90))
            #expect(expired.count == 1)
            #expect(expired.first?.status == .expired)
            #expect(expired.first?.resolvedBy == "expiry")
            #expect(try await f.store.actions.expireActions(tenantID: F.acme, now: F.base.addingTimeInterval(90)).isEmpty, "expired once")
            #expect(try await f.store.events.events(tenantID: F.acme, type: "action.expired", limit: 10).count == 1)
        }
    }

    // MARK: Usage

    @Test(arguments: StoreBackend.available)
    func meteringStopsAtTheLimitCountsOverageAndNotifiesOncePerPeriod(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            func meter(_ wanted: Int, withheld: Int = 0, at date: Date = F.base, daily: Int? = 3, monthly: Int? = 100) async throws -> MeterOutcome {
                try await f.store.usage.meterMessages(
                    MessageMetering(tenantID: F.acme, received: 1, wantedSends: wanted, withheld: withheld, dailyLimit: daily, monthlyLimit: monthly, at: date)
                )
            }
            #expect(try await meter(2) == MeterOutcome(allowedSends: 2, overage: 0, newlyExceeded: []))
            #expect(try await meter(2) == MeterOutcome(allowedSends: 1, overage: 1, newlyExceeded: [.day]))
            #expect(try await meter(0, withheld: 1) == MeterOutcome(allowedSends: 0, overage: 1, newlyExceeded: []), "notified once per day")
            let report = try await f.store.usage.usage(tenantID: F.acme, at: F.base)
            #expect(report.day.messagesSent == 3)
            #expect(report.day.messagesReceived == 3)
            #expect(report.day.overageMessages == 2)
            #expect(report.month.messagesSent == 3)
            #expect(report.month.overageMessages == 2)
            let events = try await f.store.events.events(tenantID: F.acme, type: "usage.limit_exceeded", limit: 10)
            #expect(events.count == 1)
            #expect(events.first?.data["period"] == "day")
            #expect(events.first?.data["limit"] == "daily_messages")

            // A new day has room again; the month's limit then stops it, once for the month.
            let tomorrow = F.base.addingTimeInterval(86_400)
            #expect(try await meter(2, at: tomorrow, monthly: 4) == MeterOutcome(allowedSends: 1, overage: 1, newlyExceeded: [.month]))
            // Unlimited: never refused. Globex's counters are its own.
            #expect(try await meter(50, at: tomorrow, daily: nil, monthly: nil).allowedSends == 50)
            #expect(try await f.store.usage.usage(tenantID: F.globex, at: F.base).day.messagesSent == 0)
            // Unlimited meterings add to the period rows (without reading them), and create them.
            let afterUnlimited = try await f.store.usage.usage(tenantID: F.acme, at: tomorrow)
            #expect(afterUnlimited.day.messagesSent == 51)
            #expect(afterUnlimited.day.messagesReceived == 2)
            #expect(afterUnlimited.day.overageMessages == 1)
            #expect(afterUnlimited.month.messagesSent == 54)
            let dayAfter = tomorrow.addingTimeInterval(86_400)
            #expect(try await meter(5, withheld: 2, at: dayAfter, daily: nil, monthly: nil) == MeterOutcome(allowedSends: 5, overage: 2, newlyExceeded: []))
            let fresh = try await f.store.usage.usage(tenantID: F.acme, at: dayAfter)
            #expect(fresh.day.messagesSent == 5 && fresh.day.messagesReceived == 1 && fresh.day.overageMessages == 2)
            #expect(fresh.month.messagesSent == 59)
        }
    }

    // MARK: Contacts, knowledge, takeovers, webhooks

    @Test(arguments: StoreBackend.available)
    func contactsAreFilteredUpdatedAndScoped(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            let ali = try await f.contact(F.acme, "96170000001", name: "Ali")
            let maya = try await f.contact(F.acme, "96171111111", name: "Maya")
            _ = try await f.contact(F.globex, "96170000001", name: "Ali at Globex")
            let updated = try await f.store.contacts.updateContact(
                tenantID: F.acme, id: maya.id, changes: ContactChanges(tags: ["vip", "beirut"], customFields: ["city": "Beirut", "tier": "gold"])
            )
            #expect(updated?.tags == ["vip", "beirut"])
            #expect(updated?.customFields == ["city": "Beirut", "tier": "gold"])
            let merged = try await f.store.contacts.updateContact(tenantID: F.acme, id: maya.id, changes: ContactChanges(customFields: ["tier": nil, "size": "M"]))
            #expect(merged?.customFields == ["city": "Beirut", "size": "M"])
            #expect(try await f.store.contacts.updateContact(tenantID: F.globex, id: maya.id, changes: ContactChanges(name: "x")) == nil)
            #expect(try await f.store.contacts.contactRecord(tenantID: F.acme, id: maya.id)?.name == "Maya")

            #expect(try await f.store.contacts.contactRecords(tenantID: F.acme, filter: ContactFilter(tag: "vip")).map(\.id) == [maya.id])
            #expect(try await f.store.contacts.contactRecords(tenantID: F.acme, filter: ContactFilter(phoneDigits: "70000")).map(\.id) == [ali.id])
            #expect(try await f.store.contacts.contactRecords(tenantID: F.acme, filter: ContactFilter(search: "ali")).map(\.id) == [ali.id])
            #expect(try await f.store.contacts.contactRecords(tenantID: F.acme, filter: ContactFilter()).count == 2)
            #expect(try await f.store.contacts.contactCount(tenantID: F.acme) == 2)
            #expect(try await f.store.contacts.contactPosition(tenantID: F.acme, id: maya.id) == 2)
        }
    }

    @Test(arguments: StoreBackend.available)
    func conversationPagesAndPruning(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            var ids: [MessageID] = []
            for minute in 0..<5 {
                let stored = try await f.inbound(F.acme, F.acmeBot, from: "96170000001", text: "message \(minute)", at: F.base.addingTimeInterval(Double(minute) * 60))
                ids.append(try #require(stored?.id))
            }
            let contactID = try #require(try await f.store.contacts.contactRecords(tenantID: F.acme, filter: ContactFilter()).first?.id)
            let latest = try await f.store.contacts.conversationPage(tenantID: F.acme, contactID: contactID, before: nil, limit: 2)
            #expect(latest.map(\.text) == ["message 3", "message 4"])
            let older = try await f.store.contacts.conversationPage(tenantID: F.acme, contactID: contactID, before: latest.first?.id, limit: 2)
            #expect(older.map(\.text) == ["message 1", "message 2"])
            #expect(try await f.store.contacts.conversationPage(tenantID: F.globex, contactID: contactID, before: nil, limit: 10).isEmpty)

            // Pruning removes only what is done: the first two are answered, the rest are not.
            _ = try await f.store.turns.completeTurn(
                TurnCompletion(
                    conversation: ConversationKey(tenantID: F.acme, chatbotID: F.acmeBot, contactID: contactID), inboundIDs: Array(ids.prefix(2)), replies: [],
                    aiProcessed: true, processingMilliseconds: 1, intent: nil, configRevision: 1, completedAt: F.base
                )
            )
            #expect(try await f.store.contacts.pruneMessages(tenantID: F.globex, before: F.base.addingTimeInterval(86_400)) == 0)
            #expect(try await f.store.contacts.pruneMessages(tenantID: F.acme, before: F.base.addingTimeInterval(86_400)) == 2)
            #expect(try await f.store.contacts.conversationPage(tenantID: F.acme, contactID: contactID, before: nil, limit: 10).count == 3)
        }
    }

    @Test(arguments: StoreBackend.available)
    func knowledgeEntriesBelongToTheirChatbotAndTenant(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            let entry = try await f.store.knowledge.addKnowledgeEntry(
                tenantID: F.acme, chatbotID: F.acmeBot, draft: KnowledgeDraft(category: "shipping", question: "Do you ship to Tripoli?", answer: "Yes, in 2 days."),
                at: F.base
            )
            #expect(entry.entry.id == "db-\(entry.id)")
            #expect(try await f.store.knowledge.knowledgeEntries(tenantID: F.globex, chatbotID: F.acmeBot).isEmpty)
            #expect(try await f.store.knowledge.updateKnowledgeEntry(tenantID: F.globex, chatbotID: F.globexBot, id: entry.id, changes: KnowledgeChanges(answer: "no"), at: F.base) == nil)
            let edited = try await f.store.knowledge.updateKnowledgeEntry(
                tenantID: F.acme, chatbotID: F.acmeBot, id: entry.id, changes: KnowledgeChanges(answer: "Yes, next day."), at: F.base.addingTimeInterval(5)
            )
            #expect(edited?.answer == "Yes, next day.")
            #expect(edited?.question == "Do you ship to Tripoli?")
            #expect(try await f.store.knowledge.deleteKnowledgeEntry(tenantID: F.globex, chatbotID: F.acmeBot, id: entry.id) == false)
            #expect(try await f.store.knowledge.knowledgeEntries(tenantID: F.acme, chatbotID: F.acmeBot).count == 1)
            #expect(try await f.store.knowledge.deleteKnowledgeEntry(tenantID: F.acme, chatbotID: F.acmeBot, id: entry.id))
            #expect(try await f.store.knowledge.knowledgeEntries(tenantID: F.acme, chatbotID: F.acmeBot).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available)
    func takeoverIsOnePerContactCountedAndReleased(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            let customer = try await f.contact(F.acme, "96170000001")
            guard case .started(let takeover) = try await f.store.takeovers.startTakeover(
                tenantID: F.acme, chatbotID: F.acmeBot, contactID: customer.id, startedBy: "api_key:ops", at: F.base
            ) else {
                Issue.record("expected a new takeover")
                return
            }
            guard case .alreadyActive(let same) = try await f.store.takeovers.startTakeover(
                tenantID: F.acme, chatbotID: F.acmeBot, contactID: customer.id, startedBy: "api_key:other", at: F.base
            ) else {
                Issue.record("one active takeover per contact")
                return
            }
            #expect(same.id == takeover.id)
            #expect(try await f.store.takeovers.activeTakeover(tenantID: F.globex, contactID: customer.id) == nil)
            #expect(try await f.store.takeovers.releaseTakeover(tenantID: F.globex, contactID: customer.id, at: F.base) == nil)
            #expect(try await f.store.takeovers.activeTakeover(tenantID: F.acme, contactID: customer.id)?.id == takeover.id)
            #expect(try await f.store.takeovers.releaseTakeover(tenantID: F.acme, contactID: customer.id, at: F.base)?.releasedAt == F.base)
            #expect(try await f.store.takeovers.activeTakeover(tenantID: F.acme, contactID: customer.id) == nil)
            #expect(try await f.store.usage.usage(tenantID: F.acme, at: F.base).day.liveTakeoversUsed == 1)
            // A new takeover after the release.
            guard case .started = try await f.store.takeovers.startTakeover(tenantID: F.acme, chatbotID: F.acmeBot, contactID: customer.id, startedBy: "x", at: F.base) else {
                Issue.record("released conversations can be taken again")
                return
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func webhooksAreLimitedPerTenant(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            let draft = WebhookDraft(tenantID: F.acme, chatbotID: nil, url: "https://example.test/hook", events: ["action.created"], secret: "s", createdAt: F.base)
            let hook = try await f.store.webhooks.createWebhook(draft, maximum: 1)
            #expect(hook.events == ["action.created"])
            await #expect(throws: OperatorStoreError.limitReached(limit: "max_webhooks", value: 1)) { try await f.store.webhooks.createWebhook(draft, maximum: 1) }
            #expect(try await f.store.webhooks.deleteWebhook(tenantID: F.globex, id: hook.id) == false)
            #expect(try await f.store.webhooks.webhooks(tenantID: F.acme).count == 1)
            #expect(try await f.store.webhooks.deleteWebhook(tenantID: F.acme, id: hook.id))
            _ = try await f.store.webhooks.createWebhook(draft, maximum: 1)
        }
    }

    @Test("concurrent subscriptions never pass the cap together", arguments: StoreBackend.available)
    func concurrentWebhooksRespectTheCap(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            let webhooks = f.store.webhooks
            let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let draft = WebhookDraft(
                            tenantID: F.acme, chatbotID: nil, url: "https://example.test/hook/\(index)", events: ["message.received"], secret: "s",
                            createdAt: F.base
                        )
                        do {
                            _ = try await webhooks.createWebhook(draft, maximum: 3)
                            return true
                        } catch OperatorStoreError.limitReached {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(created == 3)
            #expect(try await webhooks.webhooks(tenantID: F.acme).map(\.url).count == 3)
        }
    }

    @Test(arguments: StoreBackend.available)
    func subscriptionsAreMirrored(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            try await f.store.directory.syncSubscriptions(F.tenants(), at: F.base)
            #expect(try await f.integer("SELECT daily_message_limit FROM subscriptions WHERE tenant_id = 'acme'") == 3)
            #expect(try await f.integer("SELECT COUNT(*) FROM subscriptions") == 2)
        }
    }

    @Test(arguments: StoreBackend.available)
    func operationsMigrationRollsBackAndForth(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f async throws in
            // Versions 3 (operations) and 4 (the dispatch index), down and up again; SQLite's
            // version 5 drops version 4's index, which only a shared database uses, and the
            // tenant index that `messages_conversation` makes redundant; its version 6 drops the
            // chatbot index of messages and the twin of the unique thread index of contacts. The
            // outbox order migration (SQLite 7, PostgreSQL 5) adds the index of each conversation's
            // unsent messages (and PostgreSQL's process heartbeats).
            let later = backend == .sqlite ? [7, 6, 5, 4, 3] : [5, 4, 3]
            #expect(try await f.store.lifecycle.migrationStatus().current == later[0])
            #expect(try await f.indexCount("messages_conversation_pending") == (backend == .sqlite ? 0 : 1))
            #expect(try await f.indexCount("messages_unsent_by_conversation") == 1)
            #expect(try await f.store.lifecycle.migrateDown(to: later[1]) == [later[0]])
            #expect(try await f.indexCount("messages_unsent_by_conversation") == 0)
            if backend == .sqlite {
                #expect(try await f.indexCount("idx_messages_tenant_id") == 0)
                #expect(try await f.indexCount("idx_messages_chatbot_id") == 0)
                #expect(try await f.indexCount("idx_contacts_tenant_thread") == 0)
                #expect(try await f.indexCount("unique_thread_per_tenant") == 1)
                #expect(try await f.store.lifecycle.migrateDown(to: 5) == [6])
                #expect(try await f.indexCount("idx_messages_chatbot_id") == 1)
                #expect(try await f.indexCount("idx_contacts_tenant_thread") == 1)
                #expect(try await f.store.lifecycle.migrateDown(to: 4) == [5])
                #expect(try await f.indexCount("messages_conversation_pending") == 1)
                #expect(try await f.indexCount("idx_messages_tenant_id") == 1)
            }
            #expect(try await f.store.lifecycle.migrateDown(to: 2) == [4, 3])
            #expect(try await f.columnCount(table: "actions", column: "outcome_delivered_at") == 0)
            #expect(try await f.columnCount(table: "api_keys", column: "rate_limit_per_hour") == 0)
            #expect(try await f.indexCount("idx_actions_undelivered") == 0)
            #expect(try await f.indexCount("messages_conversation_pending") == 0)
            #expect(try await f.store.lifecycle.migrateUp() == later.reversed())
            #expect(try await f.columnCount(table: "actions", column: "outcome_delivered_at") == 1)
            #expect(try await f.columnCount(table: "api_keys", column: "rate_limit_per_hour") == 1)
            #expect(try await f.indexCount("idx_actions_undelivered") == 1)
            #expect(try await f.indexCount("messages_conversation_pending") == (backend == .sqlite ? 0 : 1))
            #expect(try await f.indexCount("messages_unsent_by_conversation") == 1)
        }
    }

    // MARK: Concurrency (several replicas share a PostgreSQL database)

    @Test(arguments: StoreBackend.available)
    func concurrentRequestsDecideOnceAndRespectLimits(_ backend: StoreBackend) async throws {
        try await F.with(backend) { f in
            let store = f.store
            let customer = try await f.contact(F.acme, "96170000001")
            guard case .pending(let action) = try await store.actions.createAction(f.draft(contact: customer.id), dailyLimit: nil, dayStart: F.base) else {
                Issue.record("expected a pending action")
                return
            }
            // Six operators decide at once: one decision wins.
            let results = try await withThrowingTaskGroup(of: ActionResolveResult.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await store.actions.resolveAction(
                            tenantID: F.acme, id: action.id,
                            decision: ActionDecision(
                                status: index.isMultiple(of: 2) ? .approved : .denied, response: nil, autoApproveSimilar: false,
                                resolvedBy: "api_key:op\(index)", at: F.base
                            )
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.compactMap { result -> ActionRecord? in
                if case .resolved(let record) = result { return record }
                return nil
            }
            #expect(winners.count == 1)
            #expect(results.filter { if case .alreadyResolved = $0 { return true } else { return false } }.count == 5)
            #expect(try await store.actions.action(tenantID: F.acme, id: action.id)?.resolvedBy == winners.first?.resolvedBy)
            #expect(try await store.events.events(tenantID: F.acme, type: "action.resolved", limit: 10).count == 1)

            // Six requests at once against a daily limit of 3 (one already made today).
            let created = try await withThrowingTaskGroup(of: ActionCreation.self) { group in
                for minute in 1...6 {
                    group.addTask {
                        try await store.actions.createAction(
                            f.draft(contact: customer.id, type: "refund", at: F.base.addingTimeInterval(Double(minute))), dailyLimit: 3, dayStart: F.base
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(created.filter { if case .pending = $0 { return true } else { return false } }.count == 2)
            #expect(created.filter { $0 == .dailyLimitReached(limit: 3) }.count == 4)
            #expect(try await store.actions.actionsCreated(tenantID: F.acme, since: F.base) == 3)

            // Five keys at once against max_api_keys 2.
            let keys = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<5 {
                    group.addTask {
                        let key = NewAPIKey(tenantID: F.acme, name: "key\(index)", hash: "hash\(index)", scopes: [], expiresAt: nil, createdAt: F.base)
                        do {
                            _ = try await store.apiKeys.createAPIKey(key, maximumActive: 2)
                            return true
                        } catch {
                            #expect(error as? OperatorStoreError == .limitReached(limit: "max_api_keys", value: 2))
                            return false
                        }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(keys.filter { $0 }.count == 2)
            #expect(try await store.apiKeys.apiKeys(tenantID: F.acme).count == 2)

            // Four turns meter one reply each at once against a daily limit of 3.
            let outcomes = try await withThrowingTaskGroup(of: MeterOutcome.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await store.usage.meterMessages(
                            MessageMetering(tenantID: F.acme, received: 1, wantedSends: 1, dailyLimit: 3, monthlyLimit: nil, at: F.base)
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.map(\.allowedSends).reduce(0, +) == 3)
            #expect(outcomes.flatMap(\.newlyExceeded) == [.day])
            let usage = try await store.usage.usage(tenantID: F.acme, at: F.base)
            #expect(usage.day.messagesSent == 3)
            #expect(usage.day.messagesReceived == 4)
            #expect(usage.day.overageMessages == 1)
        }
    }
}
