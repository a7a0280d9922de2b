import Foundation
import Logging
import SwiftRepliesCore
import Synchronization

/// The embedded SQLite backend of every store aggregate (`storeSet`), in WAL mode (the system's
/// SQLite library, driven through its C API by `SQLiteDatabaseConnection`).
///
/// It keeps connections to one database file, each on a thread of its own: a single writer that
/// runs every write, one transaction at a time (an async FIFO lock serialises writers, so SQLite
/// never answers `SQLITE_BUSY` between them; concurrent writes share a transaction, see
/// `GroupCommit.perform`), readers for plain reads, which WAL lets run while a write is in
/// progress, and one for checkpoints (`SQLiteCheckpointer`). Every value is bound as `SQLiteValue`; only
/// fixed SQL keywords and `?` placeholders are assembled into statement text.
///
/// `open` does not migrate: call `migrateUp()` before use. Call `shutdown()` before releasing the
/// store (it closes both connections).
public final class SQLiteStore: StoreLifecycle {
    /// The database file.
    public let path: String
    /// The migrations this store knows (`SQLiteMigrations.all` unless opened with others).
    public let migrations: [Migration]

    let writer: SQLiteDatabaseConnection
    /// Read connections, used in turn (WAL lets them read while the writer writes).
    let readers: [SQLiteDatabaseConnection]
    private let nextReader = Atomic<Int>(0)
    let writeLock = AsyncSerialLock()
    let combiner: GroupCommit<SQLiteWrite, Void>
    let checkpointer: SQLiteCheckpointer
    let turnCompletions = GroupCommit<TurnCompletion, [OutboxEntry]>()
    let sendOutcomes = GroupCommit<RecordedSendOutcome, Void>()
    /// Usage metering of concurrent turns, one batch per write.
    let meterings = GroupCommit<MessageMetering, MeterOutcome>()
    /// Contacts that have (or had) an active instruction, loaded on first use and kept current by
    /// `addInstruction`: a turn for any other contact needs no query. A superset is harmless;
    /// the store assumes it is the only process adding instructions to its file.
    let contactsWithInstructions = Mutex<Set<ContactID>?>(nil)
    /// Contacts that have (or had) a live takeover; see `activeTakeover`.
    let contactsWithTakeovers = Mutex<Set<ContactID>?>(nil)
    /// Stored knowledge base entries per "tenant/chatbot", and a counter of changes.
    let knowledgeCache = Mutex<(generation: Int, entries: [String: [KnowledgeRecord]])>((0, [:]))
    let logger: Logger
    private let isClosed = Mutex(false)

    public var backendName: String { "sqlite" }

    private init(
        path: String, migrations: [Migration], writer: SQLiteDatabaseConnection, readers: [SQLiteDatabaseConnection], checkpointer: SQLiteCheckpointer,
        logger: Logger
    ) {
        self.path = path
        self.migrations = migrations
        self.writer = writer
        self.readers = readers
        self.checkpointer = checkpointer
        self.combiner = GroupCommit(maximumBatch: 256)
        self.logger = logger
    }

    /// The number of read connections (and threads running them).
    static let readerCount = 2
    /// The writer's page cache, in KiB (`PRAGMA cache_size`): at most 32 MiB.
    static let writerCacheKiB = 32_768

    deinit {
        // Released without `shutdown()` (a task cancelled mid-teardown, say): close the
        // connections and stop their threads anyway.
        if !isClosed.withLock({ $0 }) {
            for connection in [writer] + readers { connection.closeWhenIdle() }
            checkpointer.closeWhenIdle()
        }
    }

    /// How many WAL pages (4 KiB each) start a checkpoint, which copies them back into the
    /// database file (SQLite's own default is 1,000). A checkpoint writes each page changed since
    /// the last one once and syncs the file; the store's hot pages (index leaves, the newest rows)
    /// change thousands of times a second, so checkpointing less often writes far fewer pages in
    /// all. Checkpoints run beside the commits (`SQLiteCheckpointer`), not inside one, but the
    /// end of each one holds the writer for a few milliseconds (it syncs the database file): at
    /// 15,000 pages those pauses come about twice a second under load rather than three times,
    /// which took about a millisecond off the p99 acknowledgement latency at the same CPU. The
    /// cost is a WAL file of about 60 MiB.
    public static let defaultCheckpointPages = 15_000

    /// Opens (creating when missing) the database at `path` with the built-in migrations.
    ///
    /// Sets `journal_mode=WAL`, `synchronous` (FULL by default), `foreign_keys=ON` and
    /// `busy_timeout=5000`; checkpoints every `checkpointPages` WAL pages, beside the commits
    /// (0: never). Does not migrate.
    public static func open(
        path: String, synchronous: SQLiteSynchronous = .full, checkpointPages: Int = defaultCheckpointPages, logger: Logger
    ) async throws -> SQLiteStore {
        try await open(path: path, synchronous: synchronous, checkpointPages: checkpointPages, migrations: SQLiteMigrations.all, logger: logger)
    }

