import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    /// Applies delivery reports to messages of `chatbots` (never moving a status backwards;
    /// `failed` wins over all but `read`).
    @discardableResult
    public func applyDeliveryStatuses(_ updates: [DeliveryStatusUpdate], sentBy chatbots: Set<ChatbotID>) async throws -> Int {
        guard !updates.isEmpty, !chatbots.isEmpty else { return 0 }
        let chatbotIDs = chatbots.map(\.rawValue)
        let now = Date()
        let states = updates.map(\.state.rawValue), codes = updates.map { $0.errorCode ?? "" }, messages = updates.map { $0.errorMessage ?? "" }
        let dates = updates.map { $0.at ?? now }, providers = updates.map(\.provider.rawValue), ids = updates.map(\.providerMessageID)
        let ranks = updates.map { Int64($0.state.rank) }
        return try await hostTransaction { connection in
            // One report per message, the one that applying the batch in order would leave: the
            // most advanced, except that a failure reported after a read in the batch does not
            // count (failed does not beat read); among equals the first. Then one UPDATE for all.
            let rows = try await connection.query(
                """
                WITH batch AS (
                    SELECT st, code, msg, d, pr, pid, rk, position,
                           min(position) FILTER (WHERE st = 'read') OVER (PARTITION BY pr, pid) AS first_read
                    FROM unnest(\(states)::text[], \(codes)::text[], \(messages)::text[], \(dates)::timestamptz[], \(providers)::text[],
                                \(ids)::text[], \(ranks)::bigint[]) WITH ORDINALITY AS v(st, code, msg, d, pr, pid, rk, position)
                ),
                reports AS (
                    SELECT DISTINCT ON (pr, pid) st, code, msg, d, pr, pid, rk
                    FROM batch
                    WHERE NOT (st = 'failed' AND first_read IS NOT NULL AND first_read < position)
                    ORDER BY pr, pid, rk DESC, position
                )
                UPDATE messages
                SET status = r.st,
                    error_code = CASE WHEN r.st = 'failed' THEN NULLIF(r.code, '') ELSE messages.error_code END,
                    error_message = CASE WHEN r.st = 'failed' THEN NULLIF(r.msg, '') ELSE messages.error_message END,
                    updated_at = r.d
                FROM reports r
                WHERE messages.provider_message_id = ANY(\(ids)::text[]) AND messages.direction = 'outbound'
                  AND messages.provider = r.pr AND messages.provider_message_id = r.pid
                  AND (CASE messages.status
                           WHEN 'queued' THEN 0 WHEN 'accepted' THEN 1 WHEN 'sent' THEN 2
                           WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 WHEN 'failed' THEN 5 ELSE 0
                       END) < r.rk
                  AND NOT (r.st = 'failed' AND messages.status = 'read')
                  AND messages.chatbot_id = ANY(\(chatbotIDs)::text[])
                RETURNING messages.id
                """,
                logger: logger
            )
            var changed = Set<Int64>()
            for try await id in rows.decode(Int64.self) { changed.insert(id) }
            return changed.count
        }
    }
}
