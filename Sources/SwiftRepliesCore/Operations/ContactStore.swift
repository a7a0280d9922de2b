import Foundation

/// Contacts and their conversations: the tenant's contacts, their messages page by page, and
/// pruning by `message_history_days`.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol ContactStore: Sendable {
    /// The contact with this phone number in this tenant, created when missing.
    func upsertContact(tenantID: TenantID, phone: PhoneNumber, name: String?) async throws -> Contact

    func contact(tenantID: TenantID, id: ContactID) async throws -> Contact?

    /// Full records of a contact's messages in a tenant, oldest first.
    func messages(tenantID: TenantID, contactID: ContactID, limit: Int) async throws -> [StoredMessage]

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

    /// Deletes the tenant's messages created before `date` whose work is done (processed inbound,
    /// outbound no longer queued or sending); returns how many (`message_history_days`).
    func pruneMessages(tenantID: TenantID, before date: Date) async throws -> Int
}
