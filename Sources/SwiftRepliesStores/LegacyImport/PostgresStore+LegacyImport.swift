import Foundation
import Logging
import PostgresNIO
import SwiftRepliesCore

/// `import-legacy` writes: each call is one transaction as the application role with the target
/// tenant set, so row-level security holds the import to that tenant's rows. Batches are bound
/// arrays read through `unnest`.
extension PostgresStore: LegacyImportStore {
    public func importLegacyContacts(
        _ contacts: [LegacyContact], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date
    ) async throws -> [LegacyContactMatch] {
        let plan = LegacyContactPlan(contacts)
        guard !plan.phones.isEmpty else { return [] }
        let tenant = tenantID.rawValue, chatbot = chatbotID.rawValue, phones = plan.phones
        let threads = plan.phones.compactMap { plan.first[$0]?.threadID }
        let logger = self.logger

        let (contactIDs, created) = try await tenantTransaction(tenantID) { connection -> ([String: ContactID], Set<String>) in
            let existing = try await Self.contactIDs(connection, tenant: tenant, phones: phones, logger: logger)
            // A thread id another contact of the tenant already has is left out (unique per tenant).
            var takenThreads: Set<String> = []
            let takenRows = try await connection.query(
                "SELECT thread_id FROM contacts WHERE tenant_id = \(tenant) AND thread_id = ANY(\(threads)::text[])", logger: logger
            )
            for try await thread in takenRows.decode(String.self) { takenThreads.insert(thread) }

            var newPhones: [String] = [], names: [String] = [], hasName: [Bool] = [], newThreads: [String] = [], hasThread: [Bool] = []
            var legacyIDs: [Int64] = [], createdAt: [Date] = []
            var linkIDs: [Int64] = [], linkLegacyIDs: [Int64] = [], linkNames: [String] = [], linkHasName: [Bool] = []
            var linkThreads: [String] = [], linkHasThread: [Bool] = []
            for phone in plan.phones {
                guard let contact = plan.first[phone] else { continue }
                let thread = contact.threadID.flatMap { takenThreads.insert($0).inserted ? $0 : nil }
                if let id = existing[phone] {
                    linkIDs.append(id.rawValue)
                    linkLegacyIDs.append(contact.legacyID)
                    linkNames.append(contact.name ?? "")
                    linkHasName.append(contact.name != nil)
                    linkThreads.append(thread ?? "")
                    linkHasThread.append(thread != nil)
                } else {
                    newPhones.append(phone)
                    names.append(contact.name ?? "")
                    hasName.append(contact.name != nil)
                    newThreads.append(thread ?? "")
                    hasThread.append(thread != nil)
                    legacyIDs.append(contact.legacyID)
                    createdAt.append(contact.createdAt ?? importedAt)
                }
            }
            var created: Set<String> = []
            if !newPhones.isEmpty {
                let rows = try await connection.query(
                    """
                    INSERT INTO contacts (tenant_id, phone_number, name, thread_id, chatbot_id, legacy_id, created_at)
                    SELECT \(tenant), p, CASE WHEN hn THEN n END, CASE WHEN ht THEN t END, \(chatbot), l, c
                    FROM unnest(\(newPhones)::text[], \(names)::text[], \(hasName)::bool[], \(newThreads)::text[], \(hasThread)::bool[],
                                \(legacyIDs)::bigint[], \(createdAt)::timestamptz[]) AS v(p, n, hn, t, ht, l, c)
                    ORDER BY p
                    ON CONFLICT (tenant_id, phone_number) DO NOTHING
                    RETURNING phone_number
                    """,
                    logger: logger
                )
                for try await phone in rows.decode(String.self) { created.insert(phone) }
            }
            // Contacts live traffic created first: linked to their legacy row once, keeping what
            // they already have.
            if !linkIDs.isEmpty {
                try await connection.query(
                    """
                    UPDATE contacts c
                    SET legacy_id = v.l, name = COALESCE(c.name, CASE WHEN v.hn THEN v.n END),
                        thread_id = COALESCE(c.thread_id, CASE WHEN v.ht THEN v.t END)
                    FROM unnest(\(linkIDs)::bigint[], \(linkLegacyIDs)::bigint[], \(linkNames)::text[], \(linkHasName)::bool[],
                                \(linkThreads)::text[], \(linkHasThread)::bool[]) AS v(id, l, n, hn, t, ht)
                    WHERE c.tenant_id = \(tenant) AND c.id = v.id AND c.legacy_id IS NULL
                    """,
                    logger: logger
                )
            }
            return (try await Self.contactIDs(connection, tenant: tenant, phones: phones, logger: logger), created)
        }
        return try plan.matches(contactIDs: contactIDs, created: created)
    }

