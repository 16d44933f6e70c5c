/* views.h - typed reads for the front ends: plan, tasks, targets, offices,
 * periods, progress, log, conflicts, status, problems.
 *
 * Each read fills a struct the caller releases with its _free function
 * (NULL-safe); every string and array in it belongs to the struct. Absent
 * values are NULL (strings, JSON) or 0 (times); a field value that is any
 * JSON (a plan field, a logged value) comes as compact JSON text. Times are
 * milliseconds since the Unix epoch, UTC. The reads never write. A filter
 * naming an office, task, program or period the plan lacks is PS_ENOTFOUND
 * (a typo). Front ends name the members of these structs in their column
 * descriptions, so a renamed member breaks their build. */
#ifndef PLANSYNC_VIEWS_H
#define PLANSYNC_VIEWS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "plansync/replica.h"

typedef struct ps_view_mem ps_view_mem; /* the strings of one result */

/* ---- plan show ---- */
typedef struct ps_plan_program {
	const char *id, *title, *period;
	long order, number, period_start, period_end, vision_year; /* -1 when absent */
	long objectives, tasks;                                    /* counts */
	long committee_size;                                       /* members of its steering committee */
	const char *committee_head;                                /* head role, or NULL */
} ps_plan_program;
typedef struct ps_plan_count {
	const char *kind; /* "office", "agency", ... */
	long n;
} ps_plan_count;
typedef struct ps_plan_view {
	ps_view_mem *mem;                                          /* first: every view's strings */
	const char *title, *issuer, *number, *place, *date, *term; /* NULL when absent */
	ps_plan_program *programs;
	size_t nprograms;
	ps_plan_count *counts;
	size_t ncounts;
} ps_plan_view;
int ps_view_plan(ps_plan_view **out, ps_replica *r);
void ps_plan_view_free(ps_plan_view *v);

/* ---- plan tasks ---- */
typedef struct ps_task_row {
	const char *id, *program, *text;
	long order;           /* -1 when absent */
	const char **offices; /* the offices it has a target for */
	size_t noffices;
	const char *target; /* with an office: that office's target for it (the id), or NULL */
} ps_task_row;
typedef struct ps_tasks_view {
	ps_view_mem *mem; /* first: every view's strings */
	ps_task_row *v;
	size_t n;
} ps_tasks_view;
/* program, office: NULL for all. Every office reports on every task: with
 * an office, all the tasks come, and target marks the office's own. */
int ps_view_tasks(ps_tasks_view **out, ps_replica *r, const char *program, const char *office);
void ps_tasks_view_free(ps_tasks_view *v);

/* ---- plan targets ---- */
typedef struct ps_target_row {
	const char *id, *task, *office, *text;
	const char *deadline, *deadline_text; /* NULL when absent */
	long order;                           /* -1 when absent */
} ps_target_row;
typedef struct ps_targets_view {
	ps_view_mem *mem; /* first: every view's strings */
	ps_target_row *v;
	size_t n;
} ps_targets_view;
int ps_view_targets(ps_targets_view **out, ps_replica *r, const char *office);
void ps_targets_view_free(ps_targets_view *v);

/* ---- plan offices ---- */
typedef struct ps_office_row {
	const char *id, *name, *kind, *parent; /* NULL when absent */
	long targets;                          /* district targets it has */
	long order;                            /* -1 when absent */
} ps_office_row;
typedef struct ps_offices_view {
	ps_view_mem *mem; /* first: every view's strings */
	ps_office_row *v;
	size_t n;
} ps_offices_view;
/* The live offices in the plan document's order. */
int ps_view_offices(ps_offices_view **out, ps_replica *r);
void ps_offices_view_free(ps_offices_view *v);

/* ---- plan periods ---- */
typedef struct ps_period_row {
	const char *id, *kind, *start, *end, *due; /* NULL when absent; dates YYYY-MM-DD */
	const char *closed;                        /* when the province closed it (RFC 3339), or NULL */
	const char *state;                         /* "open" or "closed" */
	long order;                                /* -1 when absent */
} ps_period_row;
typedef struct ps_periods_view {
	ps_view_mem *mem; /* first: every view's strings */
	ps_period_row *v;
	size_t n;
} ps_periods_view;
/* The live periods by start date, a year before its quarters. */
int ps_view_periods(ps_periods_view **out, ps_replica *r);
void ps_periods_view_free(ps_periods_view *v);

/* ---- progress show ---- */
typedef struct ps_progress_row {
	const char *office, *task, *period;
	const char *status; /* NULL when not reported */
	long percent;       /* -1 when not reported */
	const char *actual; /* a decimal as text, or NULL */
	const char *note, *reporter;
	const char **evidence;
	size_t nevidence;
	int64_t updated;    /* time of the last change */
	const char *author; /* who wrote the last change */
} ps_progress_row;
typedef struct ps_progress_view {
	ps_view_mem *mem; /* first: every view's strings */
	ps_progress_row *v;
	size_t n;
} ps_progress_view;
int ps_view_progress(ps_progress_view **out, ps_replica *r, const char *office, const char *task, const char *period);
/* Which reports ps_view_progress_where keeps: every member NULL (or false)
 * for any. Ids and the status are matched case-insensitively; an id the
 * plan lacks is PS_ENOTFOUND with the closest one, a status not in the
 * list PS_EINVALID. */
