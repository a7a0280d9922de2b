import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    static let takeoverColumns = "id, tenant_id, chatbot_id, contact_id, started_by, started_at, released_at"

    /// Contacts that have (or had) a takeover, loaded on first use and kept current by
    /// `startTakeover`: a turn for any other contact needs no query (the store is the only
    /// process writing its file; a superset is harmless).
    private func takeoverContacts() async throws -> Set<ContactID> {
        if let known = contactsWithTakeovers.withLock({ $0 }) { return known }
        let rows = try await read("SELECT DISTINCT contact_id FROM takeovers WHERE released_at IS NULL")
        let loaded = Set(try rows.map { try $0.contactID("contact_id") })
        return contactsWithTakeovers.withLock { cached in
            if cached == nil { cached = loaded }
            return cached ?? loaded
        }
    }

    public func activeTakeover(tenantID: TenantID, contactID: ContactID) async throws -> TakeoverRecord? {
        if !(try await takeoverContacts().contains(contactID)) { return nil }
        let rows = try await read(
            "SELECT \(Self.takeoverColumns) FROM takeovers WHERE tenant_id = ? AND contact_id = ? AND released_at IS NULL",
            [.text(tenantID.rawValue), .int64(contactID.rawValue)]
        )
        return try rows.first.map(Self.takeoverRecord(from:))
    }

    public func startTakeover(tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID, startedBy: String, at date: Date) async throws -> TakeoverStart {
        // Known before the takeover commits, so no turn after it skips the check.
        _ = try await takeoverContacts()
        contactsWithTakeovers.withLock { _ = $0?.insert(contactID) }
        return try await withWriteTransaction { db in
            let rows = try db.query(
                """
                INSERT INTO takeovers (tenant_id, chatbot_id, contact_id, started_by, started_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id, contact_id) WHERE released_at IS NULL DO NOTHING
                RETURNING \(Self.takeoverColumns)
                """,
                [.text(tenantID.rawValue), .text(chatbotID.rawValue), .int64(contactID.rawValue), .text(startedBy), .timestamp(date)]
            )
            if let row = rows.first {
                let record = try Self.takeoverRecord(from: row)
                try self.bumpUsage(db, tenantID: tenantID, TakeoverRules.startUsage, at: date)
                try self.insertEvent(db, TakeoverRules.startedEvent(record, at: date))
                return .started(record)
            }
            let active = try db.query(
                "SELECT \(Self.takeoverColumns) FROM takeovers WHERE tenant_id = ? AND contact_id = ? AND released_at IS NULL",
                [.text(tenantID.rawValue), .int64(contactID.rawValue)]
            )
            guard let row = active.first else { throw SQLiteStoreError.unexpectedResult("takeover conflict without an active takeover") }
            return .alreadyActive(try Self.takeoverRecord(from: row))
        }
    }

    public func releaseTakeover(tenantID: TenantID, contactID: ContactID, at date: Date) async throws -> TakeoverRecord? {
        try await withWriteTransaction { db in
            let rows = try db.query(
                """
                UPDATE takeovers SET released_at = ?
                WHERE tenant_id = ? AND contact_id = ? AND released_at IS NULL
                RETURNING \(Self.takeoverColumns)
                """,
                [.timestamp(date), .text(tenantID.rawValue), .int64(contactID.rawValue)]
            )
            guard let row = rows.first else { return nil }
            let record = try Self.takeoverRecord(from: row)
            try self.insertEvent(db, TakeoverRules.releasedEvent(record, at: date))
            return record
        }
    }

    static func takeoverRecord(from row: SQLiteResultRow) throws -> TakeoverRecord {
        TakeoverRecord(
            id: try row.int64("id"), tenantID: try row.tenantID(), chatbotID: try row.chatbotID(), contactID: try row.contactID(),
            startedBy: try row.optionalText("started_by"), startedAt: try row.timestamp("started_at"), releasedAt: try row.optionalTimestamp("released_at")
        )
    }
}
