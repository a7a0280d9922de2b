import Foundation

/// What operators, the REST API and the operations middleware (`actions_center`, `usage_limits`,
/// `live_takeover`, the store-backed `knowledge_base`) need from the database, on top of `Store`.
///
/// It is a separate protocol so that a backend can implement `Store` first and these later.
/// Middleware and API reach it with `store as? any OperatorStore` and report a clear error when
/// the store does not implement it.
///
/// Every method takes the tenant and filters by it: one tenant's key, action id or contact id
/// never reads or changes another tenant's rows (in PostgreSQL row-level security enforces the
/// same boundary). Values are always bound, never interpolated into SQL.
public protocol OperatorStore: Store {
    // MARK: API keys

    /// Stores a new key (its SHA-256 hash only). Throws `OperatorStoreError.duplicate` when an
    /// active key of the tenant has that name, `.limitReached` when the tenant already has
    /// `maximumActive` usable (active, unexpired) keys. A revoked key with the same name is
    /// renamed out of the way (kept for the record).
    func createAPIKey(_ key: NewAPIKey, maximumActive: Int?) async throws -> APIKeyRecord
    /// Every key of the tenant (active, revoked and expired), oldest first.
    func apiKeys(tenantID: TenantID) async throws -> [APIKeyRecord]
    /// Revokes the tenant's active key called `name`; `nil` when there is none.
    func revokeAPIKey(tenantID: TenantID, name: String, at date: Date) async throws -> APIKeyRecord?
    /// Notes an authenticated API call: the key's last use and the tenant's daily API call count.
    func recordAPICall(tenantID: TenantID, keyID: Int64, at date: Date) async throws

    // MARK: Contacts and conversations

    /// The tenant's contacts matching `filter`, newest interaction first.
    func contactRecords(tenantID: TenantID, filter: ContactFilter) async throws -> [ContactRecord]
    /// The tenant's contact `id`; `nil` when the tenant has none by that id.
    func contactRecord(tenantID: TenantID, id: ContactID) async throws -> ContactRecord?
    /// Changes a contact's name, tags or custom fields; `nil` when the tenant has no such contact.
    func updateContact(tenantID: TenantID, id: ContactID, changes: ContactChanges) async throws -> ContactRecord?
    /// How many contacts the tenant has.
    func contactCount(tenantID: TenantID) async throws -> Int
    /// How many of the tenant's contacts were created before this one, plus one (its position in
    /// creation order; the `max_contacts` limit serves the first N).
    func contactPosition(tenantID: TenantID, id: ContactID) async throws -> Int
    /// One page of a contact's messages (every chatbot of the tenant): the `limit` latest before
    /// `beforeID` (all when `nil`), oldest first.
    func conversationPage(tenantID: TenantID, contactID: ContactID, before beforeID: MessageID?, limit: Int) async throws -> [StoredMessage]
    /// Active, unexpired instructions for a contact at `date` (every chatbot), oldest first.
    func contactInstructions(tenantID: TenantID, contactID: ContactID, at date: Date) async throws -> [ConversationInstruction]
    /// Deletes the tenant's messages created before `date` whose work is done (processed inbound,
    /// outbound no longer queued or sending); returns how many (`message_history_days`).
    func pruneMessages(tenantID: TenantID, before date: Date) async throws -> Int

    // MARK: Knowledge base entries added through the API

    /// The chatbot's active entries, oldest first.
    func knowledgeEntries(tenantID: TenantID, chatbotID: ChatbotID) async throws -> [KnowledgeRecord]
    /// Adds an entry to the chatbot's knowledge base.
    func addKnowledgeEntry(tenantID: TenantID, chatbotID: ChatbotID, draft: KnowledgeDraft, at date: Date) async throws -> KnowledgeRecord
    /// Changes an entry; `nil` when the chatbot of the tenant has no such entry.
    func updateKnowledgeEntry(tenantID: TenantID, chatbotID: ChatbotID, id: Int64, changes: KnowledgeChanges, at date: Date) async throws -> KnowledgeRecord?
    /// Deletes an entry; `false` when the chatbot of the tenant has no such entry.
    func deleteKnowledgeEntry(tenantID: TenantID, chatbotID: ChatbotID, id: Int64) async throws -> Bool

    // MARK: Actions Center

    /// Records a request in one transaction: refused when the tenant already created
    /// `dailyLimit` actions since `dayStart`; approved at once (recorded as auto-approved) when an
    /// approval of the same type with `auto_approve_similar` covers its amount; pending
    /// otherwise. Counts it in the tenant's usage and records an `action.created` event.
    func createAction(_ draft: ActionDraft, dailyLimit: Int?, dayStart: Date) async throws -> ActionCreation
    /// The tenant's actions, newest first, optionally of one status.
    func actions(tenantID: TenantID, status: ActionStatus?, limit: Int, offset: Int) async throws -> [ActionRecord]
    /// The tenant's action `id`; `nil` when the tenant has none by that id.
    func action(tenantID: TenantID, id: Int64) async throws -> ActionRecord?
    /// Approves or denies a pending action of the tenant (only one decision wins) and records an
    /// `action.resolved` event.
    func resolveAction(tenantID: TenantID, id: Int64, decision: ActionDecision) async throws -> ActionResolveResult
    /// Marks the tenant's pending actions whose `expires_at` is at or before `now` expired;
    /// returns them.
    func expireActions(tenantID: TenantID, now: Date) async throws -> [ActionRecord]
    /// How many actions the tenant created since `date`.
    func actionsCreated(tenantID: TenantID, since date: Date) async throws -> Int
    /// Resolved (or expired) actions resolved at or before `resolvedBefore` whose outcome has
    /// not been told to the customer yet, oldest first (retried after a crash or a failed turn).
    func undeliveredResolutions(tenantID: TenantID, resolvedBefore: Date, limit: Int) async throws -> [ActionRecord]
    /// Notes that the customer was told the action's outcome (the resolution turn committed).
    func markResolutionDelivered(tenantID: TenantID, actionID: Int64, at date: Date) async throws

