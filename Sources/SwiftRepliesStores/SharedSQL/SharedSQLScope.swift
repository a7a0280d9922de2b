import Synchronization

/// The lifetime of a database lent to a transaction's (or a read's) body: open while the body
/// runs, ended before the commit or the rollback.
///
/// A database kept past its body would run statements outside the transaction: on SQLite on the
/// writer without its lock, on PostgreSQL on a connection back in the pool, no longer in the
/// tenant's role (so without row-level security). Every statement checks the scope first and
/// fails with `SharedSQLError.transactionEnded` once it has ended.
final class SharedSQLScope: Sendable {
    private let isOpen = Atomic<Bool>(true)

    init() {}

    /// Throws `SharedSQLError.transactionEnded` once the scope has ended.
    func check() throws {
        guard isOpen.load(ordering: .acquiring) else { throw SharedSQLError.transactionEnded }
    }

    /// Ends the scope; later statements fail.
    func end() { isOpen.store(false, ordering: .releasing) }
}
