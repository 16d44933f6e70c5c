/* report.h - the province's reports, read offline from the replica's own
 * database: coverage (who reported what for a period, and its review
 * state), completion per program and office, district targets with a
 * verdict, one office's sheet, and the replicas the sync has heard from.
 *
 * ps_report_open reads the plan and every progress, review and receipt
 * record once into a ps_report; the report functions compute from it and
 * allocate their results in its memory, so one ps_report_free releases
 * everything (results are borrowed until then). Strings are NULL when
 * absent; numbers -1 when absent; times milliseconds since the epoch
 * (0: absent). A retired (withdrawn) report counts as no report. Nothing
 * here writes, and nothing here knows how a report is shown. */
#ifndef PLANSYNC_REPORT_H
#define PLANSYNC_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "plansync/replica.h"
#include "plansync/views.h"

/* A report's state in the coverage grid (see ps_report_state_name). */
typedef enum ps_cell_state {
	PS_CELL_MISSING,  /* no report in force */
	PS_CELL_REPORTED, /* a report, not reviewed (or answered after a return) */
	PS_CELL_RETURNED, /* returned by the province, not changed since */
	PS_CELL_ACCEPTED, /* accepted, unchanged since */
	PS_CELL_CHANGED,  /* accepted, then changed by the district */
	PS_CELL__COUNT
} ps_cell_state;
/* "missing", "reported", "returned", "accepted", "changed_since_accepted". */
const char *ps_report_state_name(ps_cell_state s);

typedef struct ps_rep_office {
	const char *id, *name, *kind;
	long order;
} ps_rep_office;
typedef struct ps_rep_task {
	const char *id, *program, *text;
	long order;
} ps_rep_task;
typedef struct ps_rep_program {
	const char *id, *title;
	long order;
} ps_rep_program;
typedef struct ps_rep_period {
	const char *id, *kind, *start, *end, *due; /* dates YYYY-MM-DD */
	const char *closed;                        /* ISO-8601 UTC text, NULL while open */
	long order;
} ps_rep_period;

/* One progress record in force, with its review and receipt. */
typedef struct ps_rep_entry {
	const char *office, *task, *period;
	const char *status; /* NULL when not given */
	long percent;
	const char *actual, *note, *reporter;
	const char **evidence;
	size_t nevidence;
	int64_t updated;    /* its last change */
	const char *author; /* who wrote its last change */
	ps_cell_state state;
	const char *decision, *comment; /* its review's, or NULL */
	const char *reviewer;           /* who wrote the review's last change */
	int64_t reviewed;               /* when; 0: not reviewed */
	int64_t received;               /* the province's receipt; 0: none yet */
	bool late;                      /* the receipt says late */
} ps_rep_entry;

typedef struct ps_report {
	ps_view_mem *mem; /* first: every string and result */
	const char *province;
	ps_rep_office *offices; /* the reporting offices (all but the province), by order */
	size_t noffices;
	ps_rep_task *tasks; /* by natural id order */
	size_t ntasks;
	ps_rep_program *programs;
	size_t nprograms;
	ps_rep_period *periods; /* by start date */
	size_t nperiods;
	ps_target_row *targets; /* by natural id order */
	size_t ntargets;
	ps_rep_entry *entries; /* by office, task, period */
	size_t nentries;
	ps_replica *replica; /* borrowed: where it was read (error messages) */
} ps_report;

int ps_report_open(ps_report **out, ps_replica *r);
void ps_report_free(ps_report *d);

/* Lookups in d (NULL when the id is not there). */
const ps_rep_office *ps_report_office_get(const ps_report *d, const char *id);
const ps_rep_period *ps_report_period_get(const ps_report *d, const char *id);
const ps_rep_program *ps_report_program_get(const ps_report *d, const char *id);
const ps_rep_entry *ps_report_entry(const ps_report *d, const char *office, const char *task, const char *period);
/* The office's report on task for the latest period (by start date) that
 * has one; NULL when none. */
const ps_rep_entry *ps_report_latest(const ps_report *d, const char *office, const char *task);
/* The latest period (by start date) with any report in force, else the
 * first period; NULL when the plan has none. */