    // MARK: Usage

    /// The tenant's counters for the UTC day and month of `date`.
    func usage(tenantID: TenantID, at date: Date) async throws -> UsageReport
    /// Counts a turn's messages against the tenant's limits in one transaction: every received
    /// message, and as many of `wantedSends` as the daily and monthly limits still allow. What
    /// the limits refuse is counted as overage; the first refusal of a period records one
    /// `usage.limit_exceeded` event for it.
    func meterMessages(_ metering: MessageMetering) async throws -> MeterOutcome
    /// Adds plain increments to the tenant's counters for the day of `date` (and month, for
    /// messages).
    func incrementUsage(tenantID: TenantID, _ increments: UsageIncrements, at date: Date) async throws

    // MARK: Analytics events

    /// Records an analytics event; returns its id.
    @discardableResult
    func recordEvent(_ event: AnalyticsEventDraft) async throws -> Int64
    /// The tenant's events, newest first, optionally of one type.
    func events(tenantID: TenantID, type: String?, limit: Int) async throws -> [AnalyticsEventRecord]

    // MARK: Live takeover

    /// The contact's active takeover, if any.
    func activeTakeover(tenantID: TenantID, contactID: ContactID) async throws -> TakeoverRecord?
    /// Starts a takeover (counted in usage, `takeover.started` event) unless one is active.
    func startTakeover(tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID, startedBy: String, at date: Date) async throws -> TakeoverStart
    /// Ends the contact's active takeover; `nil` when there is none.
    func releaseTakeover(tenantID: TenantID, contactID: ContactID, at date: Date) async throws -> TakeoverRecord?

    // MARK: Outgoing webhook subscriptions

    /// The tenant's active subscriptions, oldest first.
    func webhooks(tenantID: TenantID) async throws -> [WebhookRecord]
    /// Stores a subscription; throws `OperatorStoreError.limitReached` past `maximum` active ones.
    func createWebhook(_ draft: WebhookDraft, maximum: Int?) async throws -> WebhookRecord
    /// Deletes a subscription; `false` when the tenant has none by that id.
    func deleteWebhook(tenantID: TenantID, id: Int64) async throws -> Bool

    // MARK: Directory

    /// Mirrors each tenant's subscription (plan, limits, features) into the database.
    func syncSubscriptions(_ tenants: [TenantDefinition], at date: Date) async throws
}

/// A refusal of an `OperatorStore` write.
public enum OperatorStoreError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A row with this name already exists (`what` says which).
    case duplicate(String)
    /// A subscription limit (`max_api_keys`, `max_webhooks`, ...) is reached.
    case limitReached(limit: String, value: Int)

    public var description: String {
        switch self {
        case .duplicate(let what): return "\(what) already exists"
        case .limitReached(let limit, let value): return "the subscription's \(limit) (\(value)) is reached"
        }
    }
}

/// The calendar usage is counted in: UTC days and months.
public enum UsageCalendar {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }()

    /// `YYYY-MM-DD` of `date`'s UTC day.
    public static func day(_ date: Date) -> String {
        let (year, month, day) = civilDate(daysSinceEpoch(date))
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    /// The UTC year and month of `date`.
    public static func month(_ date: Date) -> (year: Int, month: Int) {
        let (year, month, _) = civilDate(daysSinceEpoch(date))
        return (year, month)
    }

    /// Midnight UTC of `date`'s day.
    public static func startOfDay(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(daysSinceEpoch(date)) * 86_400)
    }

    /// Whole UTC days from 1970-01-01 to `date` (negative before it). Usage is counted on every
    /// turn, on the store's writer: plain arithmetic rather than `Calendar`, which is slow.
    private static func daysSinceEpoch(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// The proleptic Gregorian year, month and day of a day count from 1970-01-01 (the
    /// "days from civil" inverse in Howard Hinnant's date algorithms).
    private static func civilDate(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The first and last `YYYY-MM-DD` of `date`'s UTC month.
    public static func monthRange(_ date: Date) -> (first: String, last: String) {
        let (year, month) = self.month(date)
        let first = String(format: "%04d-%02d-01", year, month)
        let start = calendar.date(from: DateComponents(year: year, month: month, day: 1)) ?? date
        let days = calendar.range(of: .day, in: .month, for: start)?.count ?? 31
        return (first, String(format: "%04d-%02d-%02d", year, month, days))
    }

    /// When the UTC day of `date` ends.
    public static func endOfDay(_ date: Date) -> Date { startOfDay(date).addingTimeInterval(86_400) }
}
