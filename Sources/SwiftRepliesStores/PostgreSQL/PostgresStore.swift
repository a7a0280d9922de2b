import Foundation
import Logging
import NIOCore
import PostgresNIO
import SwiftRepliesCore
import Synchronization

/// The PostgreSQL backend of every store aggregate (`storeSet`) (postgres-nio's `PostgresClient`, a connection pool).
///
/// Every statement binds its values (`$1`, arrays for batches through `unnest`); only fixed SQL
/// is written as text. Every transaction first switches to a `NOLOGIN` role without
/// `BYPASSRLS` (see `PostgresMigrations`): tenant work runs as `swiftreplies_app` with
/// `swiftreplies.tenant_id` set for that transaction only, so the database itself keeps one
/// tenant from another's rows; the host's queue work across tenants runs as `swiftreplies_host`.
///
/// Several processes may share one database (`isShared`): conversations are leased to one
/// process at a time, and an outbox entry being sent carries a lease too, so the work of a
/// process that stopped is taken over once its leases expire.
///
/// The store runs its connection pool for its lifetime: `open` starts it, `shutdown()` stops it
/// and waits for it.
public final class PostgresStore: StoreLifecycle {
    /// Timing of the leases that let several processes share the database.
    public struct Leases: Sendable {
        /// How long an outbox entry being sent stays with the process sending it. Longer than a
        /// provider call can take; an entry left `sending` longer is requeued (possibly duplicated).
        public var sendLease: TimeInterval
        /// How long a conversation stays with a process after its last renewal.
        public var conversationLease: TimeInterval
        /// How long a process may go without a heartbeat before the sends it left in flight are
        /// taken over (it beats about once a second while it runs).
        public var heartbeatTimeout: TimeInterval

        public init(sendLease: TimeInterval = 60, conversationLease: TimeInterval = 30, heartbeatTimeout: TimeInterval = 5) {
            self.sendLease = sendLease
            self.conversationLease = conversationLease
            self.heartbeatTimeout = heartbeatTimeout
        }
    }

    /// The connection pool.
    public let client: PostgresClient
    /// The migrations this store knows.
    public let migrations: [Migration]
    /// This process's name in leases (host, process id and a random suffix).
    public let holderID: String
    public let leases: Leases
    let logger: Logger
    let turnCompletions = GroupCommit<TurnCompletion, [OutboxEntry]>()
    /// Conversation leases the dispatcher's workers ask for together, one transaction a batch.
    let leaseRequests = GroupCommit<LeaseRequest, LeasedConversation?>()
    /// Send starts and send outcomes of concurrent sends, one transaction a batch.
    let outboxWrites = GroupCommit<OutboxWrite, [MessageID]>()
    /// Usage metering of concurrent turns, one transaction per batch.
    let meterings = GroupCommit<MessageMetering, MeterOutcome>()
    /// The task running the pool; cancelled by `shutdown()`.
    private let poolTask: Mutex<Task<Void, Never>?>
    private let description: String

    public var backendName: String { "postgres" }
    public var isShared: Bool { true }

    private init(client: PostgresClient, migrations: [Migration], leases: Leases, description: String, logger: Logger) {
        self.client = client
        self.migrations = migrations
        self.leases = leases
        self.description = description
        self.logger = logger
        let host = ProcessInfo.processInfo.hostName
        self.holderID = "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        self.poolTask = Mutex(nil)
    }

    /// Connects to the database a `postgres://user:password@host:port/database` URL names
    /// (`?sslmode=require` for TLS), checks that it answers, and returns the store. Does not
    /// migrate.
    public static func open(
        url: String, maximumConnections: Int = 20, leases: Leases = Leases(), migrations: [Migration] = PostgresMigrations.all, logger: Logger
    ) async throws -> PostgresStore {
        let configuration = try PostgresURL.configuration(url, maximumConnections: maximumConnections)
        let store = PostgresStore(
            client: PostgresClient(configuration: configuration, backgroundLogger: logger),
            migrations: try MigrationRunner<PostgresMigrationDriver>.validated(migrations), leases: leases,
            description: PostgresURL.redacted(url), logger: logger
        )
        store.startPool()
        // Give the pool's task a moment to start before the first lease (postgres-nio warns
        // about a lease before `run()`, though it would wait for it).
        try? await Task.sleep(for: .milliseconds(5))
        do {
            try await store.ping()
        } catch {
            try? await store.shutdown()
            throw PostgresStoreError.unreachable(store.description, PostgresStoreError.describe(error))
        }
        return store
    }

