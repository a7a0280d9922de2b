import Foundation

/// A tenant's counters for one UTC day (`usage_tracking`).
public struct DailyUsage: Sendable, Hashable {
    /// `YYYY-MM-DD`.
    public var date: String
    public var messagesSent: Int
    public var messagesReceived: Int
    /// Replies the bot did not send because a message limit was reached.
    public var overageMessages: Int
    public var liveTakeoversUsed: Int
    public var actionsCreated: Int
    public var apiCallsMade: Int

    public init(
        date: String, messagesSent: Int = 0, messagesReceived: Int = 0, overageMessages: Int = 0, liveTakeoversUsed: Int = 0, actionsCreated: Int = 0,
        apiCallsMade: Int = 0
    ) {
        self.date = date
        self.messagesSent = messagesSent
        self.messagesReceived = messagesReceived
        self.overageMessages = overageMessages
        self.liveTakeoversUsed = liveTakeoversUsed
        self.actionsCreated = actionsCreated
        self.apiCallsMade = apiCallsMade
    }
}

/// A tenant's counters for one UTC month (`monthly_usage_summary`, plus the month's daily
/// takeover, action and API call totals).
public struct MonthlyUsage: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var messagesSent: Int
    public var messagesReceived: Int
    public var overageMessages: Int
    public var liveTakeoversUsed: Int
    public var actionsCreated: Int
    public var apiCallsMade: Int

    public init(
        year: Int, month: Int, messagesSent: Int = 0, messagesReceived: Int = 0, overageMessages: Int = 0, liveTakeoversUsed: Int = 0,
        actionsCreated: Int = 0, apiCallsMade: Int = 0
    ) {
        self.year = year
        self.month = month
        self.messagesSent = messagesSent
        self.messagesReceived = messagesReceived
        self.overageMessages = overageMessages
        self.liveTakeoversUsed = liveTakeoversUsed
        self.actionsCreated = actionsCreated
        self.apiCallsMade = apiCallsMade
    }
}

/// Today and this month.
public struct UsageReport: Sendable, Hashable {
    public var day: DailyUsage
    public var month: MonthlyUsage

    public init(day: DailyUsage, month: MonthlyUsage) {
        self.day = day
        self.month = month
    }
}

/// A turn's messages to count against the tenant's message limits.
public struct MessageMetering: Sendable, Hashable {
    public var tenantID: TenantID
    public var chatbotID: ChatbotID?
    public var contactID: ContactID?
    /// Customer messages of the turn.
    public var received: Int
    /// Replies the bot wants to send.
    public var wantedSends: Int
    /// Replies withheld before the agent ran (the limit was already reached), counted as overage.
    public var withheld: Int
    public var dailyLimit: Int?
    public var monthlyLimit: Int?
    public var at: Date

    public init(
        tenantID: TenantID, chatbotID: ChatbotID? = nil, contactID: ContactID? = nil, received: Int, wantedSends: Int, withheld: Int = 0,
        dailyLimit: Int?, monthlyLimit: Int?, at: Date
    ) {
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.contactID = contactID
        self.received = received
        self.wantedSends = wantedSends
        self.withheld = withheld
        self.dailyLimit = dailyLimit
        self.monthlyLimit = monthlyLimit
        self.at = at
    }
}

/// A usage period.
public enum UsagePeriod: String, Sendable, Hashable, CaseIterable {
    case day, month
}

/// What `meterMessages` decided.
public struct MeterOutcome: Sendable, Hashable {
    /// How many of the wanted replies may be sent (the first ones).
    public var allowedSends: Int
    /// Replies refused (plus those withheld), counted as overage.
    public var overage: Int
    /// Periods whose limit was exceeded for the first time (a `usage.limit_exceeded` event
    /// was recorded for each).
    public var newlyExceeded: [UsagePeriod]

    public init(allowedSends: Int, overage: Int, newlyExceeded: [UsagePeriod]) {
        self.allowedSends = allowedSends
        self.overage = overage
        self.newlyExceeded = newlyExceeded
    }
}

/// Plain additions to a tenant's counters.
public struct UsageIncrements: Sendable, Hashable {
    public var messagesSent: Int
    public var messagesReceived: Int
    public var liveTakeovers: Int
    public var actionsCreated: Int
    public var apiCalls: Int

    public init(messagesSent: Int = 0, messagesReceived: Int = 0, liveTakeovers: Int = 0, actionsCreated: Int = 0, apiCalls: Int = 0) {
        self.messagesSent = messagesSent
        self.messagesReceived = messagesReceived
        self.liveTakeovers = liveTakeovers
        self.actionsCreated = actionsCreated
        self.apiCalls = apiCalls
    }
}
