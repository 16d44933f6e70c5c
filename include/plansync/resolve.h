/* resolve.h - settling a conflict (lib/resolve.c). */
#ifndef PLANSYNC_RESOLVE_H
#define PLANSYNC_RESOLVE_H
#include "plansync/replica.h"

/* Resolve a conflict: write field again with either the value of change
 * take_id or value (a JSON value, or a bare string), base covering every
 * head. *id_out (free()) is the new change. */
int ps_resolve(ps_replica *r, const char *record, const char *field, const char *take_id, const char *value,
               char **id_out);

#endif