    /// Runs the pool until `shutdown()`. The pool must run for queries to be served; the store
    /// owns this one task and ends it deterministically.
    private func startPool() {
        let client = self.client
        poolTask.withLock { task in
            task = Task { await client.run() }
        }
    }

    // MARK: Migrations

    @discardableResult
    public func migrateUp() async throws -> [Int] {
        let applied = try await migrationRunner().up()
        if !applied.isEmpty {
            logger.info("Applied migrations", metadata: ["versions": .string(applied.map(String.init).joined(separator: ","))])
        }
        return applied
    }

    @discardableResult
    public func migrateDown(to target: Int) async throws -> [Int] {
        let reverted = try await migrationRunner().down(to: target)
        if !reverted.isEmpty {
            logger.info("Rolled back migrations", metadata: ["versions": .string(reverted.map(String.init).joined(separator: ","))])
        }
        return reverted
    }

    public func migrationStatus() async throws -> MigrationStatus {
        try await migrationRunner().status()
    }

    private func migrationRunner() throws -> MigrationRunner<PostgresMigrationDriver> {
        try MigrationRunner(migrations: migrations, driver: PostgresMigrationDriver(client: client, logger: logger))
    }

    // MARK: Lifecycle

    public func ping() async throws {
        try await client.query("SELECT 1", logger: logger)
    }

    /// Tables whose statistics the hot path's plans depend on.
    static let plannedTables = ["messages", "contacts", "conversation_leases", "send_attempts"]

    /// Analyzes the hot tables that changed more since their last analysis than they have rows
    /// (and by at least 1,000 rows): a young database growing under load.
    ///
    /// Autovacuum looks at a table at most once per `autovacuum_naptime` (a minute by default).
    /// Until then a new database has no statistics, and the plans the store's prepared statements
    /// cache while a table is small (a sequential scan of a ten-row `contacts`) stay in use as it
    /// grows: the load harness measured 0.5 ms per turn in such a plan after a minute. An
    /// `ANALYZE` replaces the statistics and invalidates those plans. On an established database
    /// the condition is rarely met (it needs as many changes as the table has rows), so this costs
    /// one look at `pg_stat_user_tables` per call. Only tables this user may analyze are
    /// considered (it owns them or the database, or is a superuser); for the others autovacuum
    /// does the work.
    public func performHousekeeping() async throws {
        let rows = try await client.query(
            """
            SELECT s.relname::text FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.schemaname = current_schema() AND s.relname = ANY(\(Self.plannedTables)::text[])
              AND s.n_mod_since_analyze >= 1000 AND s.n_mod_since_analyze >= s.n_live_tup
              AND (pg_has_role(current_user, c.relowner, 'MEMBER')
                   OR pg_has_role(current_user, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER')
                   OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))
            """,
            logger: logger
        )
        var stale: [String] = []
        for try await name in rows.decode(String.self) where Self.plannedTables.contains(name) { stale.append(name) }
        guard !stale.isEmpty else { return }
        // Table names come from the fixed list above, never from input.
        try await client.query(PostgresQuery(unsafeSQL: "ANALYZE " + stale.joined(separator: ", ")), logger: logger)
        logger.debug("Analyzed fast-growing tables", metadata: ["tables": .string(stale.joined(separator: ","))])
    }

    /// Stops the pool (closing its connections) and waits for it. Idempotent.
    public func shutdown() async throws {
        let task = poolTask.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        guard let task else { return }
        task.cancel()
        await task.value
        logger.debug("Closed PostgreSQL store", metadata: ["database": .string(description)])
    }

    // MARK: Transactions

