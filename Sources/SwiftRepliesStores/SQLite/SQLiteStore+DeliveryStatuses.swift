import Foundation
import SwiftRepliesCore

extension SQLiteStore {
    /// Applies delivery reports in one transaction, to messages of `chatbots` only. A report
    /// applies only when it moves the message forward in `DeliveryState.rank` order; `failed`
    /// wins over every state but `read`.
    @discardableResult
    public func applyDeliveryStatuses(_ updates: [DeliveryStatusUpdate], sentBy chatbots: Set<ChatbotID>) async throws -> Int {
        guard !updates.isEmpty, !chatbots.isEmpty else { return 0 }
        let now = Date()
        let chatbotBinds = chatbots.sorted().map { SQLiteValue.text($0.rawValue) }
        let chatbotList = (0..<chatbotBinds.count).map { "?\($0 + 8)" }.joined(separator: ", ")
        return try await withWriteTransaction { db in
            var changed = Set<Int64>()
            for update in updates {
                let rows = try db.query(
                    """
                    UPDATE messages
                    SET status = ?1,
                        error_code = CASE WHEN ?1 = 'failed' THEN ?2 ELSE error_code END,
                        error_message = CASE WHEN ?1 = 'failed' THEN ?3 ELSE error_message END,
                        updated_at = ?4
                    WHERE direction = 'outbound' AND provider = ?5 AND provider_message_id = ?6
                      AND (CASE status
                               WHEN 'queued' THEN 0 WHEN 'accepted' THEN 1 WHEN 'sent' THEN 2
                               WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 WHEN 'failed' THEN 5 ELSE 0
                           END) < ?7
                      AND NOT (?1 = 'failed' AND status = 'read')
                      AND chatbot_id IN (\(chatbotList))
                    RETURNING id
                    """,
                    [
                        .text(update.state.rawValue), .optionalText(update.errorCode), .optionalText(update.errorMessage),
                        .timestamp(update.at ?? now), .text(update.provider.rawValue), .text(update.providerMessageID), .int(update.state.rank),
                    ] + chatbotBinds
                )
                for row in rows { changed.insert(try row.int64("id")) }
            }
            return changed.count
        }
    }
}
