/// How hard SQLite works to make a commit durable (`PRAGMA synchronous`), in WAL mode.
///
/// - `full`: every commit is synced to disk before it returns; a committed turn survives a power
///   loss. The default.
/// - `normal`: the WAL is synced at checkpoints only; a commit survives a crash of the process but
///   the last commits may be lost on a power loss. Faster.
public enum SQLiteSynchronous: String, Sendable, Hashable, CaseIterable {
    case full
    case normal

    /// The keyword `PRAGMA synchronous` takes (a fixed word, never user input).
    var pragmaValue: String {
        switch self {
        case .full: return "FULL"
        case .normal: return "NORMAL"
        }
    }
}
