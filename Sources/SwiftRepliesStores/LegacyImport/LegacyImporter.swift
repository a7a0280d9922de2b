import Foundation
import Logging
import SwiftRepliesCore

/// Brings a legacy single-tenant database into one tenant: contacts first (matched by phone
/// number), then messages, orders and campaigns, in batches of `batchSize` rows, each batch in
/// its own transaction. Idempotent: rows imported before are recognised by their legacy ids and
/// counted as already present, so running it again (or after an interruption) adds only what is
/// missing.
public struct LegacyImporter: Sendable {
    /// The legacy tables, in import order.
    public enum Table: String, Sendable, CaseIterable {
        case contacts, messages, orders, campaigns

        /// `contact`, `message`, ...
        public var singular: String { String(rawValue.dropLast()) }
    }

    /// How far the import is: `done` of `total` rows of `table` read and written.
    public struct Progress: Sendable, Hashable {
        public var table: Table
        public var done: Int
        public var total: Int
    }

    /// What happened to one table's rows.
    public struct TableResult: Sendable, Hashable {
        /// Rows written by this run.
        public var imported = 0
        /// Rows found already in the tenant (imported before, or contacts live traffic created).
        public var present = 0
        /// Rows that could not be imported (see the summary's warnings).
        public var skipped = 0
    }

    /// The outcome of an import.
    public struct Summary: Sendable, Hashable {
        public var results: [Table: TableResult] = [:]
        /// Why rows were skipped (the first few of each kind).
        public var warnings: [String] = []

        public subscript(table: Table) -> TableResult { results[table] ?? TableResult() }

        /// Whether this run added nothing.
        public var nothingNew: Bool { Table.allCases.allSatisfy { self[$0].imported == 0 } }

        /// `8 contacts, 614 messages, 3 orders, 1 campaign imported`, followed by what was
        /// already present and what was skipped, when anything was.
        public var line: String {
            var line = Self.list(Table.allCases.map { ($0, self[$0].imported) }) + " imported"
            let present = Table.allCases.map { ($0, self[$0].present) }.filter { $0.1 > 0 }
            if !present.isEmpty { line += " (\(Self.list(present)) already present)" }
            let skipped = Table.allCases.map { ($0, self[$0].skipped) }.filter { $0.1 > 0 }
            if !skipped.isEmpty { line += "; \(Self.list(skipped)) skipped" }
            return line
        }

        static func list(_ counts: [(Table, Int)]) -> String {
            counts.map { table, count in "\(count) \(count == 1 ? table.singular : table.rawValue)" }.joined(separator: ", ")
        }
    }

    public let source: any LegacyDatabase
    public let store: any LegacyImportStore
    public let tenantID: TenantID
    /// The chatbot whose conversations the messages join.
    public let chatbotID: ChatbotID
    /// Rows per read and per write transaction.
    public let batchSize: Int
    let logger: Logger

    /// How many warnings of each kind the summary keeps.
    static let warningsPerKind = 5

    public init(source: any LegacyDatabase, store: any LegacyImportStore, tenantID: TenantID, chatbotID: ChatbotID, batchSize: Int = 500, logger: Logger) {
        self.source = source
        self.store = store
        self.tenantID = tenantID
        self.chatbotID = chatbotID
        self.batchSize = max(1, batchSize)
        var logger = logger
        logger[metadataKey: "tenant"] = .string(tenantID.rawValue)
        logger[metadataKey: "chatbot"] = .string(chatbotID.rawValue)
        self.logger = logger
    }

