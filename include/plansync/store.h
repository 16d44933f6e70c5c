/* store.h - the replica's SQLite database (DESIGN §8).
 *
 * WAL mode, a busy timeout, and every write inside ps_store_begin() /
 * ps_store_commit() (BEGIN IMMEDIATE, retried a bounded number of times), so
 * the CLI and a sync can write at the same time. The rest of the library
 * reads and writes tables only through these functions, each running its
 * own statements (prepared once per call site, lib/store_int.h); no SQLite
 * type appears here. Rows reach callbacks as borrowed pointers valid for
 * that call only; a callback returns 0 to go on, anything else stops the
 * walk and is returned. Writes run inside the caller's transaction. */
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
 * PRAGMA quick_check and fails with "damaged" unless PS_STORE_DAMAGED_OK. */
#define PS_STORE_CREATE     1u /* create the file when missing */
#define PS_STORE_DAMAGED_OK 2u /* open a damaged database (for 'plansync check') */
int ps_store_open(ps_store **out, const char *path, unsigned flags);
bool ps_store_readonly(const ps_store *s);
/* SQLite's own check of the file: quick_check, or the full integrity_check
 * when full; 0 when "ok", else PS_EREPAIR with the first complaint. */
int ps_store_quick_check(ps_store *s, bool full);
/* The Git blob id (40 hex digits) of bytes: stored with each change. */
void ps_store_blob_id(char out[41], const void *bytes, size_t len);
/* changes.blob exists (false only for a read-only replica of schema 1). */
bool ps_store_has_blob_ids(const ps_store *s);
void ps_store_free(ps_store *s);
/* Run SQL with no result rows. */
int ps_store_exec(ps_store *s, const char *sql);
int ps_store_begin(ps_store *s);
int ps_store_commit(ps_store *s);
/* Outside a transaction: give up to 4 MiB of the file's free pages back
 * to the file system when it has that many (after a large export). Best
 * effort, no error. */
void ps_store_trim(ps_store *s);
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

/* The Git blob id of stored change id's file; PS_ENOTFOUND when none. */
int ps_store_change_blob(ps_store *s, const char *id, char blob[41]);
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
/* c replaces an imported change with the same id (from the same office
 * and replica) in other bytes: the version that counts on every replica
 * (sync_apply.c decides). A change of ours, or one of another writer, is
 * never replaced (PS_ECONFLICT). *old_record (free()) is the record the
 * old version named, to fold again with c's. */
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

/* ---- the change log, read (store_changes.c) ---- */

typedef int (*ps_store_change_fn)(void *ctx, const char *id, bool set, const char *fields);
typedef int (*ps_store_edge_fn)(void *ctx, const char *child, const char *parent);
typedef int (*ps_store_id_fn)(void *ctx, const char *id);
/* 1 when a change with this id is stored, 0 when not, <0 on error. */
int ps_store_change_known(ps_store *s, const char *id);
/* The record's changes in id order: id, set (else retire), fields as
 * compact JSON. */
int ps_store_record_changes(ps_store *s, const char *record, ps_store_change_fn fn, void *ctx);
/* The base edges among the record's changes (child of the record). */
int ps_store_record_edges(ps_store *s, const char *record, ps_store_edge_fn fn, void *ctx);
/* The record's largest change id, "" when it has none. */
int ps_store_record_newest(ps_store *s, const char *record, char out[PS_CHANGE_ID_MAX + 1]);
/* The ids change id names in its base. */
int ps_store_parents(ps_store *s, const char *id, ps_store_id_fn fn, void *ctx);
/* Every record that has changes, in id order (fn gets a copy it may
 * fold), and how many there are. */
int ps_store_changed_records(ps_store *s, ps_store_id_fn fn, void *ctx);
int ps_store_changed_record_count(ps_store *s, long *n);

/* ---- the fold's derived tables (store_state.c) ---- */