    public func importLegacyMessages(
        _ messages: [LegacyMessage], contactIDs: [Int64: ContactID], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date
    ) async throws -> Int {
        let rows = try LegacyMessageRow.rows(messages, contactIDs: contactIDs, importedAt: importedAt)
        guard !rows.isEmpty else { return 0 }
        let tenant = tenantID.rawValue, chatbot = chatbotID.rawValue
        let contacts = Array(Set(rows.map(\.contactID.rawValue)))
        let logger = self.logger

        return try await tenantTransaction(tenantID) { connection -> Int in
            // Imported messages go through the provider replies would use anyway: the contact's
            // latest live inbound message's, else the chatbot's first channel's (so importing
            // older history never changes where the next reply goes).
            let providerRows = try await connection.query(
                """
                SELECT c.id,
                       COALESCE(
                           (SELECT m.provider FROM messages m
                            WHERE m.tenant_id = c.tenant_id AND m.contact_id = c.id AND m.chatbot_id = \(chatbot)
                              AND m.direction = 'inbound' AND m.legacy_id IS NULL
                            ORDER BY m.id DESC LIMIT 1),
                           (SELECT n.provider FROM chatbot_numbers n WHERE n.chatbot_id = \(chatbot) ORDER BY n.position LIMIT 1),
                           'local'
                       )
                FROM contacts c
                WHERE c.tenant_id = \(tenant) AND c.id = ANY(\(contacts)::bigint[])
                """,
                logger: logger
            )
            var providers: [Int64: String] = [:]
            for try await (id, provider) in providerRows.decode((Int64, String).self) { providers[id] = provider }

            var contactColumn: [Int64] = [], directions: [String] = [], kinds: [String] = [], texts: [String] = [], hasText: [Bool] = []
            var answerable: [Bool] = [], providerColumn: [String] = [], statuses: [String] = [], purposes: [String] = []
            var hasPurpose: [Bool] = [], legacyIDs: [Int64] = [], times: [Date] = []
            for row in rows {
                guard let provider = providers[row.contactID.rawValue] else {
                    throw PostgresStoreError.unexpectedResult("contact \(row.contactID) does not exist in tenant '\(tenant)'")
                }
                contactColumn.append(row.contactID.rawValue)
                directions.append(row.direction.rawValue)
                kinds.append(row.kind.rawValue)
                texts.append(row.text ?? "")
                hasText.append(row.text != nil)
                answerable.append(row.answerable)
                providerColumn.append(provider)
                statuses.append(row.status)
                purposes.append(row.purpose?.rawValue ?? "")
                hasPurpose.append(row.purpose != nil)
                legacyIDs.append(row.legacyID)
                times.append(row.at)
            }
            let inserted = try await connection.query(
                """
                INSERT INTO messages (
                    tenant_id, chatbot_id, contact_id, direction, kind, text, answerable, provider, status, purpose,
                    legacy_id, created_at, processed_at, sent_at, updated_at
                )
                SELECT \(tenant), \(chatbot), ct, d, k, CASE WHEN ht THEN tx END, ans, pr, st, CASE WHEN hp THEN pu END,
                       l, s, CASE WHEN d = 'inbound' THEN s END, s, \(importedAt)
                FROM unnest(\(contactColumn)::bigint[], \(directions)::text[], \(kinds)::text[], \(texts)::text[], \(hasText)::bool[],
                            \(answerable)::bool[], \(providerColumn)::text[], \(statuses)::text[], \(purposes)::text[], \(hasPurpose)::bool[],
                            \(legacyIDs)::bigint[], \(times)::timestamptz[])
                     WITH ORDINALITY AS v(ct, d, k, tx, ht, ans, pr, st, pu, hp, l, s, position)
                ORDER BY position
                ON CONFLICT (tenant_id, legacy_id) WHERE legacy_id IS NOT NULL DO NOTHING
                RETURNING contact_id, created_at
                """,
                logger: logger
            )
            var count = 0
            var latest: [Int64: Date] = [:]
            for try await (contact, at) in inserted.decode((Int64, Date).self) {
                latest[contact] = max(latest[contact] ?? at, at)
                count += 1
            }
            if !latest.isEmpty {
                let ids = Array(latest.keys), moments = ids.map { latest[$0] ?? importedAt }
                try await connection.query(
                    """
                    UPDATE contacts c SET last_interaction = GREATEST(c.last_interaction, v.at)
                    FROM unnest(\(ids)::bigint[], \(moments)::timestamptz[]) AS v(id, at)
                    WHERE c.tenant_id = \(tenant) AND c.id = v.id
                    """,
                    logger: logger
                )
            }
            return count
        }
    }

