import Foundation
import PostgresNIO
import SwiftRepliesCore

extension PostgresStore {
    /// Entries whose process stopped mid-send: its heartbeat is older than
    /// `Leases.heartbeatTimeout` (or gone), or the send lease itself has expired. Their outcome
    /// is unknown, so they are queued again at once and marked possibly duplicated. Entries
    /// another live process is sending are left alone. Returns how many.
    @discardableResult
    public func recoverInterruptedSends(at date: Date) async throws -> Int {
        let silentSince = date.addingTimeInterval(-leases.heartbeatTimeout)
        return try await hostTransaction { [holderID] connection in
            let rows = try await connection.query(
                """
                UPDATE messages SET status = 'queued', possibly_duplicated = true, next_attempt_at = \(date), updated_at = \(date),
                                    sending_holder = NULL, sending_until = NULL
                WHERE direction = 'outbound' AND status = 'sending'
                  AND (sending_until IS NULL OR sending_until < \(date) OR sending_holder IS NULL
                       OR (sending_holder <> \(holderID)
                           AND NOT EXISTS (
                               SELECT 1 FROM process_heartbeats p WHERE p.holder = messages.sending_holder AND p.beat_at >= \(silentSince)
                           )))
                RETURNING id
                """,
                logger: logger
            )
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
    }

    /// Records that this process is alive (its sends are its own while it beats), and forgets
    /// processes silent for an hour.
    public func recordHeartbeat(at date: Date) async throws {
        let forgottenBefore = date.addingTimeInterval(-3600)
        try await hostTransaction { [holderID] connection in
            try await connection.query(
                """
                WITH forgotten AS (DELETE FROM process_heartbeats WHERE beat_at < \(forgottenBefore) AND holder <> \(holderID))
                INSERT INTO process_heartbeats (holder, beat_at) VALUES (\(holderID), \(date))
                ON CONFLICT (holder) DO UPDATE SET beat_at = excluded.beat_at
                """,
                logger: logger
            )
        }
    }
}
