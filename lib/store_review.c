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
                              ps_store_id_fn fn, void *ctx)
{
	/* a receipt's id is the report's with the kind replaced */
	static ps_site q = {"SELECT r.id FROM records r WHERE r.kind = ?2 AND r.retired = 0 "
	                    "AND r.id NOT GLOB ?2 || '/' || ?1 || '/*' "
	                    "AND NOT EXISTS (SELECT 1 FROM unplanned u WHERE u.record = r.id) "
	                    "AND NOT EXISTS (SELECT 1 FROM records x WHERE x.id = ?3 || substr(r.id, length(?2) + 1)) "
	                    "ORDER BY r.id"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, province, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, report, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, receipt, -1, SQLITE_STATIC);
	return walk_ids(s, st, fn, ctx);
}
