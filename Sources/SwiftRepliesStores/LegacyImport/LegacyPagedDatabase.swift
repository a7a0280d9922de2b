import SwiftRepliesCore

/// Reads pages of a table through `page(table, after, limit)` and converts them.
protocol LegacyPagedDatabase: LegacyDatabase {
    func page(_ table: String, after: Int64, limit: Int) async throws -> [[LegacyValue]]
    func count(_ table: String) async throws -> Int
}

extension LegacyPagedDatabase {
    public func counts() async throws -> LegacyTableCounts {
        LegacyTableCounts(
            contacts: try await count("contacts"), messages: try await count("messages"), orders: try await count("orders"),
            campaigns: try await count("campaigns")
        )
    }

    public func contacts(after: Int64, limit: Int) async throws -> [LegacyContact] {
        try await page("contacts", after: after, limit: limit).compactMap(LegacyRows.contact)
    }

    public func messages(after: Int64, limit: Int) async throws -> [LegacyMessage] {
        try await page("messages", after: after, limit: limit).compactMap(LegacyRows.message)
    }

    public func orders(after: Int64, limit: Int) async throws -> [LegacyOrder] {
        try await page("orders", after: after, limit: limit).compactMap(LegacyRows.order)
    }

    public func campaigns(after: Int64, limit: Int) async throws -> [LegacyCampaign] {
        try await page("campaigns", after: after, limit: limit).compactMap(LegacyRows.campaign)
    }
}
