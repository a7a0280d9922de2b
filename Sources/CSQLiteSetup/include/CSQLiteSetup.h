#ifndef SWIFTREPLIES_CSQLITESETUP_H
#define SWIFTREPLIES_CSQLITESETUP_H

// Process-wide SQLite configuration, which SQLite accepts only before it is initialized and only
// through the variadic sqlite3_config (which Swift cannot call). SQLiteLibrary.prepare() calls
// these once.

/// Turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS), which take a global mutex on
/// every allocation; the store reads none of them. Returns SQLite's result code.
int swiftreplies_sqlite_disable_memory_statistics(void);

/// Installs SQLite's built-in page cache behind a thin wrapper that parks the page
/// `balance_nonroot` moves out of the way under key 0 instead of the locking page's number
/// (see PageCache.c). Must run before SQLite is initialized (before the first connection opens).
/// Returns SQLite's result code: SQLITE_OK (0), or SQLITE_MISUSE (21) once SQLite is initialized.
/// Call it once: a second call would wrap the wrapper.
int swiftreplies_sqlite_install_parking_page_cache(void);

/// How many pages were parked under key 0 since the process started.
unsigned long swiftreplies_sqlite_parked_page_count(void);

#endif
