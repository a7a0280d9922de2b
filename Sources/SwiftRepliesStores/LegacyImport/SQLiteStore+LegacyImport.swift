import Foundation
import SwiftRepliesCore

/// `import-legacy` writes: each call is one write transaction; every value is bound.
extension SQLiteStore: LegacyImportStore {
    public func importLegacyContacts(
        _ contacts: [LegacyContact], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date
    ) async throws -> [LegacyContactMatch] {
        let plan = LegacyContactPlan(contacts)
        guard !plan.phones.isEmpty else { return [] }
        let phonesJSON = try Self.jsonArray(plan.phones)
        let threadsJSON = try Self.jsonArray(plan.phones.compactMap { plan.first[$0]?.threadID })
        let tenant = SQLiteValue.text(tenantID.rawValue)

        let (contactIDs, created) = try await withWriteTransaction { db -> ([String: ContactID], Set<String>) in
            let existing = try Self.contactIDs(db, tenant: tenant, phonesJSON: phonesJSON)
            // A thread id another contact of the tenant already has is left out (unique per tenant).
            let takenRows = try db.query(
                "SELECT thread_id FROM contacts WHERE tenant_id = ? AND thread_id IN (SELECT value FROM json_each(?))",
                [tenant, .text(threadsJSON)]
            )
            var takenThreads = Set(try takenRows.map { try $0.text("thread_id") })

            var created: Set<String> = []
            let missing = plan.phones.filter { existing[$0] == nil }
            let columns = 7
            for chunk in missing.chunked(into: SQLPlaceholders.maxRows(columns: columns)) {
                var binds: [SQLiteValue] = []
                binds.reserveCapacity(chunk.count * columns)
                for phone in chunk {
                    guard let contact = plan.first[phone] else { continue }
                    let thread = contact.threadID.flatMap { takenThreads.insert($0).inserted ? $0 : nil }
                    binds += [
                        tenant, .text(phone), .optionalText(contact.name), .optionalText(thread), .text(chatbotID.rawValue),
                        .int64(contact.legacyID), .timestamp(contact.createdAt ?? importedAt),
                    ]
                }
                let rows = try db.query(
                    """
                    INSERT INTO contacts (tenant_id, phone_number, name, thread_id, chatbot_id, legacy_id, created_at)
                    VALUES \(SQLPlaceholders.rows(chunk.count, columns: columns))
                    ON CONFLICT(tenant_id, phone_number) DO NOTHING
                    RETURNING phone_number
                    """,
                    binds
                )
                for row in rows { created.insert(try row.text("phone_number")) }
            }

            // Contacts live traffic created first: linked to their legacy row once, keeping what
            // they already have.
            for phone in plan.phones {
                guard let id = existing[phone], let contact = plan.first[phone] else { continue }
                let thread = contact.threadID.flatMap { takenThreads.insert($0).inserted ? $0 : nil }
                _ = try db.query(
                    """
                    UPDATE contacts SET legacy_id = ?, name = COALESCE(name, ?), thread_id = COALESCE(thread_id, ?)
                    WHERE tenant_id = ? AND id = ? AND legacy_id IS NULL
                    """,
                    [.int64(contact.legacyID), .optionalText(contact.name), .optionalText(thread), tenant, .int64(id.rawValue)]
                )
            }
            return (try Self.contactIDs(db, tenant: tenant, phonesJSON: phonesJSON), created)
        }
        return try plan.matches(contactIDs: contactIDs, created: created)
    }

