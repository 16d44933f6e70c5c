/* store_check.c - the reads and writes of 'plansync check' and of a new
 * replica id: change rows as stored, their repair, the state against a
 * fresh fold, problems, and the exports a check or a fork needs.
 *
 * Exports ps_store_change_rows (every column of a change row, damaged or
 * not), the two repairs of a row, the state snapshot and its comparison,
 * ps_store_problem_note, ps_store_last_export and ps_store_exports_forget.
 * Never judges a row (integrity.c does) and never opens a transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_int.h"
#include "plansync/error.h"
#include "plansync/json.h"

int ps_store_change_rows(ps_store *s, bool local_only, long long after, ps_store_row_fn fn, void *ctx)
{
	/* Schema 1 (read-only, never migrated) has no blob column. */
	static ps_site all = {"SELECT seq, id, record, op, fields, bytes, blob, local FROM changes ORDER BY seq"};
	static ps_site all1 = {"SELECT seq, id, record, op, fields, bytes, NULL, local FROM changes ORDER BY seq"};
	static ps_site local = {"SELECT seq, id, record, op, fields, bytes, blob, local FROM changes "
	                        "WHERE local = 1 AND seq > ?1 ORDER BY seq"};
	static ps_site local1 = {"SELECT seq, id, record, op, fields, bytes, NULL, local FROM changes "
	                         "WHERE local = 1 AND seq > ?1 ORDER BY seq"};
	bool blob = ps_store_has_blob_ids(s);
	sqlite3_stmt *st = ps_store_site(s, local_only ? (blob ? &local : &local1) : (blob ? &all : &all1));
	if (!st)
		return PS_ERROR;
	if (local_only)
		sqlite3_bind_int64(st, 1, after);
	int rc = 0, e;
	while ((e = sqlite3_step(st)) == SQLITE_ROW) {
		ps_change_row row = {
		    .seq = sqlite3_column_int64(st, 0),
		    .id = (const char *)sqlite3_column_text(st, 1),
		    .record = (const char *)sqlite3_column_text(st, 2),
		    .op = (const char *)sqlite3_column_text(st, 3),
		    .fields = (const char *)sqlite3_column_text(st, 4),
		    .bytes = sqlite3_column_blob(st, 5),
		    .len = (size_t)sqlite3_column_bytes(st, 5),
		    .blob = (const char *)sqlite3_column_text(st, 6),
		    .local = sqlite3_column_int(st, 7) != 0,
		};
		if ((rc = fn(ctx, &row)))
			break;
	}
	sqlite3_reset(st);
	if (!rc && e != SQLITE_DONE)
		rc = ps_store_error(s, local_only ? "checking changes before export" : "reading changes");
	return rc;
}

int ps_store_change_rewrite(ps_store *s, const char *id, const void *bytes, size_t len, const ps_change *c)
{
	static ps_site q = {"UPDATE changes SET bytes = ?2, record = ?3, op = ?4, fields = ?5 WHERE id = ?1"};
	char *cf = ps_json_compact(c->fields);
	if (!cf)
		return ps_error_set(PS_ENOMEM, "out of memory");
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st) {
		free(cf);
		return PS_ERROR;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, bytes, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->op == PS_OP_SET ? "set" : "retire", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, cf, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	free(cf);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "repairing a change");
}

int ps_store_change_set_bytes(ps_store *s, const char *id, const void *bytes, size_t len)
{
	static ps_site q = {"UPDATE changes SET bytes = ?2 WHERE id = ?1"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, bytes, (int)len, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "repairing a change");
}

int ps_store_change_from_columns(ps_store *s, const char *id, ps_change **out)
{
	static ps_site q = {
	    "SELECT office, replica, author, hlc, record, op, fields, reason, "
	    "(SELECT group_concat(parent, ' ') FROM edges WHERE child = ?1) FROM changes WHERE id = ?1"};
	*out = NULL;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	if (e != SQLITE_ROW) {
		sqlite3_reset(st);
		return e == SQLITE_DONE ? ps_error_set(PS_ENOTFOUND, "change %s is not stored", id)
		                        : ps_store_error(s, "reading a change");
	}
	char *parents = sqlite3_column_text(st, 8) ? strdup((const char *)sqlite3_column_text(st, 8)) : NULL;
	const char *base[64];
	size_t nb = 0;
	char *save = NULL;
	for (char *tok = parents ? strtok_r(parents, " ", &save) : NULL; tok && nb < 64;
	     tok = strtok_r(NULL, " ", &save))
		base[nb++] = tok;
	const char *op = (const char *)sqlite3_column_text(st, 5);
	cJSON *fields = cJSON_Parse((const char *)sqlite3_column_text(st, 6));
	int rc = fields && op
	             ? ps_change_new(out, (const char *)sqlite3_column_text(st, 0),
	                             (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
	                             (ps_hlc)sqlite3_column_int64(st, 3), (const char *)sqlite3_column_text(st, 4),
	                             strcmp(op, "set") == 0 ? PS_OP_SET : PS_OP_RETIRE, base, nb, fields,
	                             (const char *)sqlite3_column_text(st, 7))
	             : ps_error_set(PS_EINVALID, "change %s: its columns do not form a change", id);
	if (!(fields && op))
		cJSON_Delete(fields);
	sqlite3_reset(st);
	free(parents);
	return rc;
}

int ps_store_state_snapshot(ps_store *s)
{
	return ps_store_exec(s, "CREATE TEMP TABLE ck_state AS SELECT * FROM main.state;"
	                        "CREATE TEMP TABLE ck_conflicts AS SELECT * FROM main.conflicts;"
	                        "CREATE TEMP TABLE ck_records AS SELECT * FROM main.records;");
}

int ps_store_state_diff(ps_store *s, long *differ)
{
	*differ = -1;
	/* Prepared for this call only: it names the temp tables of
	 * ps_store_state_snapshot, which the caller's rollback drops again. */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps_store_db(s),
	                       "SELECT (SELECT count(*) FROM (SELECT * FROM main.state EXCEPT SELECT * FROM "
	                       "ck_state)) + (SELECT count(*) FROM (SELECT * FROM ck_state EXCEPT SELECT * FROM "
	                       "main.state)) + (SELECT count(*) FROM (SELECT * FROM main.conflicts EXCEPT SELECT * "
	                       "FROM ck_conflicts)) + (SELECT count(*) FROM (SELECT * FROM ck_conflicts EXCEPT "
	                       "SELECT * FROM main.conflicts)) + (SELECT count(*) FROM (SELECT * FROM main.records "
	                       "EXCEPT SELECT * FROM ck_records)) + (SELECT count(*) FROM (SELECT * FROM "
	                       "ck_records EXCEPT SELECT * FROM main.records))",
	                       -1, &st, NULL) != SQLITE_OK)
		return ps_store_error(s, "comparing the state");
	if (sqlite3_step(st) == SQLITE_ROW)
		*differ = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return *differ < 0 ? ps_store_error(s, "comparing the state") : 0;
}
