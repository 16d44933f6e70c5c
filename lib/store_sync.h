/* store_sync.h - the tables a sync cycle reads and writes, as functions.
 *
 * Declares what lib/store_sync.c (exports and the replica's own changes)
 * and lib/store_import.c (fetched branches, held changes, records to fold
 * again, quarantined problems) export to lib/sync*.c. Private to lib/ and
 * the unit tests: no SQLite type appears here, and the sync files include
 * this header instead of writing SQL. Writes run inside the caller's
 * ps_store_begin()/ps_store_commit(); reads run anywhere. Rows are handed
 * to callbacks as borrowed pointers valid for that call only; a callback
 * returns 0 to go on, anything else stops the walk and is returned. */
#ifndef PLANSYNC_STORE_SYNC_H
#define PLANSYNC_STORE_SYNC_H
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "plansync/store.h"

/* ---- the change log, written by an import ----------------------------- */

/* ps_store_insert_change_ex with the blob id of the change's bytes given
 * (40 hex digits): an import has Git hash it, faster than
 * ps_store_blob_id. bytes may be NULL for a change that is not local,
 * since such a row keeps none (store_changes.c). */
int ps_store_insert_change_blob(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local,
                                const char *summary, bool heads, const char blob[41]);
/* An imported change (not local, no bytes) with blob id blob, read from
 * commit, which the key with fingerprint signer signed as replica
 * signer_replica: the signer is stored in the row itself, as
 * ps_store_change_signed would record it on a row just inserted (arrived
 * included). A row that was there already is left as it is: the caller
 * decides with ps_store_change_signed. */
int ps_store_insert_change_signed(ps_store *s, const ps_change *c, bool heads, const char blob[41], const char *commit,
                                  const char *signer, const char *signer_replica);
/* The stored change id was read from commit, which the key with
 * fingerprint signer signed as replica signer_replica: recorded as its
 * signer unless the signer it has counts (one met on its writer's own
 * branch, or on a branch with a smaller replica id); and when commit was
 * held for an enrolment request, the change arrived when it was first
 * seen (ps_store_enrol_seen), if that is earlier. Nothing when no change
 * has that id. */
int ps_store_change_signed(ps_store *s, const char *id, const char *commit, const char *signer,
                           const char *signer_replica);
/* The fetched commit (40 hex digits) is held for an enrolment request:
 * its first sighting is now, unless noted before. */
int ps_store_enrol_seen(ps_store *s, const char *commit);

/* ---- exports: the commits this replica made of its changes ----------- */

/* The last export: *found false (hex "", *batch 0) when none was made. */
int ps_store_export_last(ps_store *s, char hex[41], long long *batch, bool *found);
/* The batch whose commit is hex, 0 when it is not one of ours. */
int ps_store_export_batch_of(ps_store *s, const char *hex, long long *batch);
/* The commit of one batch: *found false when there is no such batch. */
int ps_store_export_commit(ps_store *s, long long batch, char hex[41], bool *found);
/* The largest change seq already in an export (0 when none). */
int ps_store_exports_maxseq(ps_store *s, long long *maxseq);
/* The seq of the newest change stored (0: none): grows with every change
 * stored, so an equal value says nothing was stored since. */
int ps_store_changes_top(ps_store *s, long long *seq);
/* Record a new export after the last one: commit hex holding changes
 * changes up to seq maxseq. *batch gets its number (1 after none). */
int ps_store_export_append(ps_store *s, const char *hex, long long changes, long long maxseq, long long *batch);
/* The local changes after < seq <= upto were signed by the key with
 * fingerprint signer, as replica signer_replica: recorded unless the
 * signer one has counts, by the rule of ps_store_change_signed. */
int ps_store_export_signed(ps_store *s, long long after, long long upto, const char *signer,
                           const char *signer_replica);
/* Forget the exports after batch (0: all of them); their changes are
 * exported again. */
int ps_store_exports_drop_after(ps_store *s, long long batch);
/* How many local changes the exports up to batch hold. */
int ps_store_exports_local_count(ps_store *s, long long batch, long long *n);

/* ---- the replica's own (local = 1) changes --------------------------- */

typedef struct ps_local_change {
	long long seq;
	const char *id, *summary /* NULL when none */, *author, *record;
	ps_hlc hlc;
	const void *bytes;
	size_t len;
} ps_local_change;
typedef int (*ps_local_change_fn)(void *ctx, const ps_local_change *c);

