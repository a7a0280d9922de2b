import CSQLitePageCache

/// Process-wide setup of the SQLite library, done once before the first connection opens.
///
/// SQLite takes global configuration only before it is initialized, so every place that opens
/// SQLite (the store, the legacy importer, tools and tests) calls ``prepare()`` first.
public enum SQLiteLibrary {
    /// SQLite's result code from installing the page-cache wrapper (0 when installed), once per
    /// process.
    private static let installation: Int32 = swiftreplies_sqlite_install_parking_page_cache()

    /// Configures SQLite before its first use in this process: its built-in page cache behind
    /// a wrapper that keeps each commit from scanning the whole cache (`PageCache.c`). When
    /// SQLite was already initialized (another library opened a database first), it keeps its
    /// default page cache, which behaves the same, only slower under load.
    public static func prepare() {
        _ = installation
    }

    /// Whether SQLite uses the page-cache wrapper.
    public static var usesParkingPageCache: Bool { installation == 0 }

    /// How many pages SQLite parked under key 0 (instead of the locking page's number) while
    /// reordering b-tree pages, since the process started.
    public static var parkedPageCount: UInt {
        UInt(swiftreplies_sqlite_parked_page_count())
    }
}
