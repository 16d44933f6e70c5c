/* review.h - the province's review of reports, closed periods, receipts
 * (lib/review.c, issue 12).
 *
 * Records (docs/design.md, "Review, periods and receipts"):
 *   review/<office>/<task>/<period>   decision accepted|returned, comment,
 *                                     changes = the report's heads judged
 *   period/<id>                       closed: UTC time, or null (open)
 *   receipt/<office>/<task>/<period>  change, received, late: written once
 *                                     by the province's replica, by its clock
 *
 * ps_review_state is the one definition of a report's review state: the
 * reports, the inbox and status all read it. */
#ifndef PLANSYNC_REVIEW_H
#define PLANSYNC_REVIEW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "plansync/replica.h"

/* The review state of one office x task x period:
 *   MISSING   no report in force (none, or withdrawn: retired)
 *   REPORTED  a report, not reviewed; or returned and changed since (the
 *             district answered: the province reviews it again)
 *   RETURNED  returned, and the report is still the version judged
 *   ACCEPTED  accepted, and the report is still the version judged
 *   CHANGED   accepted, and the report changed since: its heads differ
 *             from the review's "changes" ("changed_since_accepted")
 * A review of a missing report does not count: the state is MISSING. */
typedef enum ps_rstate {
	PS_RSTATE_MISSING,
	PS_RSTATE_REPORTED,
	PS_RSTATE_RETURNED,
	PS_RSTATE_ACCEPTED,
	PS_RSTATE_CHANGED,
	PS_RSTATE__COUNT
} ps_rstate;
/* "missing", "reported", "returned", "accepted", "changed_since_accepted". */
const char *ps_rstate_name(ps_rstate s);

/* The state from what was read: reported (a report is in force), the
 * review's decision (NULL: none) and whether the report's heads are the
 * review's "changes". Pure: ps_review_state reads and calls it. */
ps_rstate ps_review_state_of(bool reported, const char *decision, bool same_version);

/* The review state of office x task x period on this replica (ids as
 * stored, lowercase). Unknown ids are MISSING, not an error. */
int ps_review_state(ps_rstate *out, ps_replica *r, const char *office, const char *task, const char *period);

/* One review as an office reads it; strings malloc()ed, NULL when absent. */
typedef struct ps_review_info {
	char *office, *task, *period;
	ps_rstate state;
	char *decision; /* "accepted", "returned", or NULL: not reviewed */
	char *comment;
	char *reviewer; /* author of the review's last change */
	char *id;       /* the review's last change id */
	int64_t time;   /* when it was written (ms), 0 when not reviewed */
} ps_review_info;
void ps_review_info_release(ps_review_info *i);
int ps_review_get(ps_review_info *out, ps_replica *r, const char *office, const char *task, const char *period);

/* Write the province's review of office's report on task for period:
 * accept (else return, which needs a comment). The review names the
 * report's current heads. Province only (PS_ENOTOWNER); unknown office,
 * task or period, or no report in force: PS_ENOTFOUND; a return without
 * comment: PS_EINVALID; the same review already in force: PS_EEXISTS
 * (nothing written). in_txn: inside the caller's transaction. *id_out
 * (may be NULL) gets the change id (free()). */
int ps_review_write(ps_replica *r, bool accept, const char *office, const char *task, const char *period,
                    const char *comment, bool in_txn, char **id_out);
/* The tasks of office with a report in force in period, sorted (a batch
 * review); caller frees with ps_strv_free. */
int ps_review_reported_tasks(ps_replica *r, const char *office, const char *period, char ***out, size_t *n);
/* Check that office, task and period exist (the task may be NULL): 0 or
 * PS_ENOTFOUND naming the command that lists the valid ids. */
int ps_review_check_ids(ps_replica *r, const char *office, const char *task, const char *period);

/* The reviews of office's reports: returned first, then changed since
 * accepted, then answered (reported again), then accepted; newest first
 * within each. */
typedef struct ps_inbox {
	ps_review_info *v;
	size_t n;
	size_t returned; /* rows in state RETURNED */
} ps_inbox;
int ps_inbox_read(ps_inbox **out, ps_replica *r, const char *office);
void ps_inbox_free(ps_inbox *b);

/* ---- periods ---- */

/* Close (close true) or open period: a plan change of period/<id>'s field
 * "closed" (the UTC time now, or null). Province only; an unknown period
 * is PS_ENOTFOUND; already so is PS_EEXISTS. */
int ps_period_set_closed(ps_replica *r, const char *period, bool close, const char *reason, char **id_out);
/* *closed (malloc()ed) the time period was closed, NULL when open or
 * unknown. */
int ps_period_closed(ps_replica *r, const char *period, char **closed);
/* A report for period may be written: 0, or PS_EINVALID when this replica
 * knows the period is closed and reason is empty. A local check only:
 * readers never refuse a report because of a close. */
int ps_period_write_check(ps_replica *r, const char *period, const char *reason);

/* ---- receipts ---- */

typedef struct ps_receipt {
	bool found;
	char change[PS_CHANGE_ID_MAX + 1]; /* the first change of the report in force (after a withdrawal) */
	char received[32]; /* "2026-11-29T02:10:00Z": when the province replica first had it, by its clock */
	bool late;         /* received after the period's due date (end of day, UTC+7) */
} ps_receipt;
/* The receipt of office's report on task for period; found false when
 * none (yet): reports count it as not late. */
int ps_receipt_get(ps_receipt *out, ps_replica *r, const char *office, const char *task, const char *period);
/* On the province's replica (nothing elsewhere): a receipt for every
 * report in force of another office that has none, or whose receipt names
 * a report since withdrawn, dated when this replica first had a change of
 * the report in force (held ones: when first held; this replica's clock;
 * now for a change stored before schema 4); *written counts them (may be
 * NULL). The sync calls it at every cycle after the import and, when it
 * wrote some, runs one more cycle to send them. */
int ps_receipts_write(ps_replica *r, long *written);
/* True when a report received at ms is late for a period due on due
 * ("YYYY-MM-DD"; NULL or malformed: never late): after the end of that
 * day in Asia/Ho_Chi_Minh (UTC+7, no daylight saving). */
bool ps_receipt_late(int64_t ms, const char *due);
/* The day ms falls on in the plan's time zone, Asia/Ho_Chi_Minh (UTC+7, no
 * daylight saving), as "YYYY-MM-DD": "today" for deadlines, whatever the
 * time zone of this machine. */
void ps_plan_day(int64_t ms, char out[11]);

#endif