/* How many local changes have after < seq < before. */
int ps_store_local_count(ps_store *s, long long after, long long before, long long *n);
/* Each local change with after < seq < before, by seq. */
int ps_store_local_each(ps_store *s, long long after, long long before, ps_local_change_fn fn, void *ctx);
/* Each local change (seq, id and bytes only; the rest NULL or 0). The
 * callback may mark the change it is given with ps_store_local_clear. */
int ps_store_local_each_all(ps_store *s, ps_local_change_fn fn, void *ctx);
/* The change seq is no longer ours to send (local = 0). */
int ps_store_local_clear(ps_store *s, long long seq);
/* The stored change with that seq, decoded (ps_change_free). */
int ps_store_change_by_seq(ps_store *s, long long seq, ps_change **out);
/* The records that local changes with an id >= from write, each once
 * (ps_strv_free). */
int ps_store_local_records_from(ps_store *s, const char *from, char ***out, size_t *n);
/* The fields of record whose current value came from a change with an id
 * >= from, as one JSON object (cJSON_Delete; empty when none). */
int ps_store_state_fields_from(ps_store *s, const char *record, const char *from, cJSON **out);

/* ---- fetched branches ------------------------------------------------ */

/* The head last imported from the tracking ref: *found false when never. */
int ps_store_branch_head(ps_store *s, const char *ref, char hex[41], bool *found);
/* The branch's imported head is now hex (a new row, or its head moved). */
int ps_store_branch_set_head(ps_store *s, const char *ref, const char *office, const char *replica, const char *hex);
/* The branch is read again from its root at the next import (no head). */
int ps_store_branch_forget(ps_store *s, const char *ref);
/* Each branch imported before: its tracking ref and last head. The
 * callback may write (it runs on a statement of its own). */
int ps_store_branches_each(ps_store *s, int (*fn)(void *ctx, const char *ref, const char *head), void *ctx);

/* ---- held changes: a clock too far in this machine's future ---------- */

/* Keep a change to apply later, with the signer its commit was verified
 * to have (ps_store_change_signed); when its id is held already, nothing,
 * or with replace this version instead. */
int ps_store_held_add(ps_store *s, const ps_change *c, const void *bytes, size_t len, const char *branch,
                      const char *commit, const char *path, const char *signer, const char *signer_replica,
                      bool replace);
/* The blob id of the held version of change id; PS_ENOTFOUND (no message)
 * when none is held. */
int ps_store_held_blob(ps_store *s, const char *id, char blob[41]);
typedef struct ps_held_change {
	const void *bytes;
	size_t len;
	const char *branch, *commit, *path;
	const char *signer, *signer_replica; /* NULL for one held before schema 5 */
} ps_held_change;
/* Hand each held change with a clock <= upto to fn, then forget them all
 * (not when fn stopped the walk). */
int ps_store_held_release(ps_store *s, ps_hlc upto, int (*fn)(void *ctx, const ps_held_change *h), void *ctx);
/* Hand each held change to fn, keeping them all. */
int ps_store_held_each(ps_store *s, int (*fn)(void *ctx, const ps_held_change *h), void *ctx);

/* ---- records to fold again at the end of an import ------------------- */

/* Note that record needs a full fold. */
int ps_store_refold_note(ps_store *s, const char *record);
/* Hand each noted record to fn, then forget them (not when fn failed). */
int ps_store_refold_drain(ps_store *s, int (*fn)(ps_store *s, const char *record));

/* ---- problems: quarantined files and branches ------------------------ */

/* Record a problem; control characters of path are shown as '?' (clean,
 * when not NULL, gets the path as stored; 1100 bytes). *added false when
 * the same problem was recorded before. */
int ps_store_problem_add(ps_store *s, const char *branch, const char *commit, const char *path, const char *reason,
                         char clean[1100], bool *added);

/* ---- taking back a revoked key's changes (store_retract.c) ----------- */

/* Remove change id from the log when this replica read it (not its own)
 * signed by signer; *record (free()) names its record, whose heads are
 * made again, NULL when no such row. */
int ps_store_retract_change(ps_store *s, const char *id, const char *signer, char **record);
/* Drop the changes held (future clock) from commit of branch. */
int ps_store_held_drop_commit(ps_store *s, const char *branch, const char *commit);

#endif
