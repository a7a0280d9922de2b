import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    public func syncDirectory(_ tenants: [TenantDefinition]) async throws {
        let now = Date()
        let chatbots = tenants.flatMap(\.chatbots)
        let tenantIDs = try Self.jsonArray(tenants.map(\.id.rawValue))
        let chatbotIDs = try Self.jsonArray(chatbots.map(\.id.rawValue))
        try await withWriteTransaction { db in
            for chunk in tenants.chunked(into: SQLPlaceholders.maxRows(columns: 6)) {
                var binds: [SQLiteValue] = []
                binds.reserveCapacity(chunk.count * 6)
                for tenant in chunk {
                    binds += [.text(tenant.id.rawValue), .text(tenant.name), .text(tenant.subscription.plan), .flag(true), .timestamp(now), .timestamp(now)]
                }
                _ = try db.query(
                    """
                    INSERT INTO tenants (id, name, plan, is_active, created_at, updated_at)
                    VALUES \(SQLPlaceholders.rows(chunk.count, columns: 6))
                    ON CONFLICT(id) DO UPDATE SET
                        name = excluded.name, plan = excluded.plan, is_active = 1, updated_at = excluded.updated_at
                    """,
                    binds
                )
            }
            // Tenants and chatbots no longer configured are kept (with their history), inactive.
            _ = try db.query(
                "UPDATE tenants SET is_active = 0, updated_at = ? WHERE is_active = 1 AND id NOT IN (SELECT value FROM json_each(?))",
                [.timestamp(now), .text(tenantIDs)]
            )
            for chunk in chatbots.chunked(into: SQLPlaceholders.maxRows(columns: 7)) {
                var binds: [SQLiteValue] = []
                binds.reserveCapacity(chunk.count * 7)
                for chatbot in chunk {
                    binds += [
                        .text(chatbot.id.rawValue), .text(chatbot.tenantID.rawValue), .text(chatbot.name), .text(chatbot.agentID.rawValue),
                        .flag(true), .timestamp(now), .timestamp(now),
                    ]
                }
                _ = try db.query(
                    """
                    INSERT INTO chatbots (id, tenant_id, name, agent_id, is_active, created_at, updated_at)
                    VALUES \(SQLPlaceholders.rows(chunk.count, columns: 7))
                    ON CONFLICT(id) DO UPDATE SET
                        tenant_id = excluded.tenant_id, name = excluded.name, agent_id = excluded.agent_id,
                        is_active = 1, updated_at = excluded.updated_at
                    """,
                    binds
                )
            }
            _ = try db.query(
                "UPDATE chatbots SET is_active = 0, updated_at = ? WHERE is_active = 1 AND id NOT IN (SELECT value FROM json_each(?))",
                [.timestamp(now), .text(chatbotIDs)]
            )
            // The numbers mirror the configuration exactly.
            _ = try db.query("DELETE FROM chatbot_numbers")
            let numbers = chatbots.flatMap { chatbot in chatbot.channels.enumerated().map { (chatbot.id, $0.offset, $0.element) } }
            for chunk in numbers.chunked(into: SQLPlaceholders.maxRows(columns: 6)) {
                var binds: [SQLiteValue] = []
                binds.reserveCapacity(chunk.count * 6)
                for (chatbotID, position, channel) in chunk {
                    binds += [
                        .text(chatbotID.rawValue), .int(position), .text(channel.accountID), .text(channel.provider.rawValue),
                        .text(channel.number.digits), .optionalText(channel.phoneNumberID),
                    ]
                }
                _ = try db.query(
                    """
                    INSERT INTO chatbot_numbers (chatbot_id, position, account_id, provider, number, phone_number_id)
                    VALUES \(SQLPlaceholders.rows(chunk.count, columns: 6))
                    """,
                    binds
                )
            }
        }
    }

    public func upsertContact(tenantID: TenantID, phone: PhoneNumber, name: String?) async throws -> Contact {
        let rows = try await withWriteTransaction { db in
            try db.query(
                """
                INSERT INTO contacts (tenant_id, phone_number, name, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(tenant_id, phone_number) DO UPDATE SET name = COALESCE(excluded.name, contacts.name)
                RETURNING id, tenant_id, phone_number, name
                """,
                [.text(tenantID.rawValue), .text(phone.digits), .optionalText(name), .timestamp(Date())]
            )
        }
        guard let row = rows.first else { throw SQLiteStoreError.unexpectedResult("contact upsert returned no row") }
        return try Self.contact(from: row)
    }

    public func contact(tenantID: TenantID, id: ContactID) async throws -> Contact? {
        let rows = try await read(
            "SELECT id, tenant_id, phone_number, name FROM contacts WHERE tenant_id = ? AND id = ?",
            [.text(tenantID.rawValue), .int64(id.rawValue)]
        )
        return try rows.first.map(Self.contact(from:))
    }

    static func contact(from row: SQLiteResultRow) throws -> Contact {
        Contact(id: try row.contactID("id"), tenantID: try row.tenantID(), phone: try row.phone(), name: try row.optionalText("name"))
    }

    /// A JSON array of strings, bound as one value and read with `json_each` (no variable limit).
    static func jsonArray(_ values: [String]) throws -> String {
        let data = try JSONEncoder().encode(values)
        return String(decoding: data, as: UTF8.self)
    }
}