    public func importLegacyMessages(
        _ messages: [LegacyMessage], contactIDs: [Int64: ContactID], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date
    ) async throws -> Int {
        let rows = try LegacyMessageRow.rows(messages, contactIDs: contactIDs, importedAt: importedAt)
        guard !rows.isEmpty else { return 0 }
        let tenant = SQLiteValue.text(tenantID.rawValue)
        let chatbot = SQLiteValue.text(chatbotID.rawValue)
        let contactsJSON = String(decoding: try JSONEncoder().encode(Array(Set(rows.map(\.contactID.rawValue)))), as: UTF8.self)

        return try await withWriteTransaction { db -> Int in
            // Imported messages go through the provider replies would use anyway: the contact's
            // latest live inbound message's, else the chatbot's first channel's (so importing
            // older history never changes where the next reply goes).
            let providerRows = try db.query(
                """
                SELECT c.id AS id,
                       COALESCE(
                           (SELECT m.provider FROM messages m
                            WHERE m.tenant_id = c.tenant_id AND m.contact_id = c.id AND m.chatbot_id = ?
                              AND m.direction = 'inbound' AND m.legacy_id IS NULL
                            ORDER BY m.id DESC LIMIT 1),
                           (SELECT n.provider FROM chatbot_numbers n WHERE n.chatbot_id = ? ORDER BY n.position LIMIT 1),
                           'local'
                       ) AS provider
                FROM contacts c
                WHERE c.tenant_id = ? AND c.id IN (SELECT value FROM json_each(?))
                """,
                [chatbot, chatbot, tenant, .text(contactsJSON)]
            )
            var providers: [ContactID: String] = [:]
            for row in providerRows { providers[try row.contactID("id")] = try row.text("provider") }

            var inserted = 0
            var latest: [ContactID: Date] = [:]
            let columns = 15
            for chunk in rows.chunked(into: SQLPlaceholders.maxRows(columns: columns)) {
                var binds: [SQLiteValue] = []
                binds.reserveCapacity(chunk.count * columns)
                for row in chunk {
                    guard let provider = providers[row.contactID] else {
                        throw SQLiteStoreError.contactNotFound(tenantID: tenantID.rawValue, contactID: row.contactID.rawValue)
                    }
                    binds += [
                        tenant, chatbot, .int64(row.contactID.rawValue), .text(row.direction.rawValue), .text(row.kind.rawValue),
                        .optionalText(row.text), .flag(row.answerable), .text(provider), .text(row.status), .optionalText(row.purpose?.rawValue),
                        .int64(row.legacyID), .timestamp(row.at), .timestamp(row.direction == .inbound ? row.at : nil), .timestamp(row.at),
                        .timestamp(importedAt),
                    ]
                }
                let insertedRows = try db.query(
                    """
                    INSERT INTO messages (
                        tenant_id, chatbot_id, contact_id, direction, kind, text, answerable, provider, status, purpose,
                        legacy_id, created_at, processed_at, sent_at, updated_at
                    )
                    VALUES \(SQLPlaceholders.rows(chunk.count, columns: columns))
                    ON CONFLICT(tenant_id, legacy_id) WHERE legacy_id IS NOT NULL DO NOTHING
                    RETURNING contact_id, created_at
                    """,
                    binds
                )
                for row in insertedRows {
                    let contact = try row.contactID(), at = try row.timestamp("created_at")
                    latest[contact] = max(latest[contact] ?? at, at)
                    inserted += 1
                }
            }
            for (contact, at) in latest {
                _ = try db.query(
                    "UPDATE contacts SET last_interaction = MAX(COALESCE(last_interaction, ?1), ?1) WHERE tenant_id = ?2 AND id = ?3",
                    [.timestamp(at), tenant, .int64(contact.rawValue)]
                )
            }
            return inserted
        }
    }

