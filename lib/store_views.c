/* store_views.c - the SQL of the reads: state, records, the change log,
 * conflicts, counts for status, problems, dump; and forgetting the derived
 * tables for rebuild.
 *
 * Exports the functions of store_views.h. Each statement sits beside the
 * one function that runs it, prepared once per call site (ps_store_site).
 * Rows go to the caller's callback with borrowed strings; nothing here
 * builds a result or knows how it is shown. Never writes, except
 * ps_store_forget_derived. */
#include <stdlib.h>
#include <string.h>
#include "store_int.h"
#include "store_views.h"
#include "plansync/error.h"

static const char *text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Step st to its end, each(st, w) per row; a non-zero from each stops the
 * walk and is returned. */
static int walk(ps_store *s, sqlite3_stmt *st, int (*each)(sqlite3_stmt *, void *), void *w)
{
	int step, rc = 0;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = each(st, w);
	sqlite3_reset(st);
	if (rc)
		return rc;
	return step == SQLITE_DONE ? 0 : ps_store_error(s, "reading the replica");
}

typedef struct field_walk {
	ps_sv_field_fn fn;
	void *ctx;
	const char *record; /* NULL: column 0 names it */
} field_walk;

static int each_field(sqlite3_stmt *st, void *wp)
{
	field_walk *w = wp;
	int c = w->record ? 0 : 1;
	ps_sv_field row = {w->record ? w->record : text(st, 0), text(st, c), text(st, c + 1),
	                   sqlite3_column_count(st) > c + 2 ? text(st, c + 2) : NULL};
	return w->fn(w->ctx, &row);
}

int ps_store_record_fields(ps_store *s, const char *record, ps_sv_field_fn fn, void *ctx)
{
	static ps_site q = {"SELECT field, value, change FROM state WHERE record = ?1 ORDER BY field"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	field_walk w = {fn, ctx, record};
	return walk(s, st, each_field, &w);
}

int ps_store_kind_fields(ps_store *s, ps_kind kind, ps_sv_field_fn fn, void *ctx)
{
	static ps_site q = {"SELECT r.id, s.field, s.value FROM records r LEFT JOIN state s ON s.record = r.id "
	                    "WHERE r.kind = ?1 AND r.retired = 0 ORDER BY r.id, s.field"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, ps_kind_name(kind), -1, SQLITE_STATIC);
	field_walk w = {fn, ctx, NULL};
	return walk(s, st, each_field, &w);
}

typedef struct last_walk {
	int (*fn)(void *ctx, const ps_sv_last *row);
	void *ctx;
} last_walk;

static int each_last(sqlite3_stmt *st, void *wp)
{
	last_walk *w = wp;
	ps_sv_last row = {text(st, 0), text(st, 1), sqlite3_column_int64(st, 2)};
	return w->fn(w->ctx, &row);
}

int ps_store_shown_records(ps_store *s, ps_kind kind, int (*fn)(void *ctx, const ps_sv_last *row), void *ctx)
{
	static ps_site q = {"SELECT r.id, c.author, c.hlc FROM records r JOIN changes c ON c.id = r.last "
	                    "WHERE r.kind = ?1 AND r.retired = 0 "
	                    "AND NOT EXISTS (SELECT 1 FROM unplanned u WHERE u.record = r.id) ORDER BY r.id"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, ps_kind_name(kind), -1, SQLITE_STATIC);
	last_walk w = {fn, ctx};
	return walk(s, st, each_last, &w);
}

typedef struct change_walk {
	ps_sv_change_fn fn;
	void *ctx;
	const char *record; /* the record asked for, or NULL */
} change_walk;

/* id, office, author, hlc, record, op, reason, signer, signer_replica, local */
static int each_logged(sqlite3_stmt *st, void *wp)
{
	change_walk *w = wp;
	ps_sv_change row = {text(st, 0),
	                    text(st, 1),
	                    text(st, 2),
	                    text(st, 4),
	                    text(st, 5),
	                    text(st, 6),
	                    sqlite3_column_int64(st, 3),
	                    NULL,
	                    text(st, 7),
	                    text(st, 8),
	                    sqlite3_column_int(st, 9) != 0};
	return w->fn(w->ctx, &row);
}

/* A replica before schema 5 (read-only, not migrated) has no signer columns. */
#define LOG_COLS    "SELECT id, office, author, hlc, record, op, reason, signer, signer_replica, local FROM changes "
#define LOG_COLS_V4 "SELECT id, office, author, hlc, record, op, reason, NULL, NULL, local FROM changes "

static int log_all(ps_store *s, long limit, change_walk *w)
{
	static ps_site q = {LOG_COLS "ORDER BY id DESC LIMIT ?1"};
	static ps_site q4 = {LOG_COLS_V4 "ORDER BY id DESC LIMIT ?1"};
	sqlite3_stmt *st = ps_store_site(s, ps_store_version(s) >= 5 ? &q : &q4);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, limit > 0 ? limit : -1);
	return walk(s, st, each_logged, w);
}