    public func importLegacyOrders(
        _ orders: [LegacyOrder], contactIDs: [Int64: ContactID], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date
    ) async throws -> Int {
        guard !orders.isEmpty else { return 0 }
        let tenant = tenantID.rawValue, chatbot = chatbotID.rawValue, paymentStatus = LegacyImportValues.paymentStatus
        let contacts = orders.map { $0.legacyContactID.flatMap { contactIDs[$0] }?.rawValue ?? 0 }
        let hasContact = orders.map { $0.legacyContactID.flatMap { contactIDs[$0] } != nil }
        let statuses = orders.map(\.status), totals = orders.map { $0.total ?? 0 }, hasTotal = orders.map { $0.total != nil }
        let legacyIDs = orders.map(\.legacyID), createdAt = orders.map { $0.createdAt ?? importedAt }
        let byLegacyID = Dictionary(orders.map { ($0.legacyID, $0) }, uniquingKeysWith: { first, _ in first })
        let logger = self.logger

        return try await tenantTransaction(tenantID) { connection -> Int in
            let rows = try await connection.query(
                """
                INSERT INTO orders (tenant_id, chatbot_id, contact_id, status, total_amount, payment_status, legacy_id, created_at, updated_at)
                SELECT \(tenant), \(chatbot), CASE WHEN hc THEN c END, st, CASE WHEN ht THEN tot END, \(paymentStatus), l, cr, \(importedAt)
                FROM unnest(\(contacts)::bigint[], \(hasContact)::bool[], \(statuses)::text[], \(totals)::float8[], \(hasTotal)::bool[],
                            \(legacyIDs)::bigint[], \(createdAt)::timestamptz[])
                     WITH ORDINALITY AS v(c, hc, st, tot, ht, l, cr, position)
                ORDER BY position
                ON CONFLICT (tenant_id, legacy_id) WHERE legacy_id IS NOT NULL DO NOTHING
                RETURNING id, legacy_id
                """,
                logger: logger
            )
            var orderIDs: [Int64] = [], products: [String] = [], quantities: [Int64] = [], unitPrices: [Double] = []
            var itemTotals: [Double] = [], hasPrice: [Bool] = []
            var inserted = 0
            for try await (id, legacyID) in rows.decode((Int64, Int64).self) {
                inserted += 1
                // One item per new order: the legacy order's product.
                guard let order = byLegacyID[legacyID], let product = order.productName else { continue }
                orderIDs.append(id)
                products.append(product)
                quantities.append(Int64(order.quantity))
                unitPrices.append(order.total.map { order.quantity > 0 ? $0 / Double(order.quantity) : $0 } ?? 0)
                itemTotals.append(order.total ?? 0)
                hasPrice.append(order.total != nil)
            }
            if !orderIDs.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO order_items (tenant_id, order_id, product_name, quantity, unit_price, total_price)
                    SELECT \(tenant), o, p, q, CASE WHEN hp THEN u END, CASE WHEN hp THEN t END
                    FROM unnest(\(orderIDs)::bigint[], \(products)::text[], \(quantities)::bigint[], \(unitPrices)::float8[],
                                \(itemTotals)::float8[], \(hasPrice)::bool[]) AS v(o, p, q, u, t, hp)
                    """,
                    logger: logger
                )
            }
            return inserted
        }
    }

    public func importLegacyCampaigns(_ campaigns: [LegacyCampaign], tenantID: TenantID, chatbotID: ChatbotID, importedAt: Date) async throws -> Int {
        guard !campaigns.isEmpty else { return 0 }
        let tenant = tenantID.rawValue, chatbot = chatbotID.rawValue
        let names = campaigns.map(\.name), messages = campaigns.map { $0.message ?? "" }, hasMessage = campaigns.map { $0.message != nil }
        let statuses = campaigns.map(\.status), legacyIDs = campaigns.map(\.legacyID), createdAt = campaigns.map { $0.createdAt ?? importedAt }
        let logger = self.logger

        return try await tenantTransaction(tenantID) { connection -> Int in
            let rows = try await connection.query(
                """
                INSERT INTO campaigns (tenant_id, chatbot_id, name, message_template, status, legacy_id, created_at, updated_at)
                SELECT \(tenant), \(chatbot), n, CASE WHEN hm THEN m END, st, l, cr, \(importedAt)
                FROM unnest(\(names)::text[], \(messages)::text[], \(hasMessage)::bool[], \(statuses)::text[], \(legacyIDs)::bigint[],
                            \(createdAt)::timestamptz[])
                     WITH ORDINALITY AS v(n, m, hm, st, l, cr, position)
                ORDER BY position
                ON CONFLICT (tenant_id, legacy_id) WHERE legacy_id IS NOT NULL DO NOTHING
                RETURNING id
                """,
                logger: logger
            )
            var inserted = 0
            for try await _ in rows.decode(Int64.self) { inserted += 1 }
            return inserted
        }
    }

    /// The tenant's contact ids by phone number, for `phones`.
    private static func contactIDs(_ connection: PostgresConnection, tenant: String, phones: [String], logger: Logger) async throws -> [String: ContactID] {
        let rows = try await connection.query(
            "SELECT id, phone_number FROM contacts WHERE tenant_id = \(tenant) AND phone_number = ANY(\(phones)::text[])", logger: logger
        )
        var ids: [String: ContactID] = [:]
        for try await (id, phone) in rows.decode((Int64, String).self) { ids[phone] = ContactID(id) }
        return ids
    }
}