/* Drop the record's state and conflicts rows. */
int ps_store_state_clear(ps_store *s, const char *record);
/* Drop the record's row and what it waits for (it has no changes). */
int ps_store_record_forget(ps_store *s, const char *record);
/* After ps_store_state_clear: the field's value and the change it is from;
 * the ids (JSON array) of writers that disagree. */
int ps_store_state_insert(ps_store *s, const char *record, const char *field, const char *value, const char *change);
int ps_store_conflict_insert(ps_store *s, const char *record, const char *field, const char *changes);
/* Incremental: value wins and the field's conflict, if any, is settled. */
int ps_store_state_set(ps_store *s, const char *record, const char *field, const char *value, const char *change);
int ps_store_conflict_clear(ps_store *s, const char *record, const char *field);
/* The record row: put replaces it; advance adds `added` changes, last
 * the newest. */
int ps_store_record_put(ps_store *s, const char *record, const char *kind, bool retired, long changes,
                        const char *last);
int ps_store_record_advance(ps_store *s, const char *record, const char *kind, bool retired, long added,
                            const char *last);
/* Plan record need ("task/p1") exists now: what waited for it shows. */
int ps_store_unplanned_release(ps_store *s, const char *need);
/* Plan record need is retired: every record of kind whose id matches glob
 * (the caller's GLOB pattern naming need's slug in its place) is held until
 * need is set again. */
int ps_store_unplanned_hold(ps_store *s, const char *need, const char *kind, const char *glob);
/* record names plan record need: held while need does not exist or is retired. */
int ps_store_unplanned_note(ps_store *s, const char *record, const char *need);
/* 1 when record exists and is not retired, 0 when not, <0 on error. */
int ps_store_record_live(ps_store *s, const char *record);
/* The field's value as compact JSON (free()); NULL when unset. */
int ps_store_state_value(ps_store *s, const char *record, const char *field, char **out);
typedef int (*ps_store_record_fn)(void *ctx, const char *id, const char *kind);
/* Every record that exists and is not retired. */
int ps_store_live_records(ps_store *s, ps_store_record_fn fn, void *ctx);

/* ---- checks, repairs and problems (store_check.c) ---- */

/* A change row as stored, whatever its state: any text may be NULL. */
typedef struct ps_change_row {
	long long seq;
	const char *id, *record, *op, *fields;
	const void *bytes;
	size_t len;
	const char *blob; /* the blob id recorded at write; NULL on schema 1 */
	bool local;
} ps_change_row;
typedef int (*ps_store_row_fn)(void *ctx, const ps_change_row *row);
/* Change rows in seq order: all, or only local ones with seq > after. */
int ps_store_change_rows(ps_store *s, bool local_only, long long after, ps_store_row_fn fn, void *ctx);
/* Repairs: the row's bytes and the columns c gives; or its bytes only. */
int ps_store_change_rewrite(ps_store *s, const char *id, const void *bytes, size_t len, const ps_change *c);
int ps_store_change_set_bytes(ps_store *s, const char *id, const void *bytes, size_t len);
/* The change as its columns and edges give it (ps_change_free). */
int ps_store_change_from_columns(ps_store *s, const char *id, ps_change **out);
/* Copy the derived tables aside (in the caller's transaction, which must
 * be rolled back), then count the rows that differ from the copy. */
int ps_store_state_snapshot(ps_store *s);
int ps_store_state_diff(ps_store *s, long *differ);
/* The tables and indexes of the replica's schema that plansync.db lacks
 * (a migration cut short, a tool that dropped one: integrity_check does
 * not notice), comma-separated: in rebuildable those 'plansync rebuild'
 * makes again (derived from the change log or read again from Git, and
 * any index of a table that is there), in lost the others (the change
 * log, its edges, settings, exports). Both "" when none is missing. */
int ps_store_schema_missing(ps_store *s, char *rebuildable, size_t rn, char *lost, size_t ln);
/* Create, empty, the missing tables and indexes that rebuild recomputes
 * (inside the caller's transaction); the lost ones stay missing. */
int ps_store_schema_restore(ps_store *s);

#endif
