import SQLKit
import SwiftRepliesCore

/// Where an aggregate's one SQL implementation runs, on SQLite and on PostgreSQL alike.
///
/// An aggregate that is not on the webhook hot path writes its statements once, with sql-kit
/// (`SQLQueryString` or the builders, every value bound), and runs them through one of these
/// scopes; the differences between the two databases that its SQL must spell differently are
/// answered by `dialect` (`SharedSQLDialect`), never by testing which store it is.
///
/// - `withTenantTransaction`: one transaction of a tenant's work. On PostgreSQL it runs as
///   `swiftreplies_app` with `swiftreplies.tenant_id` set (the same `PostgresStore.enterTenant`
///   the store's own transactions run first), so row-level security holds for shared SQL too; on
///   SQLite it runs on the writer under the store's write lock, in `BEGIN IMMEDIATE` ... `COMMIT`.
///   SQLite has no row-level security: shared SQL names the tenant in every statement
///   (`WHERE tenant_id = ...`), which on PostgreSQL is a second guard.
/// - `withHostTransaction`: the host's work across tenants (`swiftreplies_host` on PostgreSQL).
/// - `read`: reads of a tenant's rows. PostgreSQL: a tenant transaction. SQLite: a reader
///   connection (WAL lets it read while the writer writes), each statement in autocommit, so two
///   statements of one read may see two snapshots; read what must agree in one statement.
///
/// When `body` throws, the transaction rolls back and the error is rethrown unchanged (a rule's
/// error stays the rule's error); the database lent to `body` must not outlive it.
public protocol SharedSQLDatabase: Sendable {
    /// What differs between the two databases' SQL.
    var dialect: SharedSQLDialect { get }

    /// Runs `body` in one transaction of `tenant`'s work and returns its result after the commit.
    @discardableResult
    func withTenantTransaction<T: Sendable>(_ tenant: TenantID, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T

    /// Runs `body` in one transaction of the host's work across tenants.
    @discardableResult
    func withHostTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T

    /// Runs `body`'s reads of `tenant`'s rows (no writes).
    @discardableResult
    func read<T: Sendable>(tenant: TenantID, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
}
