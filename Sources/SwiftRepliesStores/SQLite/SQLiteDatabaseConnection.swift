import CSQLite3
import Foundation
import NIOPosix
import Synchronization

/// One connection to a SQLite database file, driven through SQLite's C API on a thread of its own.
///
/// Why not `SQLiteConnection` for the store: sqlite-nio runs every statement as its own job on
/// its thread pool, hands each row to the event loop, and completes a promise there, so a
/// statement costs three or more thread switches and is parsed anew each time. A store
/// transaction runs several statements, and the hot path runs thousands of transactions a second.
/// Here a whole transaction is one job on the connection's thread (`perform`): its statements run
/// back to back, and each statement text is prepared once and kept (`StatementCache`). Every
/// SQLite file the process opens (the store, the legacy importer, tests) goes through this type,
/// over the system's one SQLite library (`CSQLite3`): two copies of SQLite in one process would
/// release each other's POSIX file locks.
///
/// Thread confinement is the whole safety argument: the connection's state (the `sqlite3*`
/// handle and its prepared statements) is touched only by jobs of `thread`, a pool of exactly one
/// thread, which runs them one after another. Code reaches the state only through the
/// `SQLiteSession` that `perform` lends to its closure, and a session cannot leave it (it is not
/// `Sendable`).
final class SQLiteDatabaseConnection: Sendable {
    private let thread: NIOThreadPool
    private let state: ConfinedState

    private init(thread: NIOThreadPool, state: ConfinedState) {
        self.thread = thread
        self.state = state
    }

    /// Opens the database file at `path` (a plain path or a `file:` URI) on a new thread:
    /// creating it when missing, or, with `readOnly`, only an existing file, for reading.
    static func open(path: String, readOnly: Bool = false) async throws -> SQLiteDatabaseConnection {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        do {
            let state = try await thread.runIfActive { try ConfinedState(path: path, readOnly: readOnly) }
            return SQLiteDatabaseConnection(thread: thread, state: state)
        } catch {
            try? await thread.shutdownGracefully()
            throw error
        }
    }

    /// Runs `body` on the connection's thread with a session for its statements, and returns its
    /// result. Jobs run one at a time, in the order they were submitted.
    func perform<T: Sendable>(_ body: @escaping @Sendable (SQLiteSession) throws -> T) async throws -> T {
        let state = self.state
        return try await thread.runIfActive {
            try body(SQLiteSession(state: state))
        }
    }

    /// Runs one statement as a job of its own and returns its rows.
    @discardableResult
    func query(_ sql: String, _ binds: [SQLiteValue] = []) async throws -> [SQLiteResultRow] {
        try await perform { try $0.query(sql, binds) }
    }

    /// Finalizes the prepared statements, closes the handle and stops the thread. Idempotent.
    func close() async throws {
        let state = self.state
        do {
            try await thread.runIfActive { state.close() }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            return
        }
        try await thread.shutdownGracefully()
    }

    /// Runs `body` on the connection's thread after the jobs already submitted, without waiting
    /// for it (work whose outcome nobody awaits, such as a background checkpoint). Nothing runs
    /// once the connection is closed.
    func submit(_ body: @escaping @Sendable (SQLiteSession) -> Void) {
        let state = self.state
        thread.submit { work in
            guard case .active = work else { return }
            body(SQLiteSession(state: state))
        }
    }

    /// Reports, after each commit, how many frames the WAL holds to `counter` (SQLite's WAL hook).
    /// Installing it turns SQLite's automatic checkpoints off on this connection: whoever watches
    /// the counter runs them.
    func reportWALSize(to counter: WALFrameCounter) async throws {
        let state = self.state
        try await thread.runIfActive { state.installWALHook(counter) }
    }

    /// Closes the connection after the jobs already submitted, without waiting (for owners that
    /// are released without closing it).
    func closeWhenIdle() {
        let state = self.state
        thread.submit { _ in state.close() }
        thread.shutdownGracefully { _ in }
    }
}

/// What a job of `SQLiteDatabaseConnection.perform` may do with the connection: run statements.
/// It exists only for the duration of the job, on the connection's thread.
struct SQLiteSession {
    fileprivate let state: ConfinedState

    /// Runs one statement with `binds` for its `?` (or `?NNN`) parameters and returns its rows.
    @discardableResult
    func query(_ sql: String, _ binds: [SQLiteValue] = []) throws -> [SQLiteResultRow] {
        try state.run(sql, binds)
    }
}

@available(*, unavailable, message: "a session belongs to the job it was lent to")
extension SQLiteSession: Sendable {}

/// A result row: values in column order, with the statement's column names.
struct SQLiteResultRow: Sendable {
    fileprivate let names: SQLiteColumnNames
    let values: [SQLiteValue]

    /// The statement's column names, in column order.
    var columnNames: [String] { names.names }

    /// The value of the column called `name`, or nil when the row has none.
    func column(_ name: String) -> SQLiteValue? {
        names.index[name].map { values[$0] }
    }
}

/// How many frames (pages) the WAL held after the latest commit of the connection that reports
/// to it (see `SQLiteDatabaseConnection.reportWALSize(to:)`).
final class WALFrameCounter: Sendable {
    let frames = Atomic<Int>(0)
}

/// A statement's column names, shared by its rows.
final class SQLiteColumnNames: Sendable {
    let names: [String]
    let index: [String: Int]