static int log_record(ps_store *s, const char *record, long limit, change_walk *w)
{
	static ps_site q = {LOG_COLS "WHERE record = ?1 ORDER BY id DESC LIMIT ?2"};
	static ps_site q4 = {LOG_COLS_V4 "WHERE record = ?1 ORDER BY id DESC LIMIT ?2"};
	sqlite3_stmt *st = ps_store_site(s, ps_store_version(s) >= 5 ? &q : &q4);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	return walk(s, st, each_logged, w);
}

int ps_store_log(ps_store *s, const char *record, long limit, ps_sv_change_fn fn, void *ctx)
{
	change_walk w = {fn, ctx, record};
	return record ? log_record(s, record, limit, &w) : log_all(s, limit, &w);
}

int ps_store_change_get(ps_store *s, const char *id, ps_sv_change_fn fn, void *ctx)
{
	static ps_site q = {"SELECT office, author, hlc, fields, op, record, reason FROM changes WHERE id = ?1"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int step = sqlite3_step(st), rc;
	if (step == SQLITE_ROW) {
		ps_sv_change row = {id,
		                    text(st, 0),
		                    text(st, 1),
		                    text(st, 5),
		                    text(st, 4),
		                    text(st, 6),
		                    sqlite3_column_int64(st, 2),
		                    text(st, 3)};
		rc = fn(ctx, &row);
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? PS_ENOTFOUND : ps_store_error(s, "reading a change");
}

typedef struct conflict_walk {
	int (*fn)(void *ctx, const ps_sv_conflict *row);
	void *ctx;
} conflict_walk;

static int each_conflict(sqlite3_stmt *st, void *wp)
{
	conflict_walk *w = wp;
	ps_sv_conflict row = {text(st, 0), text(st, 1), text(st, 2), text(st, 3), text(st, 4)};
	return w->fn(w->ctx, &row);
}

int ps_store_conflicts(ps_store *s, int (*fn)(void *ctx, const ps_sv_conflict *row), void *ctx)
{
	static ps_site q = {
	    "SELECT k.record, k.field, k.changes, st.value, st.change FROM conflicts k "
	    "LEFT JOIN state st ON st.record = k.record AND st.field = k.field "
	    "WHERE NOT EXISTS (SELECT 1 FROM unplanned u WHERE u.record = k.record) ORDER BY k.record, k.field"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	conflict_walk w = {fn, ctx};
	return walk(s, st, each_conflict, &w);
}

int ps_store_conflict_changes(char **out, ps_store *s, const char *record, const char *field)
{
	static ps_site q = {"SELECT changes FROM conflicts WHERE record = ?1 AND field = ?2"};
	*out = NULL;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	int step = sqlite3_step(st), rc = 0;
	if (step == SQLITE_ROW) {
		*out = strdup(text(st, 0) ? text(st, 0) : "[]");
		rc = *out ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
	} else {
		rc = step == SQLITE_DONE ? PS_ENOTFOUND : ps_store_error(s, "reading conflicts");
	}
	sqlite3_reset(st);
	return rc;
}

/* One number from a statement without parameters. */
static int count1(ps_store *s, ps_site *q, long long *out)
{
	sqlite3_stmt *st = ps_store_site(s, q);
	if (!st)
		return PS_ERROR;
	int step = sqlite3_step(st);
	*out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return step == SQLITE_ROW ? 0 : ps_store_error(s, "counting");
}

int ps_store_counts(ps_sv_counts *out, ps_store *s, const char *future_from, long long delivered_batch)
{
	static ps_site records = {"SELECT count(*) FROM records WHERE retired = 0"};
	static ps_site changes = {"SELECT count(*) FROM changes"};
	static ps_site conflicts = {"SELECT count(*) FROM conflicts"};
	static ps_site problems = {"SELECT count(*) FROM problems"};
	static ps_site held = {"SELECT count(*) FROM held"};
	static ps_site unplanned = {"SELECT count(DISTINCT record) FROM unplanned"};
	static ps_site branches = {"SELECT count(*) FROM branches"};
	static ps_site own = {"SELECT count(*) FROM changes WHERE local = 1"};
	static ps_site pending = {"SELECT count(*) FROM changes WHERE local = 1 AND seq > "
	                          "(SELECT coalesce(max(maxseq), 0) FROM exports)"};
	static ps_site delivered = {"SELECT count(*) FROM changes WHERE local = 1 AND seq <= "
	                            "(SELECT coalesce(max(maxseq), 0) FROM exports WHERE batch <= ?1)"};
	/* The id starts with the clock, so the range is one index lookup. */
	static ps_site future = {"SELECT count(*), max(hlc) FROM changes WHERE id >= ?1 AND local = 1"};
	memset(out, 0, sizeof(*out));
	int rc;
	if ((rc = count1(s, &records, &out->records)) || (rc = count1(s, &changes, &out->changes)) ||
	    (rc = count1(s, &conflicts, &out->conflicts)) || (rc = count1(s, &problems, &out->problems)) ||
	    (rc = count1(s, &held, &out->held)) || (rc = count1(s, &unplanned, &out->unplanned)) ||
	    (rc = count1(s, &branches, &out->branches)) || (rc = count1(s, &own, &out->own_total)) ||
	    (rc = count1(s, &pending, &out->own_not_exported)))
		return rc;
	sqlite3_stmt *st = ps_store_site(s, &delivered);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, delivered_batch);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		out->own_delivered = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (step != SQLITE_ROW)
		return ps_store_error(s, "counting");
	if (!(st = ps_store_site(s, &future)))
		return PS_ERROR;
	sqlite3_bind_text(st, 1, future_from, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(st)) == SQLITE_ROW) {
		out->own_future = sqlite3_column_int64(st, 0);
		out->own_future_until = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return step == SQLITE_ROW ? 0 : ps_store_error(s, "counting");
}

typedef struct problem_walk {
	int (*fn)(void *ctx, const ps_sv_problem *row);
	void *ctx;
} problem_walk;

static int each_problem(sqlite3_stmt *st, void *wp)
{
	problem_walk *w = wp;
	ps_sv_problem row = {sqlite3_column_int64(st, 0), text(st, 1), text(st, 2), text(st, 3), text(st, 4)};
	return w->fn(w->ctx, &row);
}

int ps_store_problems(ps_store *s, int (*fn)(void *ctx, const ps_sv_problem *row), void *ctx)
{
	static ps_site q = {"SELECT at, branch, commit_id, path, reason FROM problems ORDER BY seq"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	problem_walk w = {fn, ctx};
	return walk(s, st, each_problem, &w);
}

typedef struct unplanned_walk {
	int (*fn)(void *ctx, const ps_sv_unplanned *row);
	void *ctx;
} unplanned_walk;

static int each_unplanned(sqlite3_stmt *st, void *wp)
{
	unplanned_walk *w = wp;
	ps_sv_unplanned row = {text(st, 0), text(st, 1), text(st, 2), text(st, 3), text(st, 4)};
	return w->fn(w->ctx, &row);
}

int ps_store_unplanned(ps_store *s, int (*fn)(void *ctx, const ps_sv_unplanned *row), void *ctx)
{
	static ps_site q = {"SELECT u.record, group_concat(u.need, ', '), c.office, c.replica, c.id FROM unplanned u "
	                    "JOIN records r ON r.id = u.record JOIN changes c ON c.id = r.last "
	                    "GROUP BY u.record ORDER BY u.record"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	unplanned_walk w = {fn, ctx};
	return walk(s, st, each_unplanned, &w);
}

typedef struct dump_walk {
	int (*fn)(void *ctx, const ps_sv_dump_row *row);
	void *ctx;
} dump_walk;

static int each_dumped(sqlite3_stmt *st, void *wp)
{
	dump_walk *w = wp;
	ps_sv_dump_row row = {text(st, 0), sqlite3_column_int(st, 1) != 0, text(st, 2), text(st, 3)};
	return w->fn(w->ctx, &row);
}

int ps_store_dump_records(ps_store *s, int (*fn)(void *ctx, const ps_sv_dump_row *row), void *ctx)
{
	static ps_site q = {
	    "SELECT r.id, r.retired, s.field, s.value FROM records r LEFT JOIN state s ON s.record = r.id "
	    "WHERE NOT EXISTS (SELECT 1 FROM unplanned u WHERE u.record = r.id) ORDER BY r.id, s.field"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	dump_walk w = {fn, ctx};
	return walk(s, st, each_dumped, &w);
}

int ps_store_forget_derived(ps_store *s)
{
	return ps_store_exec(s, "DELETE FROM state; DELETE FROM conflicts; DELETE FROM records;"
	                        "DELETE FROM branches; DELETE FROM unplanned;");
}
