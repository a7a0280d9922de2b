// SQLite's public C interface, from the system's library (Debian: libsqlite3-dev).
#ifndef SWIFTREPLIES_CSQLITE3_H
#define SWIFTREPLIES_CSQLITE3_H

#include <sqlite3.h>

// The oldest SQLite the stores are written for: RETURNING (3.35), the ->> operator and
// unixepoch() (3.38), and the page-cache interface PageCache.c wraps. Debian 12 ships 3.40.
#if SQLITE_VERSION_NUMBER < 3038000
#error "SwiftReplies needs SQLite 3.38 or newer (apt-get install libsqlite3-dev)"
#endif

#endif
