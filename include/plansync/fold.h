/* fold.h - the state of a record as a pure function of its changes (DESIGN §5).
 *
 * Fields are last-writer-wins by change id (HLC, then replica). A record's
 * existence is a field too: set writes "exists", retire writes "retired".
 * Two changes are concurrent when neither is in the other's base chain;
 * concurrent changes that leave a field with different values are a
 * conflict, listed until a change whose base covers them all writes the
 * field again. ps_fold_record rewrites the record's rows in state, records
 * and conflicts; it must run inside a transaction. */
#ifndef PLANSYNC_FOLD_H
#define PLANSYNC_FOLD_H
#include <stdbool.h>
#include "plansync/store.h"
#include "plansync/change.h"

int ps_fold_record(ps_store *s, const char *record);
/* Insert c (canonical bytes given) and bring the record's state up to date:
 * incrementally when c descends from every known change of the record and
 * sorts after them all (the normal case: a local write, or changes arriving
 * in order), by a full ps_fold_record otherwise. With defer, the full fold
 * is left to the caller (*needs_fold set) so a batch folds each record once.
 * Returns what ps_store_insert_change returns. */
int ps_fold_insert(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local, const char *summary,
                   bool defer, bool *needs_fold);
/* Recompute every record known (rebuild). */
int ps_fold_all(ps_store *s, void (*progress)(void *, long, long), void *ctx);

/* Batches (import): g holds changes of one record sorted by id, not yet
 * inserted. *linear when the first descends from every known change of
 * the record, each next one from the one before, and all sort after what
 * is known: then, once they are inserted, ps_fold_group_apply brings the
 * state up to date writing each field once. */
int ps_fold_group_is_linear(ps_store *s, ps_change *const *g, size_t k, bool *linear);
int ps_fold_group_apply(ps_store *s, ps_change *const *g, size_t k);

#endif
