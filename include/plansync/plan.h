/* plan.h - importing the plan document (lib/plan.c). */
#ifndef PLANSYNC_PLAN_H
#define PLANSYNC_PLAN_H
#include <stddef.h>
#include "plansync/replica.h"

typedef struct ps_plan_stats {
	long records, set, retired, unchanged;
} ps_plan_stats;
/* The embedded default plan document. */
extern const unsigned char ps_embedded_plan[];
extern const size_t ps_embedded_plan_len;
/* Import a plan document (province only): one change per record that
 * differs, a retire for each plan record no longer in it; all in one
 * transaction. Errors name the JSON path. */
int ps_plan_import(ps_replica *r, const char *data, size_t len, ps_plan_stats *st);

#endif