    public func importLegacyOrders(
        _ orders: [LegacyOrder], contactIDs: [Int64: ContactID], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date
    ) async throws -> Int {
        guard !orders.isEmpty else { return 0 }
        let tenant = SQLiteValue.text(tenantID.rawValue)
        let byLegacyID = Dictionary(orders.map { ($0.legacyID, $0) }, uniquingKeysWith: { first, _ in first })
        return try await withWriteTransaction { db -> Int in
            var inserted: [(orderID: Int64, order: LegacyOrder)] = []
            let columns = 9
            for chunk in orders.chunked(into: SQLPlaceholders.maxRows(columns: columns)) {
                var binds: [SQLiteValue] = []
                binds.reserveCapacity(chunk.count * columns)
                for order in chunk {
                    let contact = order.legacyContactID.flatMap { contactIDs[$0] }
                    binds += [
                        tenant, .text(chatbotID.rawValue), contact.map { .int64($0.rawValue) } ?? .null, .text(order.status),
                        order.total.map { .float($0) } ?? .null, .text(LegacyImportValues.paymentStatus), .int64(order.legacyID),
                        .timestamp(order.createdAt ?? importedAt), .timestamp(importedAt),
                    ]
                }
                let rows = try db.query(
                    """
                    INSERT INTO orders (tenant_id, chatbot_id, contact_id, status, total_amount, payment_status, legacy_id, created_at, updated_at)
                    VALUES \(SQLPlaceholders.rows(chunk.count, columns: columns))
                    ON CONFLICT(tenant_id, legacy_id) WHERE legacy_id IS NOT NULL DO NOTHING
                    RETURNING id, legacy_id
                    """,
                    binds
                )
                for row in rows {
                    guard let order = byLegacyID[try row.int64("legacy_id")] else { continue }
                    inserted.append((try row.int64("id"), order))
                }
            }
            // One item per new order: the legacy order's product.
            let items = inserted.filter { $0.order.productName != nil }
            for chunk in items.chunked(into: SQLPlaceholders.maxRows(columns: 6)) {
                var binds: [SQLiteValue] = []
                for (orderID, order) in chunk {
                    let unitPrice = order.total.map { order.quantity > 0 ? $0 / Double(order.quantity) : $0 }
                    binds += [
                        tenant, .int64(orderID), .text(order.productName ?? ""), .int(order.quantity), unitPrice.map { .float($0) } ?? .null,
                        order.total.map { .float($0) } ?? .null,
                    ]
                }
                _ = try db.query(
                    """
                    INSERT INTO order_items (tenant_id, order_id, product_name, quantity, unit_price, total_price)
                    VALUES \(SQLPlaceholders.rows(chunk.count, columns: 6))
                    """,
                    binds
                )
            }
            return inserted.count
        }
    }

    public func importLegacyCampaigns(_ campaigns: [LegacyCampaign], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date) async throws -> Int {
        guard !campaigns.isEmpty else { return 0 }
        let tenant = SQLiteValue.text(tenantID.rawValue)
        return try await withWriteTransaction { db -> Int in
            var inserted = 0
            let columns = 8
            for chunk in campaigns.chunked(into: SQLPlaceholders.maxRows(columns: columns)) {
                var binds: [SQLiteValue] = []
                binds.reserveCapacity(chunk.count * columns)
                for campaign in chunk {
                    binds += [
                        tenant, .text(chatbotID.rawValue), .text(campaign.name), .optionalText(campaign.message), .text(campaign.status),
                        .int64(campaign.legacyID), .timestamp(campaign.createdAt ?? importedAt), .timestamp(importedAt),
                    ]
                }
                let rows = try db.query(
                    """
                    INSERT INTO campaigns (tenant_id, chatbot_id, name, message_template, status, legacy_id, created_at, updated_at)
                    VALUES \(SQLPlaceholders.rows(chunk.count, columns: columns))
                    ON CONFLICT(tenant_id, legacy_id) WHERE legacy_id IS NOT NULL DO NOTHING
                    RETURNING id
                    """,
                    binds
                )
                inserted += rows.count
            }
            return inserted
        }
    }

    /// The tenant's contact ids by phone number, for the phone numbers in `phonesJSON`.
    private static func contactIDs(_ db: SQLiteSession, tenant: SQLiteValue, phonesJSON: String) throws -> [String: ContactID] {
        let rows = try db.query(
            "SELECT id, phone_number FROM contacts WHERE tenant_id = ? AND phone_number IN (SELECT value FROM json_each(?))",
            [tenant, .text(phonesJSON)]
        )
        var ids: [String: ContactID] = [:]
        for row in rows { ids[try row.text("phone_number")] = try row.contactID("id") }
        return ids
    }
}
