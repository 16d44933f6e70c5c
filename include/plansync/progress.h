/* progress.h - writing progress reports, one or a CSV file of them
 * (lib/progress.c). */
#ifndef PLANSYNC_PROGRESS_H
#define PLANSYNC_PROGRESS_H
#include <stddef.h>
#include "plansync/replica.h"

/* Progress fields from options: any of status, percent, actual, note,
 * evidence (array), reporter; NULL members are left out. */
typedef struct ps_progress_in {
	const char *status, *percent, *actual, *note, *reporter;
	const char *const *evidence;
	size_t nevidence;
} ps_progress_in;
int ps_progress_set(ps_replica *r, const char *task, const char *period, const ps_progress_in *in, const char *reason,
                    char **id_out);
/* Take back this office's report on task for period (a retire, kept in the
 * history; it then counts as no report). reason is required. PS_ENOTFOUND
 * when there is no report in force to withdraw. */
int ps_progress_withdraw(ps_replica *r, const char *task, const char *period, const char *reason, char **id_out);
/* CSV with a header row naming the columns (task, period, status, percent,
 * actual, note, evidence, reporter, reason). All rows or none: on any bad
 * row, *report lists every problem as "line L, column C: ..." and nothing
 * is written. *written counts the changes made. */
int ps_progress_import_csv(ps_replica *r, const char *data, size_t len, char **report, long *written);

#endif
