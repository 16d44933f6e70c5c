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
#include "plansync/store.h"

int ps_fold_record(ps_store *s, const char *record);
/* Recompute every record known (rebuild). */
int ps_fold_all(ps_store *s, void (*progress)(void *, long, long), void *ctx);

#endif
