import Logging
import Synchronization

/// Keeps the SQLite store's WAL short without stalling its commits.
///
/// SQLite's own automatic checkpoint runs inside the commit that crosses the threshold: that
/// commit, and every write waiting for the writer, waits while thousands of pages are copied into
/// the database file and the file is synced. Here the writer only reports the WAL's size after
/// each commit (`WALFrameCounter`). Past `threshold` frames a passive checkpoint copies the bulk
/// on a connection and thread of its own while commits go on; then the writer's next commit
/// finishes the few frames added meanwhile (cheap, and with no commit in between), so the
/// following transaction starts the WAL over instead of letting it grow under steady load.
final class SQLiteCheckpointer: Sendable {
    /// Fed by the writer's WAL hook.
    let counter = WALFrameCounter()
    /// WAL frames that start a checkpoint; 0 never checkpoints.
    let threshold: Int
    private let connection: SQLiteDatabaseConnection
    private let logger: Logger
    private let running = Atomic<Bool>(false)
    private let tailDue = Atomic<Bool>(false)

    init(connection: SQLiteDatabaseConnection, threshold: Int, logger: Logger) {
        self.connection = connection
        self.threshold = threshold
        self.logger = logger
    }

    /// Called on the writer's thread after each commit, with the writer's session.
    func afterCommit(_ writer: SQLiteSession) {
        guard threshold > 0 else { return }
        if tailDue.exchange(false, ordering: .acquiringAndReleasing) {
            checkpoint(writer, what: "the rest of a checkpoint")
            return
        }
        guard counter.frames.load(ordering: .relaxed) >= threshold,
            running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        connection.submit { [self] session in
            if checkpoint(session, what: "a background checkpoint") { tailDue.store(true, ordering: .releasing) }
            running.store(false, ordering: .releasing)
        }
    }

    /// The connection the background checkpoints run on (closed with the store).
    func close() async throws { try await connection.close() }

    func closeWhenIdle() { connection.closeWhenIdle() }

    @discardableResult
    private func checkpoint(_ session: SQLiteSession, what: String) -> Bool {
        do {
            try session.query("PRAGMA wal_checkpoint(PASSIVE)")
            return true
        } catch {
            logger.warning("SQLite checkpoint failed; the WAL grows until the next one", metadata: ["checkpoint": "\(what)", "error": "\(error)"])
            return false
        }
    }
}
