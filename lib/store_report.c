/* store_report.c - the SQL of the reports: the fields of every live record
 * of a kind with its last change's author and clock, the heads of those
 * records, and per replica what the database holds from it.
 *
 * Exports the functions of store_report.h, each statement beside the one
 * function that runs it, prepared once per call site (ps_store_site).
 * Never writes, never builds a result: lib/report*.c do. */
#include <string.h>
#include "store_int.h"
#include "store_report.h"
#include "plansync/error.h"

static const char *text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int ps_store_report_fields(ps_store *s, const char *kind, int (*fn)(void *ctx, const ps_sr_field *row), void *ctx)
{
	static ps_site q = {"SELECT r.id, c.author, c.hlc, st.field, st.value FROM records r "
	                    "JOIN changes c ON c.id = r.last LEFT JOIN state st ON st.record = r.id "
	                    "WHERE r.kind = ?1 AND r.retired = 0 "
	                    "AND NOT EXISTS (SELECT 1 FROM unplanned u WHERE u.record = r.id) ORDER BY r.id, st.field"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	int step, rc = 0;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		ps_sr_field row = {text(st, 0), text(st, 1), text(st, 3), text(st, 4), sqlite3_column_int64(st, 2)};
		rc = fn(ctx, &row);
	}
	sqlite3_reset(st);
	return rc ? rc : step == SQLITE_DONE ? 0 : ps_store_error(s, "reading the reports");
}

int ps_store_report_heads(ps_store *s, const char *kind, int (*fn)(void *ctx, const char *record, const char *id),
                          void *ctx)
{
	static ps_site q = {"SELECT h.record, h.id FROM records r JOIN heads h ON h.record = r.id "
	                    "WHERE r.kind = ?1 AND r.retired = 0 ORDER BY h.record, h.id"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	int step, rc = 0;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = fn(ctx, text(st, 0), text(st, 1));
	sqlite3_reset(st);
	return rc ? rc : step == SQLITE_DONE ? 0 : ps_store_error(s, "reading the reports");
}

int ps_store_report_replicas(ps_store *s, int (*fn)(void *ctx, const ps_sr_replica *row), void *ctx)
{
	/* A branch is named "replicas/<office>/<replica>" in problems and held,
	 * and under refs/remotes/origin/ in branches. */
	static ps_site q = {
	    "WITH reps(office, replica) AS (SELECT office, replica FROM changes UNION "
	    "SELECT office, replica FROM branches), "
	    "per(office, replica, n, last, own) AS (SELECT office, replica, count(*), max(hlc), max(local) "
	    "FROM changes GROUP BY office, replica) "
	    "SELECT r.office, r.replica, coalesce(p.n, 0), coalesce(p.last, 0), coalesce(p.own, 0), "
	    "(SELECT coalesce(max(b.at), 0) FROM branches b WHERE b.office = r.office AND b.replica = r.replica), "
	    "(SELECT count(*) FROM held h WHERE h.branch IN ('replicas/' || r.office || '/' || r.replica, "
	    "'refs/remotes/origin/replicas/' || r.office || '/' || r.replica)), "
	    "(SELECT count(DISTINCT u.record) FROM unplanned u JOIN records rr ON rr.id = u.record "
	    "JOIN changes c ON c.id = rr.last WHERE c.office = r.office AND c.replica = r.replica), "
	    "(SELECT count(*) FROM problems pr WHERE pr.branch IN ('replicas/' || r.office || '/' || r.replica, "
	    "'refs/remotes/origin/replicas/' || r.office || '/' || r.replica)) "
	    "FROM reps r LEFT JOIN per p ON p.office = r.office AND p.replica = r.replica "
	    "ORDER BY r.office, r.replica"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	int step, rc = 0;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		ps_sr_replica row = {text(st, 0),
		                     text(st, 1),
		                     sqlite3_column_int64(st, 3),
		                     sqlite3_column_int64(st, 5),
		                     sqlite3_column_int64(st, 2),
		                     sqlite3_column_int64(st, 6),
		                     sqlite3_column_int64(st, 7),
		                     sqlite3_column_int64(st, 8),
		                     sqlite3_column_int(st, 4) != 0};
		rc = fn(ctx, &row);
	}
	sqlite3_reset(st);
	return rc ? rc : step == SQLITE_DONE ? 0 : ps_store_error(s, "reading the replicas");
}