    /// Opens the database at `path` with a custom migration list (tools and tests).
    public static func open(
        path: String, synchronous: SQLiteSynchronous = .full, checkpointPages: Int = defaultCheckpointPages, migrations: [Migration],
        logger: Logger
    ) async throws -> SQLiteStore {
        let migrations = try MigrationRunner<SQLiteMigrationDriver>.validated(migrations)
        var opened: [SQLiteDatabaseConnection] = []
        do {
            let writer = try await SQLiteDatabaseConnection.open(path: path)
            opened.append(writer)
            // WAL first: it is a property of the file, which the readers then open in WAL mode.
            let modes = try await writer.query("PRAGMA journal_mode = WAL")
            let mode = try modes.first.map { try $0.text("journal_mode") } ?? "unknown"
            if mode.lowercased() != "wal" {
                logger.warning("SQLite did not switch to WAL mode", metadata: ["path": .string(path), "journal_mode": .string(mode)])
            }
            try await writer.perform { session in
                try session.query("PRAGMA synchronous = \(synchronous.pragmaValue)")
                try session.query("PRAGMA foreign_keys = ON")
                try session.query("PRAGMA busy_timeout = 5000")
                // Statement journals and temporary tables in memory.
                try session.query("PRAGMA temp_store = MEMORY")
                // The writer's page cache, filled as pages are read (a small database uses little).
                // Each message lands on a few index pages anywhere in the file (provider ids,
                // conversations); with SQLite's default 2 MiB most of those were re-read from the
                // file on every commit (about 4 reads per message under load).
                try session.query("PRAGMA cache_size = -\(writerCacheKiB)")
            }
            var readers: [SQLiteDatabaseConnection] = []
            for _ in 0..<readerCount {
                let reader = try await SQLiteDatabaseConnection.open(path: path)
                opened.append(reader)
                try await reader.perform { session in
                    try session.query("PRAGMA foreign_keys = ON")
                    try session.query("PRAGMA busy_timeout = 5000")
                    try session.query("PRAGMA query_only = ON")
                }
                readers.append(reader)
            }
            let checkpoints = try await SQLiteDatabaseConnection.open(path: path)
            opened.append(checkpoints)
            try await checkpoints.query("PRAGMA busy_timeout = 5000")
            let checkpointer = SQLiteCheckpointer(connection: checkpoints, threshold: max(0, checkpointPages), logger: logger)
            try await writer.reportWALSize(to: checkpointer.counter)
            logger.debug("Opened SQLite store", metadata: ["path": .string(path), "synchronous": .string(synchronous.rawValue)])
            return SQLiteStore(path: path, migrations: migrations, writer: writer, readers: readers, checkpointer: checkpointer, logger: logger)
        } catch {
            for connection in opened { try? await connection.close() }
            throw error
        }
    }

    // MARK: Migrations

    @discardableResult
    public func migrateUp() async throws -> [Int] {
        let applied = try await withWriter { connection in
            try await self.migrationRunner(connection).up()
        }
        if !applied.isEmpty {
            logger.info("Applied migrations", metadata: ["versions": .string(applied.map(String.init).joined(separator: ","))])
        }
        return applied
    }

    @discardableResult
    public func migrateDown(to target: Int) async throws -> [Int] {
        let reverted = try await withWriter { connection in
            try await self.migrationRunner(connection).down(to: target)
        }
        if !reverted.isEmpty {
            logger.info("Rolled back migrations", metadata: ["versions": .string(reverted.map(String.init).joined(separator: ","))])
        }
        return reverted
    }

    public func migrationStatus() async throws -> MigrationStatus {
        try await withWriter { connection in
            try await self.migrationRunner(connection).status()
        }
    }

    private func migrationRunner(_ connection: SQLiteDatabaseConnection) throws -> MigrationRunner<SQLiteMigrationDriver> {
        try MigrationRunner(migrations: migrations, driver: SQLiteMigrationDriver(connection: connection))
    }

    // MARK: Lifecycle

    public func ping() async throws {
        _ = try await read("SELECT 1 AS one")
    }

    /// Closes the connections after the write in progress, if any, finishes. Idempotent.
    public func shutdown() async throws {
        let wasClosed = isClosed.withLock { closed -> Bool in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        var failure: (any Error)?
        do {
            try await writeLock.withLock {
                // A background checkpoint in progress finishes first.
                try await checkpointer.close()
                try await writer.close()
            }
        } catch {
            failure = error
        }
        for reader in readers {
            do {
                try await reader.close()
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        logger.debug("Closed SQLite store", metadata: ["path": .string(path)])
    }

    // MARK: Connection helpers

    func ensureOpen() throws {
        if isClosed.withLock({ $0 }) { throw SQLiteStoreError.closed }
    }

    /// Runs a read on the reader connection (autocommit: one consistent snapshot per statement).
    func read(_ sql: String, _ binds: [SQLiteValue] = []) async throws -> [SQLiteResultRow] {
        try ensureOpen()
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await readers[abs(index % readers.count)].query(sql, binds)
    }

    /// Runs `body` on the writer connection while holding the write lock, without a transaction
    /// (single statements and migrations, which manage their own).
    func withWriter<T>(_ body: (SQLiteDatabaseConnection) async throws -> T) async throws -> T {
        try await writeLock.withLock {
            try ensureOpen()
            return try await body(writer)
        }
    }

    /// Runs `body` in a write transaction on the writer connection's thread: writes that arrive
    /// together share one transaction and one commit (group commit, see `GroupCommit.perform`); returns
    /// after the commit. When `body` fails, only its own work is rolled back and the error rethrown.
    func withWriteTransaction<T: Sendable>(_ body: @escaping @Sendable (SQLiteSession) throws -> T) async throws -> T {
        try ensureOpen()
        return try await combiner.perform(lock: writeLock, connection: writer, checkpointer: checkpointer, body)
    }
}