typedef struct ps_progress_filter {
	const char *office, *task, *period;
	const char *status;  /* one of ps_progress_statuses */
	const char *program; /* the task's program */
	bool late;           /* only reports whose receipt says late (receipt/<office>/<task>/<period>) */
} ps_progress_filter;
int ps_view_progress_where(ps_progress_view **out, ps_replica *r, const ps_progress_filter *f);
void ps_progress_view_free(ps_progress_view *v);

/* ---- log ---- */
typedef struct ps_log_field {
	const char *field;
	const char *old_json; /* what the writer saw (its base chain), or NULL */
	const char *new_json;
} ps_log_field;
typedef struct ps_log_entry {
	const char *id, *office, *author, *record, *op;
	int64_t time;
	const char *reason; /* NULL when none */
	ps_log_field *fields;
	size_t nfields;
	/* the key that signed the commit that brought it, as this replica
	 * verified it (for its own changes: the key that signs its export):
	 * fingerprint ("" when not known: a change stored before schema 5,
	 * until 'plansync rebuild'), and that key's standing in the registry
	 * now: "enrolled", "pending", "revoked", "refused", "rotated" (a key
	 * its replica had before its current one), "replaced" (its replica has
	 * another key now) or "unknown" */
	const char *signer, *signer_status;
	const char *signer_replica; /* the replica the key was enrolled as ("" when not known) */
} ps_log_entry;
typedef struct ps_log_view {
	ps_view_mem *mem; /* first: every view's strings */
	ps_log_entry *v;
	size_t n;
} ps_log_view;
/* Newest first; record NULL for all; limit 0 for no limit. A record with
 * no change is PS_ENOTFOUND unless it is a report whose office, task and
 * period the plan has (a report not made yet: no rows). */
int ps_view_log(ps_log_view **out, ps_replica *r, const char *record, long limit);
/* The changes of the reports (records named <kind>/<office>/<task>/<period>:
 * progress, review, ...) of office, task and period (NULL: any; at least
 * one given), newest first, at most limit (0: all). Each is matched
 * case-insensitively; one no change ever named is PS_ENOTFOUND with the
 * closest id. */
int ps_view_log_of(ps_log_view **out, ps_replica *r, const char *office, const char *task, const char *period,
                   long limit);
void ps_log_view_free(ps_log_view *v);

/* ---- conflicts ---- */
typedef struct ps_conflict_version {
	const char *id, *office, *author; /* id: the change */
	int64_t time;
	const char *value_json; /* NULL when that change does not set the field */
} ps_conflict_version;
typedef struct ps_conflict_row {
	const char *record, *field;
	const char *value_json; /* applied everywhere for now, or NULL */
	const char *winner;     /* the change that gives it, or NULL */
	ps_conflict_version *versions;
	size_t nversions;
} ps_conflict_row;
typedef struct ps_conflicts_view {
	ps_view_mem *mem; /* first: every view's strings */
	ps_conflict_row *v;
	size_t n;
} ps_conflicts_view;
int ps_view_conflicts(ps_conflicts_view **out, ps_replica *r);
void ps_conflicts_view_free(ps_conflicts_view *v);

/* ---- status ---- */
typedef struct ps_status_view {
	ps_view_mem *mem; /* first: every view's strings */
	const char *office, *replica, *province, *user;
	const char *remote; /* NULL when none is configured */
	long records, changes, branches, conflicts, problems, held, unplanned;
	long enrolment_held; /* change files of replicas whose keys wait for the province (keys pending) */
	struct {
		long total, not_exported, committed, delivered, not_delivered;
		long future;          /* own changes stamped ahead of this clock */
		int64_t future_until; /* the latest of them, 0 when none */
	} own;
	struct {
		bool running;
		long pid;             /* -1 when not running */
		int64_t next_attempt; /* 0 when unknown */
		long failures;        /* failed cycles in a row; -1 when unknown */
	} daemon;
	struct {
		int64_t time; /* 0: never synced */
		bool ok;
		const char *message; /* the cycle's result, as sync --json says it */
		/* Milliseconds each stage took; -1 when not recorded. */
		long export_ms, push_ms, fetch_ms, import_ms;
	} last_sync;
} ps_status_view;
int ps_view_status(ps_status_view **out, ps_replica *r);
void ps_status_view_free(ps_status_view *v);

/* ---- problems ---- */
/* One name per fact: a problem of a fetched branch names its branch (and
 * commit and file when one is at fault); one of this replica's own changes
 * (its stored bytes damaged) names only the change; a report held for the
 * plan names its branch and record. */
typedef struct ps_problem_row {
	int64_t time;       /* 0 for a report held for the plan */
	const char *branch; /* "replicas/<office>/<replica>"; NULL for this replica's own change */
	const char *commit; /* NULL when not one commit's fault */
	const char *path;   /* "changes/...": NULL when not one file's fault (a badly named branch) */
	const char *change; /* this replica's own change held back; else NULL */
	const char *record; /* the record of a report held for the plan; else NULL */
	const char *reason;
} ps_problem_row;
typedef struct ps_problems_view {
	ps_view_mem *mem; /* first: every view's strings */
	ps_problem_row *v;
	size_t n;
} ps_problems_view;
int ps_view_problems(ps_problems_view **out, ps_replica *r);
void ps_problems_view_free(ps_problems_view *v);

#endif