const ps_rep_period *ps_report_default_period(const ps_report *d);
/* PS_ENOTFOUND with a message naming the listing command when id is not a
 * reporting office / a period of the plan. */
int ps_report_check_office(const ps_report *d, const char *id);
int ps_report_check_period(const ps_report *d, const char *id);

/* ---- report coverage ---- */
typedef struct ps_cov_cell {
	const char *task, *state; /* state: ps_report_state_name */
	bool late;
	const char *status; /* NULL when missing */
	long percent;       /* -1 when missing or not given */
} ps_cov_cell;
typedef struct ps_cov_office {
	const char *office, *name;
	long total; /* tasks */
	long reported, missing, returned, accepted, changed, late;
	ps_cov_cell *tasks;
	size_t ntasks;
} ps_cov_office;
typedef struct ps_coverage {
	const char *period, *due, *closed;
	ps_cov_office *offices;
	size_t n;
} ps_coverage;
int ps_report_coverage(ps_coverage **out, ps_report *d, const char *period);

/* ---- report programs ---- */
/* One program for one office, or for the province (scope "province", the
 * province's id as office): every task of the program counted once per
 * office; percent is the rounded mean of the reported percents (-1: none). */
typedef struct ps_prog_row {
	const char *program, *title, *scope, *office, *name;
	long cells, reported, missing, percent;
	long not_started, on_track, at_risk, delayed, done, cancelled;
} ps_prog_row;
typedef struct ps_programs_report {
	const char *period; /* NULL: each task's latest report */
	ps_prog_row *rows;  /* by program: the province first, then offices */
	size_t n;
} ps_programs_report;
int ps_report_programs(ps_programs_report **out, ps_report *d, const char *period);

/* ---- report targets ---- */
/* verdict: "late", "at_risk", "no_report", "on_track", "met"; rows in that
 * order, then by deadline, office and task. today: YYYY-MM-DD. A target
 * whose deadline is before today and not met is late, reported or not. */
typedef struct ps_target_verdict {
	const char *target, *office, *name, *task, *deadline, *deadline_text, *text;
	const char *period, *status; /* of the latest report, NULL when none */
	long percent;
	const char *verdict;
} ps_target_verdict;
typedef struct ps_targets_report {
	const char *today;
	ps_target_verdict *rows;
	size_t n;
	long late, at_risk, no_report, on_track, met;
} ps_targets_report;
int ps_report_targets(ps_targets_report **out, ps_report *d, const char *today);

/* ---- report office ---- */
typedef struct ps_sheet_row {
	const char *task, *program, *text;
	const char *target, *deadline; /* the office's target for the task, or NULL */
	const char *period;            /* of the report shown, NULL when missing */
	const char *state;             /* ps_report_state_name */
	bool late;
	const char *status;
	long percent;
	const char *actual, *note, *reporter;
	const char **evidence;
	size_t nevidence;
	int64_t updated;
	const char *author, *comment; /* comment: the review's */
} ps_sheet_row;
typedef struct ps_office_sheet {
	const char *office, *name, *period; /* period NULL: each task's latest report */
	long reported, missing;
	ps_sheet_row *rows;
	size_t n;
} ps_office_sheet;
int ps_report_office(ps_office_sheet **out, ps_report *d, const char *office, const char *period);

/* ---- report sync ---- */
/* One replica the database holds changes or a branch of; an office with
 * none has one row with replica NULL. last: clock of its newest change
 * here; received: when its branch last brought something (0: never, or
 * this replica); held_future: changes held for a clock ahead of ours;
 * held_unplanned: its reports held because the plan lacks what they name
 * (an office not enrolled); problems: quarantined files of its branch. */
typedef struct ps_sync_row {
	const char *office, *name, *replica;
	bool own, enrolled;
	int64_t last, received;
	long changes, held_future, held_unplanned, problems;
	long order; /* the office's in the plan: rows sort by it */
} ps_sync_row;
typedef struct ps_sync_report {
	ps_view_mem *mem; /* first */
	ps_sync_row *rows;
	size_t n;
} ps_sync_report;
int ps_report_sync(ps_sync_report **out, ps_replica *r);
void ps_sync_report_free(ps_sync_report *v);

#endif