    /// Runs `body` in a transaction as the host role (queue work across tenants).
    @discardableResult
    func hostTransaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                try await Self.transaction(on: connection, logger: logger) { connection in
                    try await connection.run(EnterHostSQL.self, PostgresMigrations.hostRole, logger: logger)
                    return try await body(connection)
                }
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.query(PostgresStoreError.describe(error))
        }
    }

    /// Runs `body` in a transaction as the application role with `tenant` as the current tenant:
    /// row-level security shows and accepts that tenant's rows only.
    @discardableResult
    func tenantTransaction<T: Sendable>(_ tenant: TenantID, _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                try await Self.transaction(on: connection, logger: logger) { connection in
                    try await Self.enterTenant(tenant, on: connection, logger: logger)
                    return try await body(connection)
                }
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.query(PostgresStoreError.describe(error))
        }
    }

    /// Switches the current transaction to the application role and `tenant` (both undone at its end).
    static func enterTenant(_ tenant: TenantID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.run(EnterTenantSQL.self, PostgresMigrations.applicationRole, tenant.rawValue, logger: logger)
    }

    /// The switch of `enterTenant`.
    ///
    /// Both switches also turn bitmap scans off for the transaction. The store's statements find
    /// rows by primary key or by an index that matches them exactly; with statistics that lag
    /// behind a fast-growing table (a new database under load, before autovacuum analyzes it),
    /// the planner combined those keys with a bitmap of every row of the tenant (row-level
    /// security's `tenant_id` condition on `idx_messages_tenant_id`) or of every outbound message
    /// (a partial index used only for its predicate): 2-10 ms per statement instead of 0.1 ms,
    /// measured with `pg_stat_statements` in the load harness. Without bitmap scans those
    /// statements use the key.
    ///
    /// They also keep the generic plans of the prepared statements: a statement over `unnest` of
    /// bound arrays is estimated cheaper with the arrays' actual lengths, so PostgreSQL would
    /// plan it again on every execution (0.3 ms each) for the same plan.
    enum EnterTenantSQL: PreparedSQL {
        static let sql = """
            SELECT set_config('role', $1, true), set_config('\(PostgresMigrations.tenantSetting)', $2, true),
                   set_config('enable_bitmapscan', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true)
            """
    }

    /// The switch of `hostTransaction` (see `EnterTenantSQL` about bitmap scans and plans).
    enum EnterHostSQL: PreparedSQL {
        static let sql = """
            SELECT set_config('role', $1, true), set_config('enable_bitmapscan', 'off', true),
                   set_config('plan_cache_mode', 'force_generic_plan', true)
            """
    }

    /// `BEGIN`, `body`, `COMMIT`; `ROLLBACK` and rethrow when `body` fails. `BEGIN` and `COMMIT`
    /// are prepared statements too: sent unnamed, each costs a parse and a description on both
    /// sides, twice per transaction.
    static func transaction<T>(on connection: PostgresConnection, logger: Logger, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await connection.run(BeginSQL.self, logger: logger)
        let value: T
        do {
            value = try await body(connection)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        try await connection.run(CommitSQL.self, logger: logger)
        return value
    }

    enum BeginSQL: PreparedSQL {
        static let sql = "BEGIN"
    }

    enum CommitSQL: PreparedSQL {
        static let sql = "COMMIT"
    }
}

/// Why the PostgreSQL store failed.
public enum PostgresStoreError: Error, CustomStringConvertible, Sendable {
    /// The server could not be reached or refused the connection.
    case unreachable(String, String)
    /// A statement failed; the server's message.
    case query(String)
    /// The database answered something impossible.
    case unexpectedResult(String)
    /// The URL is not a usable `postgres://` URL.
    case invalidURL(String)

    public var description: String {
        switch self {
        case .unreachable(let database, let reason): return "cannot reach PostgreSQL at \(database): \(reason)"
        case .query(let message): return "PostgreSQL: \(message)"
        case .unexpectedResult(let message): return "PostgreSQL returned an unexpected result: \(message)"
        case .invalidURL(let message): return message
        }
    }

    /// The server's own message for an error (postgres-nio hides it from `description`).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + code
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            return describe(error.closureError ?? error.commitError ?? error.beginError ?? error)
        }
        return "\(error)"
    }

    /// The SQLSTATE of a server error, when there is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}

/// Turns `postgres://` URLs into pool configurations.
enum PostgresURL {
    static func configuration(_ url: String, maximumConnections: Int) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw PostgresStoreError.invalidURL("'\(redacted(url))' is not a postgres:// URL (postgres://user:password@host:5432/database)")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"] ?? "127.0.0.1"
        let user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.password.flatMap { $0.removingPercentEncoding }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "disable" {
        case "require", "verify-ca", "verify-full":
            tls = .require(.makeClientConfiguration())
        case "prefer":
            tls = .prefer(.makeClientConfiguration())
        default:
            tls = .disable
        }
        var configuration: PostgresClient.Configuration
        if host.hasPrefix("/") {
            configuration = .init(unixSocketPath: host, username: user, password: password, database: database.isEmpty ? nil : database)
        } else {
            configuration = .init(
                host: host, port: components.port ?? 5432, username: user, password: password, database: database.isEmpty ? nil : database,
                tls: tls
            )
        }
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.minimumConnections = 0
        return configuration
    }

    /// A URL with its password hidden, for messages.
    static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://") else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