    init(_ names: [String]) {
        self.names = names
        // The first of duplicate names wins, as in sqlite-nio.
        self.index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// The `sqlite3*` handle and its prepared statements. Confined to the connection's single thread
/// (see `SQLiteDatabaseConnection`); that confinement, not a lock, is why it may be shared.
private final class ConfinedState: @unchecked Sendable {
    private struct Prepared {
        let handle: OpaquePointer
        let columns: SQLiteColumnNames
    }

    /// How many distinct statement texts stay prepared. The store's texts are fixed, except the
    /// multi-row ones, whose text depends on the batch size.
    private static let cacheLimit = 256

    private var database: OpaquePointer?
    /// Kept alive as long as SQLite may call the WAL hook with it.
    private var walCounter: WALFrameCounter?
    private var statements: [String: Prepared] = [:]
    /// Statement texts, oldest first, for eviction.
    private var order: [String] = []

    init(path: String, readOnly: Bool) throws {
        SQLiteLibrary.prepare()
        // The header the build used is checked at compile time (CSQLite3.h); this is the library
        // loaded at run time.
        guard SQLiteLibrary.versionNumber >= SQLiteLibrary.minimumVersionNumber else {
            throw SQLiteStoreError.sqlite(code: SQLITE_ERROR, message: "SQLite \(SQLiteLibrary.version) is too old: SwiftReplies needs 3.38 or newer")
        }
        var handle: OpaquePointer?
        let access = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let flags = access | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open the database"
            if let handle { sqlite3_close(handle) }
            throw SQLiteStoreError.sqlite(code: status, message: "\(message) (\(path))")
        }
        // Extended result codes name the constraint that failed, for instance.
        sqlite3_extended_result_codes(handle, 1)
        self.database = handle
    }

    func close() {
        for statement in statements.values { sqlite3_finalize(statement.handle) }
        statements.removeAll()
        order.removeAll()
        if let database { sqlite3_close(database) }
        database = nil
    }

    func installWALHook(_ counter: WALFrameCounter) {
        guard let database else { return }
        walCounter = counter
        _ = sqlite3_wal_hook(
            database,
            { context, _, _, frames in
                if let context { Unmanaged<WALFrameCounter>.fromOpaque(context).takeUnretainedValue().frames.store(Int(frames), ordering: .relaxed) }
                return SQLITE_OK
            },
            Unmanaged.passUnretained(counter).toOpaque()
        )
    }

    func run(_ sql: String, _ binds: [SQLiteValue]) throws -> [SQLiteResultRow] {
        guard let database else { throw SQLiteStoreError.closed }
        let statement = try prepared(sql, on: database)
        let handle = statement.handle
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        try bind(binds, to: handle, on: database)
        var rows: [SQLiteResultRow] = []
        let columnCount = Int32(statement.columns.names.count)
        while true {
            let status = sqlite3_step(handle)
            if status == SQLITE_ROW {
                var values: [SQLiteValue] = []
                values.reserveCapacity(Int(columnCount))
                for column in 0..<columnCount { values.append(Self.value(of: handle, at: column)) }
                rows.append(SQLiteResultRow(names: statement.columns, values: values))
            } else if status == SQLITE_DONE {
                return rows
            } else {
                throw error(status, on: database)
            }
        }
    }

    private func prepared(_ sql: String, on database: OpaquePointer) throws -> Prepared {
        if let statement = statements[sql] { return statement }
        var handle: OpaquePointer?
        let status = sqlite3_prepare_v3(database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard status == SQLITE_OK else { throw error(status, on: database) }
        // Text without a statement (only a comment, say) prepares to nothing.
        guard let handle else { throw SQLiteStoreError.sqlite(code: SQLITE_MISUSE, message: "no statement in: \(sql.prefix(80))") }
        let count = sqlite3_column_count(handle)
        let names = (0..<count).map { column in sqlite3_column_name(handle, column).map { String(cString: $0) } ?? "" }
        let statement = Prepared(handle: handle, columns: SQLiteColumnNames(names))
        if order.count >= Self.cacheLimit {
            let evicted = order.removeFirst()
            if let old = statements.removeValue(forKey: evicted) { sqlite3_finalize(old.handle) }
        }
        statements[sql] = statement
        order.append(sql)
        return statement
    }

    private func bind(_ binds: [SQLiteValue], to handle: OpaquePointer, on database: OpaquePointer) throws {
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .integer(let integer):
                status = sqlite3_bind_int64(handle, index, Int64(integer))
            case .float(let double):
                status = sqlite3_bind_double(handle, index, double)
            case .text(let text):
                var text = text
                status = text.withUTF8 { bytes in
                    sqlite3_bind_text64(handle, index, bytes.baseAddress, UInt64(bytes.count), Self.transient, UInt8(SQLITE_UTF8))
                }
            case .blob(let blob):
                status = blob.withUnsafeBytes { bytes in
                    sqlite3_bind_blob64(handle, index, bytes.baseAddress, UInt64(bytes.count), Self.transient)
                }
            case .null:
                status = sqlite3_bind_null(handle, index)
            }
            guard status == SQLITE_OK else { throw error(status, on: database) }
        }
    }

    private static func value(of handle: OpaquePointer, at column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT:
            return .float(sqlite3_column_double(handle, column))
        case SQLITE_TEXT:
            guard let bytes = sqlite3_column_text(handle, column) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, column))
            return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, column))
            guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }

    private func error(_ status: Int32, on database: OpaquePointer) -> SQLiteStoreError {
        .sqlite(code: status, message: String(cString: sqlite3_errmsg(database)))
    }

    /// SQLite copies bound text and blobs before the bind call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
