import CSQLite3
import CSQLiteSetup

/// Process-wide setup of the SQLite library, done once before the first connection opens.
///
/// SQLite takes global configuration only before it is initialized, so every place that opens
/// SQLite (the store, the legacy importer, tools and tests) calls ``prepare()`` first.
public enum SQLiteLibrary {
    /// SQLite's result code from installing the page-cache wrapper (0 when installed), once per
    /// process.
    private static let installation: Int32 = {
        // Best effort, like the page cache: an already initialized SQLite keeps its statistics.
        _ = swiftreplies_sqlite_disable_memory_statistics()
        return swiftreplies_sqlite_install_parking_page_cache()
    }()

    /// Configures SQLite before its first use in this process: memory statistics off (they take a
    /// global mutex on every allocation), and its built-in page cache behind
    /// a wrapper that keeps each commit from scanning the whole cache (`PageCache.c`). When
    /// SQLite was already initialized (another library opened a database first), it keeps its
    /// default page cache, which behaves the same, only slower under load.
    public static func prepare() {
        _ = installation
    }

    /// The oldest SQLite library the stores run on (3.38: `RETURNING`, `->>`, `unixepoch()`).
    public static let minimumVersionNumber: Int32 = 3_038_000

    /// The SQLite library's version, such as "3.40.1".
    public static var version: String { String(cString: sqlite3_libversion()) }

    /// The SQLite library's version as SQLite numbers it (3.40.1 is 3040001).
    public static var versionNumber: Int32 { sqlite3_libversion_number() }

    /// Whether SQLite uses the page-cache wrapper.
    public static var usesParkingPageCache: Bool { installation == 0 }

    /// How many pages SQLite parked under key 0 (instead of the locking page's number) while
    /// reordering b-tree pages, since the process started.
    public static var parkedPageCount: UInt {
        UInt(swiftreplies_sqlite_parked_page_count())
    }
}
