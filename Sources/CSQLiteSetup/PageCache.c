// A wrapper around SQLite's built-in page cache (pcache1) that keeps commits from scanning the
// whole cache.
//
// When a b-tree page splits or merges, SQLite (`balance_nonroot`) puts the new sibling pages in
// ascending page order by swapping page numbers, parking one page under the number of the
// locking page (the page holding byte 2^30, which never holds data) for a moment. pcache1
// remembers that number as the largest key it has seen, and at the end of every transaction
// SQLite truncates the cache to the database's size: with the largest key far beyond the end of
// the file, pcache1 scans every slot of its hash table instead of the few past the end. With the
// store's 32 MiB writer cache (8,192 slots) that scan was a tenth of the writer thread's CPU under
// load. The wrapper parks the page under key 0 instead, which is never a page number: every other
// call goes to pcache1 unchanged.
//
// It uses only SQLite's public, documented page-cache interface (sqlite3.h:
// SQLITE_CONFIG_GETPCACHE2, SQLITE_CONFIG_PCACHE2, sqlite3_pcache_methods2), of the system's
// SQLite library (the CSQLite3 module). SQLiteLibrary checks at run time that it was installed and
// a test checks that rebalancing parks pages, so a SQLite that changed what it does here would
// fail the tests rather than slow down silently.

#include <stdatomic.h>
#include <stdlib.h>
#include <sqlite3.h>
#include "CSQLiteSetup.h"

#if SQLITE_VERSION_NUMBER < 3038000
#error "SwiftReplies needs SQLite 3.38 or newer (apt-get install libsqlite3-dev)"
#endif

/// SQLite's PENDING_BYTE (never changed outside SQLite's own test builds; sqlite3.h does not
/// declare it).
static const unsigned long lockingByte = 0x40000000UL;

static sqlite3_pcache_methods2 builtIn;
static sqlite3_pcache_methods2 parking;
static atomic_ulong parkedPages;

typedef struct ParkingCache {
    sqlite3_pcache *inner;
    /// The locking page's number at this cache's page size.
    unsigned lockingPage;
} ParkingCache;

static sqlite3_pcache *parkingCreate(int szPage, int szExtra, int bPurgeable) {
    ParkingCache *cache = malloc(sizeof(ParkingCache));
    if (cache == NULL) return NULL;
    cache->inner = builtIn.xCreate(szPage, szExtra, bPurgeable);
    if (cache->inner == NULL) {
        free(cache);
        return NULL;
    }
    cache->lockingPage = szPage > 0 ? (unsigned)(lockingByte / (unsigned long)szPage) + 1 : 0;
    return (sqlite3_pcache *)cache;
}

static ParkingCache *unwrap(sqlite3_pcache *cache) { return (ParkingCache *)cache; }

static void parkingCachesize(sqlite3_pcache *cache, int size) { builtIn.xCachesize(unwrap(cache)->inner, size); }

static int parkingPagecount(sqlite3_pcache *cache) { return builtIn.xPagecount(unwrap(cache)->inner); }

static sqlite3_pcache_page *parkingFetch(sqlite3_pcache *cache, unsigned key, int createFlag) {
    return builtIn.xFetch(unwrap(cache)->inner, key, createFlag);
}

static void parkingUnpin(sqlite3_pcache *cache, sqlite3_pcache_page *page, int discard) {
    builtIn.xUnpin(unwrap(cache)->inner, page, discard);
}

static void parkingRekey(sqlite3_pcache *cache, sqlite3_pcache_page *page, unsigned oldKey, unsigned newKey) {
    ParkingCache *parkingCache = unwrap(cache);
    unsigned lockingPage = parkingCache->lockingPage;
    if (lockingPage != 0 && newKey == lockingPage) {
        newKey = 0;
        atomic_fetch_add_explicit(&parkedPages, 1, memory_order_relaxed);
    }
    if (lockingPage != 0 && oldKey == lockingPage) oldKey = 0;
    builtIn.xRekey(parkingCache->inner, page, oldKey, newKey);
}

static void parkingTruncate(sqlite3_pcache *cache, unsigned limit) { builtIn.xTruncate(unwrap(cache)->inner, limit); }

static void parkingDestroy(sqlite3_pcache *cache) {
    ParkingCache *parkingCache = unwrap(cache);
    builtIn.xDestroy(parkingCache->inner);
    free(parkingCache);
}

static void parkingShrink(sqlite3_pcache *cache) {
    if (builtIn.xShrink != NULL) builtIn.xShrink(unwrap(cache)->inner);
}

int swiftreplies_sqlite_install_parking_page_cache(void) {
    sqlite3_pcache_methods2 current;
    int status = sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &current);
    if (status != 0) return status;
    if (current.xCreate == NULL || current.xRekey == NULL) return 1;
    builtIn = current;
    parking = current;
    parking.xCreate = parkingCreate;
    parking.xCachesize = parkingCachesize;
    parking.xPagecount = parkingPagecount;
    parking.xFetch = parkingFetch;
    parking.xUnpin = parkingUnpin;
    parking.xRekey = parkingRekey;
    parking.xTruncate = parkingTruncate;
    parking.xDestroy = parkingDestroy;
    parking.xShrink = parkingShrink;
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &parking);
}

unsigned long swiftreplies_sqlite_parked_page_count(void) { return atomic_load_explicit(&parkedPages, memory_order_relaxed); }
