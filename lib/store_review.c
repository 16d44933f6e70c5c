/* store_review.c - the SQL of reviews and receipts: which records of a
 * kind an office has in a period, and which reports still lack a receipt.
 *
 * Exports the functions of store_review.h, each statement beside the one
 * function that runs it (ps_store_site). Rows go to the caller's callback
 * as borrowed ids; nothing here decides a review state (lib/review.c
 * does). Never writes. */
#include "store_int.h"
#include "store_review.h"
#include "plansync/error.h"

static int walk_ids(ps_store *s, sqlite3_stmt *st, ps_store_id_fn fn, void *ctx)
{
	int step, rc = 0;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = fn(ctx, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc)
		return rc;
	return step == SQLITE_DONE ? 0 : ps_store_error(s, "reading the replica");
}

int ps_store_records_like(ps_store *s, const char *kind, const char *glob, ps_store_id_fn fn, void *ctx)
{
	static ps_site q = {"SELECT r.id FROM records r WHERE r.kind = ?1 AND r.retired = 0 AND r.id GLOB ?2 "
	                    "AND NOT EXISTS (SELECT 1 FROM unplanned u WHERE u.record = r.id) ORDER BY r.id"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, glob, -1, SQLITE_STATIC);
	return walk_ids(s, st, fn, ctx);
}

int ps_store_receipts_missing(ps_store *s, const char *province, const char *report, const char *receipt,
                              ps_store_receipt_fn fn, void *ctx)
{
	/* A receipt's id is the report's with the kind replaced. The report in
	 * force begins after the last retire (a withdrawal): its first set
	 * change, in id order, is the one the receipt names; it arrived when
	 * the first of its changes did. */
	static ps_site q = {
	    "SELECT o.id, o.first, o.arrived FROM (SELECT q.id, "
	    "(SELECT min(c.id) FROM changes c WHERE c.record = q.id AND c.op = 'set' AND c.id > q.after) AS first, "
	    "(SELECT min(c.arrived) FROM changes c WHERE c.record = q.id AND c.op = 'set' AND c.id > q.after) "
	    "AS arrived "
	    "FROM (SELECT r.id, coalesce((SELECT max(t.id) FROM changes t WHERE t.record = r.id AND t.op = 'retire'), "
	    "'') AS after FROM records r WHERE r.kind = ?2 AND r.retired = 0 "
	    "AND r.id NOT GLOB ?2 || '/' || ?1 || '/*' "
	    "AND NOT EXISTS (SELECT 1 FROM unplanned u WHERE u.record = r.id)) q) o "
	    "WHERE o.first IS NOT NULL AND NOT EXISTS (SELECT 1 FROM records x JOIN state v ON v.record = x.id "
	    "WHERE x.id = ?3 || substr(o.id, length(?2) + 1) AND x.retired = 0 AND v.field = 'change' "
	    "AND v.value = '\"' || o.first || '\"') ORDER BY o.id"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, province, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, report, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, receipt, -1, SQLITE_STATIC);
	int step, rc = 0;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		        sqlite3_column_type(st, 2) == SQLITE_NULL ? 0 : (int64_t)sqlite3_column_int64(st, 2));
	sqlite3_reset(st);
	if (rc)
		return rc;
	return step == SQLITE_DONE ? 0 : ps_store_error(s, "reading the replica");
}
