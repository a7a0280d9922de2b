import Foundation

/// Live takeover: a person answering a contact in the bot's place, until released.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol TakeoverStore: Sendable {
    /// The contact's active takeover, if any.
    func activeTakeover(tenantID: TenantID, contactID: ContactID) async throws -> TakeoverRecord?

    /// Starts a takeover (counted in usage, `takeover.started` event) unless one is active.
    func startTakeover(tenantID: TenantID, chatbotID: ChatbotID, contactID: ContactID, startedBy: String, at date: Date) async throws -> TakeoverStart

    /// Ends the contact's active takeover; `nil` when there is none.
    func releaseTakeover(tenantID: TenantID, contactID: ContactID, at date: Date) async throws -> TakeoverRecord?
}
