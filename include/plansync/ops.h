/* ops.h - what the commands do: plan import, progress, reads, resolve,
 * dump, rebuild. Reads return cJSON trees the front ends print as tables
 * or JSON; the caller releases them with cJSON_Delete. */
#ifndef PLANSYNC_OPS_H
#define PLANSYNC_OPS_H
#include <stddef.h>
#include <cjson/cJSON.h>
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

/* Progress fields from options: any of status, percent, actual, note,
 * evidence (array), reporter; NULL members are left out. */
typedef struct ps_progress_in {
	const char *status, *percent, *actual, *note, *reporter;
	const char *const *evidence;
	size_t nevidence;
} ps_progress_in;
int ps_progress_set(ps_replica *r, const char *task, const char *period, const ps_progress_in *in, const char *reason,
                    char **id_out);
/* CSV with a header row naming the columns (task, period, status, percent,
 * actual, note, evidence, reporter, reason). All rows or none: on any bad
 * row, *report lists every problem as "line L, column C: ..." and nothing
 * is written. *written counts the changes made. */
int ps_progress_import_csv(ps_replica *r, const char *data, size_t len, char **report, long *written);

/* Reads. */
int ps_query_plan(ps_replica *r, cJSON **out);
int ps_query_tasks(ps_replica *r, const char *program, const char *office, cJSON **out);
int ps_query_targets(ps_replica *r, const char *office, cJSON **out);
int ps_query_progress(ps_replica *r, const char *office, const char *task, const char *period, cJSON **out);
int ps_query_log(ps_replica *r, const char *record, long limit, cJSON **out);
int ps_query_conflicts(ps_replica *r, cJSON **out);
int ps_query_status(ps_replica *r, cJSON **out);
int ps_query_problems(ps_replica *r, cJSON **out);

/* Resolve a conflict: write field again with either the value of change
 * take_id or value_json (a JSON value, or a bare string), base covering
 * every head. */
int ps_resolve(ps_replica *r, const char *record, const char *field, const char *take_id, const char *value,
               char **id_out);

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
