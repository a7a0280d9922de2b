import Foundation

/// What the webhook routes write: routed inbound messages, messages to numbers no tenant has, and
/// providers' delivery reports (the hot path's intake).
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol IntakeStore: Sendable {
    /// Stores routed inbound messages (creating contacts as needed) in one transaction; returns
    /// one outcome per envelope, in order. A provider id already stored for the chatbot is a
    /// duplicate and is not stored again.
    func ingest(_ batch: [InboundEnvelope]) async throws -> [IngestOutcome]

    /// Keeps messages sent to numbers no tenant has, once per provider message id; returns how
    /// many were new (a provider's redelivery of one already kept is not).
    @discardableResult
    func recordUnroutable(_ batch: [UnroutableMessage]) async throws -> Int

    /// Applies provider delivery reports to stored outbound messages of `chatbots` (never moving
    /// a status backwards); returns how many messages changed. `chatbots` are those the account
    /// that signed the reports serves: a report never changes a message another account sent.
    @discardableResult
    func applyDeliveryStatuses(_ updates: [DeliveryStatusUpdate], sentBy chatbots: Set<ChatbotID>) async throws -> Int
}