    /// Runs the import, calling `progress` after each batch (and once per table at 0).
    public func run(progress: (Progress) -> Void) async throws -> Summary {
        let importedAt = Date()
        let totals = try await source.counts()
        logger.info(
            "Importing legacy database",
            metadata: [
                "source": .string(source.location), "layout": .string(source.layout.summary), "contacts": .stringConvertible(totals.contacts),
                "messages": .stringConvertible(totals.messages), "orders": .stringConvertible(totals.orders),
                "campaigns": .stringConvertible(totals.campaigns),
            ]
        )
        var summary = Summary()
        var warnings = WarningLog()

        // Contacts: legacy id → the tenant's contact.
        var contactIDs: [Int64: ContactID] = [:]
        var result = TableResult()
        var done = 0
        var after = Int64.min
        progress(Progress(table: .contacts, done: 0, total: totals.contacts))
        while true {
            let page = try await source.contacts(after: after, limit: batchSize)
            guard let last = page.last else { break }
            after = last.legacyID
            var valid: [LegacyContact] = []
            for contact in page {
                if contact.phone == nil {
                    result.skipped += 1
                    warnings.add("phone", "contact \(contact.legacyID) skipped: '\(contact.phoneNumber)' is not a phone number")
                } else {
                    valid.append(contact)
                }
            }
            let matches = try await store.importLegacyContacts(valid, tenantID: tenantID, chatbotID: chatbotID, importedAt: importedAt)
            for match in matches {
                contactIDs[match.legacyID] = match.contactID
                if match.created { result.imported += 1 } else { result.present += 1 }
            }
            done += page.count
            progress(Progress(table: .contacts, done: done, total: totals.contacts))
        }
        summary.results[.contacts] = result

        // Messages: only those whose contact was imported and whose direction is known.
        result = TableResult()
        done = 0
        after = Int64.min
        progress(Progress(table: .messages, done: 0, total: totals.messages))
        while true {
            let page = try await source.messages(after: after, limit: batchSize)
            guard let last = page.last else { break }
            after = last.legacyID
            var valid: [LegacyMessage] = []
            for message in page {
                if contactIDs[message.legacyContactID] == nil {
                    result.skipped += 1
                    warnings.add("orphan", "message \(message.legacyID) skipped: its contact \(message.legacyContactID) was not imported")
                } else if message.parsedDirection == nil {
                    result.skipped += 1
                    warnings.add("direction", "message \(message.legacyID) skipped: unknown direction '\(message.direction)'")
                } else {
                    valid.append(message)
                }
            }
            let inserted = try await store.importLegacyMessages(
                valid, contactIDs: contactIDs, tenantID: tenantID, chatbotID: chatbotID, importedAt: importedAt
            )
            result.imported += inserted
            result.present += valid.count - inserted
            done += page.count
            progress(Progress(table: .messages, done: done, total: totals.messages))
        }
        summary.results[.messages] = result

        // Orders: kept even when their contact is unknown (stored without one).
        result = TableResult()
        done = 0
        after = Int64.min
        progress(Progress(table: .orders, done: 0, total: totals.orders))
        while true {
            let page = try await source.orders(after: after, limit: batchSize)
            guard let last = page.last else { break }
            after = last.legacyID
            for order in page {
                if let contact = order.legacyContactID, contactIDs[contact] == nil {
                    warnings.add("order-contact", "order \(order.legacyID) imported without a contact: its contact \(contact) was not imported")
                }
            }
            let inserted = try await store.importLegacyOrders(page, contactIDs: contactIDs, tenantID: tenantID, chatbotID: chatbotID, importedAt: importedAt)
            result.imported += inserted
            result.present += page.count - inserted
            done += page.count
            progress(Progress(table: .orders, done: done, total: totals.orders))
        }
        summary.results[.orders] = result

        result = TableResult()
        done = 0
        after = Int64.min
        progress(Progress(table: .campaigns, done: 0, total: totals.campaigns))
        while true {
            let page = try await source.campaigns(after: after, limit: batchSize)
            guard let last = page.last else { break }
            after = last.legacyID
            let inserted = try await store.importLegacyCampaigns(page, tenantID: tenantID, chatbotID: chatbotID, importedAt: importedAt)
            result.imported += inserted
            result.present += page.count - inserted
            done += page.count
            progress(Progress(table: .campaigns, done: done, total: totals.campaigns))
        }
        summary.results[.campaigns] = result

        summary.warnings = warnings.lines
        logger.info("Imported legacy database", metadata: ["summary": .string(summary.line)])
        return summary
    }
}

/// Warnings kept per kind up to `LegacyImporter.warningsPerKind`, with a count of the rest.
private struct WarningLog {
    private var kept: [(kind: String, line: String)] = []
    private var counts: [String: Int] = [:]
    private var order: [String] = []

    mutating func add(_ kind: String, _ line: String) {
        if counts[kind] == nil { order.append(kind) }
        counts[kind, default: 0] += 1
        if (counts[kind] ?? 0) <= LegacyImporter.warningsPerKind { kept.append((kind, line)) }
    }

    var lines: [String] {
        order.flatMap { kind -> [String] in
            let lines = kept.filter { $0.kind == kind }.map(\.line)
            let more = (counts[kind] ?? 0) - lines.count
            return more > 0 ? lines + ["... and \(more) more like it"] : lines
        }
    }
}
