/* store_views.h - the SQL of the reads (lib/store_views.c), as functions.
 *
 * Private to the library: lib/query.c, lib/resolve.c and lib/dump.c call
 * these and never write SQL. Rows come through callbacks as typed structs
 * whose strings are borrowed for the duration of the call; a callback
 * returning non-zero stops the walk and that value is returned. */
#ifndef PLANSYNC_STORE_VIEWS_H
#define PLANSYNC_STORE_VIEWS_H
#include <stdbool.h>
#include <stdint.h>
#include "plansync/store.h"
#include "plansync/record.h"

/* A field of a record's current state; value is JSON text. For
 * ps_store_kind_fields a live record without fields comes once with field
 * and value NULL. change: the winning change's id (ps_store_record_fields
 * only, else NULL). */
typedef struct ps_sv_field {
	const char *record, *field, *value;
	const char *change;
} ps_sv_field;
typedef int (*ps_sv_field_fn)(void *ctx, const ps_sv_field *row);
/* The fields of one record, by field name. */
int ps_store_record_fields(ps_store *s, const char *record, ps_sv_field_fn fn, void *ctx);
/* Every live record of a kind with its fields, by record id then field. */
int ps_store_kind_fields(ps_store *s, ps_kind kind, ps_sv_field_fn fn, void *ctx);

/* Live records of a kind that are shown (not held for the plan), by id,
 * with the author and clock of their last change. */
typedef struct ps_sv_last {
	const char *record, *author;
	int64_t hlc;
} ps_sv_last;
int ps_store_shown_records(ps_store *s, ps_kind kind, int (*fn)(void *ctx, const ps_sv_last *row), void *ctx);

/* A change as the log shows it. */
typedef struct ps_sv_change {
	const char *id, *office, *author, *record, *op, *reason; /* reason may be NULL */
	int64_t hlc;
	const char *fields; /* JSON object text */
	/* ps_store_log only: who signed it (schema 5; NULL when not known) and
	 * whether this replica wrote it */
	const char *signer, *signer_replica;
	bool local;
} ps_sv_change;
typedef int (*ps_sv_change_fn)(void *ctx, const ps_sv_change *row);
/* Newest first, at most limit (<= 0: all); record NULL for every record.
 * fields is not filled. */
int ps_store_log(ps_store *s, const char *record, long limit, ps_sv_change_fn fn, void *ctx);
/* One change's office, author, clock, op and fields; PS_ENOTFOUND when unknown. */
int ps_store_change_get(ps_store *s, const char *id, ps_sv_change_fn fn, void *ctx);

/* Conflicts of shown records by record and field: changes is a JSON array
 * of change ids; value and winner (the state's) may be NULL. */
typedef struct ps_sv_conflict {
	const char *record, *field, *changes, *value, *winner;
} ps_sv_conflict;
int ps_store_conflicts(ps_store *s, int (*fn)(void *ctx, const ps_sv_conflict *row), void *ctx);
/* The JSON array of change ids in conflict on record's field (free()), or
 * PS_ENOTFOUND with no message when there is no such conflict. */
int ps_store_conflict_changes(char **out, ps_store *s, const char *record, const char *field);

/* Counts for status. future_from: the smallest change id that counts as
 * stamped ahead of this clock; delivered_batch: the last batch the remote
 * confirmed. */
typedef struct ps_sv_counts {
	long long records, changes, conflicts, problems, held, unplanned, branches;
	long long own_total, own_not_exported, own_delivered, own_future;
	int64_t own_future_until; /* clock of the latest future change */
} ps_sv_counts;
int ps_store_counts(ps_sv_counts *out, ps_store *s, const char *future_from, long long delivered_batch);

/* The branch a problem of one of this replica's own changes is stored
 * under (lib/integrity.c), with the change id as its path. */
#define PS_PROBLEM_OWN "this replica"
/* Problems as recorded by import (at: seconds since the epoch). */
typedef struct ps_sv_problem {
	int64_t at;
	const char *branch, *commit, *path, *reason;
} ps_sv_problem;
int ps_store_problems(ps_store *s, int (*fn)(void *ctx, const ps_sv_problem *row), void *ctx);
/* Records held for the plan: needs is "a, b" of what the plan lacks; office,
 * replica and change of their last change. */
typedef struct ps_sv_unplanned {
	const char *record, *needs, *office, *replica, *change;
} ps_sv_unplanned;
int ps_store_unplanned(ps_store *s, int (*fn)(void *ctx, const ps_sv_unplanned *row), void *ctx);

/* dump: every shown record, one row per field (field and value NULL for a
 * record without fields), by id then field. */
typedef struct ps_sv_dump_row {
	const char *record;
	bool retired;
	const char *field, *value;
} ps_sv_dump_row;
int ps_store_dump_records(ps_store *s, int (*fn)(void *ctx, const ps_sv_dump_row *row), void *ctx);

/* rebuild: forget every derived row (state, conflicts, records, imported
 * branches, unplanned); in the caller's transaction. */
int ps_store_forget_derived(ps_store *s);

#endif
