import Foundation

/// Conversation instructions: what operators tell a chatbot to keep in mind for one conversation,
/// until they expire.
///
/// Every method that touches tenant data takes the tenant and filters by it (in PostgreSQL,
/// row-level security enforces the same boundary). Values are always bound, never interpolated
/// into SQL.
public protocol InstructionStore: Sendable {
    /// Active (unexpired) instructions of a conversation at `date`, oldest first.
    func activeInstructions(_ conversation: ConversationKey, at date: Date) async throws -> [ConversationInstruction]

    func addInstruction(_ conversation: ConversationKey, text: String, expiresAt: Date?, at date: Date) async throws -> ConversationInstruction

    /// Deletes an instruction of the tenant; `false` when it does not exist there.
    func deleteInstruction(tenantID: TenantID, id: Int64) async throws -> Bool

    /// Active, unexpired instructions for a contact at `date` (every chatbot), oldest first.
    func contactInstructions(tenantID: TenantID, contactID: ContactID, at date: Date) async throws -> [ConversationInstruction]
}
