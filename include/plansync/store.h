/* store.h - the replica's SQLite database (DESIGN §8).
 *
 * WAL mode, a busy timeout, and every write inside ps_store_begin() /
 * ps_store_commit() (BEGIN IMMEDIATE, retried a bounded number of times), so
 * the CLI and a sync can write at the same time. Statements are prepared
 * once per connection and cached. Only lib/ uses the raw handle. */
#ifndef PLANSYNC_STORE_H
#define PLANSYNC_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include "plansync/hlc.h"
#include "plansync/change.h"

typedef struct ps_store ps_store;

/* Open (create when create is true) and migrate the database at path.
 * When the file or its directory cannot be written the database is opened
 * read-only and immutable: reads work, ps_store_begin fails with a clear
 * message. When SQLite recovers a WAL left by a process that died, runs
 * PRAGMA quick_check and fails with "damaged" unless damage is tolerated. */
int ps_store_open(ps_store **out, const char *path, bool create);
/* Let ps_store_open open a damaged database (for 'plansync check'). */
void ps_store_tolerate_damage(bool on);
bool ps_store_readonly(const ps_store *s);
/* Run an integrity pragma ("PRAGMA quick_check(1)", "PRAGMA
 * integrity_check(20)"): 0 when "ok", else the first complaint. */
int ps_store_quick_check(ps_store *s, const char *pragma);
/* The Git blob id (40 hex digits) of bytes: stored with each change. */
void ps_store_blob_id(char out[41], const void *bytes, size_t len);
/* changes.blob exists (false only for a read-only replica of schema 1). */
bool ps_store_has_blob_ids(const ps_store *s);
void ps_store_free(ps_store *s);
/* Run SQL with no result rows. */
int ps_store_exec(ps_store *s, const char *sql);
int ps_store_begin(ps_store *s);
int ps_store_commit(ps_store *s);
void ps_store_rollback(ps_store *s);
/* Set the error message from the connection's last error. */
int ps_store_error(ps_store *s, const char *what);

/* meta: small key/value settings. get gives a copy (free()), PS_ENOTFOUND
 * when absent. set with value NULL deletes. */
int ps_store_meta_get(ps_store *s, const char *key, char **out);
int ps_store_meta_set(ps_store *s, const char *key, const char *value);
int ps_store_meta_get_int(ps_store *s, const char *key, long long *out, long long dflt);
int ps_store_meta_set_int(ps_store *s, const char *key, long long value);

/* Clock: next local value (persisted; inside a transaction), never more
 * than ps_store_clock_ahead_ms() ahead of the wall clock, and such that
 * "<hlc>-<replica>" names no stored change. Observe advances past a clock
 * seen on import unless that one is beyond the same bound. */
int ps_store_hlc_tick(ps_store *s, const char *replica, ps_hlc *out);
int ps_store_hlc_observe(ps_store *s, ps_hlc seen);
/* How far ahead of the wall clock our clock may be: sync.max_drift, but
 * never more than the default, since readers with the default hold back
 * anything further (a raised drift accepts more; it stamps no further). */
uint64_t ps_store_clock_ahead_ms(ps_store *s);
/* The smallest change id (its clock part) that counts as stamped in the
 * future for this replica's own repair work: beyond the drift past the
 * later of the wall clock and the newest clock seen from another replica,
 * so a machine whose clock is now behind does not take its own past
 * changes for future ones. out gets 16 hex digits. */
void ps_store_future_from(ps_store *s, char out[17]);
/* Note a clock seen on an applied change of another replica (in the
 * caller's transaction). */
int ps_store_note_remote_clock(ps_store *s, ps_hlc seen);

/* Insert a change with its canonical bytes. 0 when inserted; PS_EEXISTS
 * when the same id with the same bytes is already there (nothing done);
 * PS_ECONFLICT when the id is known with other bytes (integrity alarm). */
int ps_store_insert_change(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local,
                           const char *summary);
/* Same; with heads false the heads table is left alone (the caller sets
 * it once for a straight run of changes with ps_store_set_head). */
int ps_store_insert_change_ex(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local,
                              const char *summary, bool heads);
/* 1 when a change of the record names a larger id in its base (see
 * backrefs in the schema), 0 when none does, <0 on error. */
int ps_store_has_backrefs(ps_store *s, const char *record);
/* The record's only head is now id. */
int ps_store_set_head(ps_store *s, const char *record, const char *id);
/* A rewritten branch holds c where an imported change with the same id
 * (from the same office and replica) had other bytes: the branch's current
 * version replaces it, so every replica keeps the version a new replica
 * would fetch. A change of ours, or one of another writer, is never
 * replaced (PS_ECONFLICT). *old_record (free()) is the record the old
 * version named, to fold again with c's. */
/* Remove one stored change and the base edges it names (the caller
 * recomputes its record's heads and state). */
int ps_store_delete_change(ps_store *s, const char *id);
int ps_store_replace_change(ps_store *s, const ps_change *c, const char *bytes, size_t len, char **old_record);
/* The record's latest changes (ids not named in any known change's base),
 * sorted; caller frees each and the array. */
int ps_store_heads(ps_store *s, const char *record, char ***out, size_t *n);
void ps_strv_free(char **v, size_t n);
/* Recompute one record's heads from its changes and edges. */
int ps_store_rebuild_heads_for(ps_store *s, const char *record);
/* Recompute the heads table from changes and edges (rebuild). */
int ps_store_rebuild_heads(ps_store *s);

#endif
