/* store_keys.h - the SQL of the key registry's local bookkeeping (private
 * to lib/: keys.c and sync_verify.c): enrolment requests, kept in the meta
 * table under "keys.pending.<office>/<replica>" as one JSON object each, so
 * no schema change is needed. The registry itself is plan data (the state
 * table, read through store_views.h). */
#ifndef PLANSYNC_STORE_KEYS_H
#define PLANSYNC_STORE_KEYS_H
#include "plansync/store.h"

/* The request of branch office/replica: json NULL forgets it. */
int ps_store_keyreq_put(ps_store *s, const char *office, const char *replica, const char *json);
/* The request's JSON (free()), PS_ENOTFOUND without a message when none. */
int ps_store_keyreq_get(ps_store *s, const char *office, const char *replica, char **json);
/* Each request, by office then replica (borrowed JSON text). */
int ps_store_keyreq_each(ps_store *s, int (*fn)(void *ctx, const char *json), void *ctx);

#endif
