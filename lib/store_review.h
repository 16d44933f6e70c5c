/* store_review.h - the SQL of reviews and receipts (lib/store_review.c).
 *
 * Private to the library: lib/review.c calls these and never writes SQL.
 * Ids come through the callback borrowed for the duration of the call; a
 * callback returning non-zero stops the walk and that value is returned. */
#ifndef PLANSYNC_STORE_REVIEW_H
#define PLANSYNC_STORE_REVIEW_H
#include <stdint.h>
#include "plansync/store.h"

/* Live records of kind (not retired, not held for the plan) whose id
 * matches the GLOB pattern glob (built from slugs, which hold no GLOB
 * metacharacter), in id order. */
int ps_store_records_like(ps_store *s, const char *kind, const char *glob, ps_store_id_fn fn, void *ctx);
/* A report the walk below yields: its record id, the first set change
 * of the report in force (after its last retire) and when this replica
 * first had a change of it (ms; 0: not known, a row from before schema 4). */
typedef int (*ps_store_receipt_fn)(void *ctx, const char *report, const char *first, int64_t arrived);
/* Live, shown records of kind report ("progress") of offices other than
 * province whose live record of kind receipt with the same office, task
 * and period is missing or names another change than the first of the
 * report in force (a report withdrawn and filed again), in id order. */
int ps_store_receipts_missing(ps_store *s, const char *province, const char *report, const char *receipt,
                              ps_store_receipt_fn fn, void *ctx);

#endif
