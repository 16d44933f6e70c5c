/* dump.h - the whole state as JSON, and recomputing it (lib/dump.c). */
#ifndef PLANSYNC_DUMP_H
#define PLANSYNC_DUMP_H
#include "plansync/log.h"
#include "plansync/replica.h"

/* The whole state as canonical JSON (free()). */
int ps_dump(ps_replica *r, char **out);
/* Forget every imported change and the state; import all branches again
 * from the Git repository and recompute. */
int ps_rebuild(ps_replica *r, ps_progress_fn progress, void *ctx);
/* The first half of rebuild: every derived table recomputed from the stored
 * changes (none deleted), the branches forgotten so the next import reads
 * them all again. */
int ps_rebuild_state(ps_replica *r);

#endif
