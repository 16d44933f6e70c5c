/* store_check.c - the reads and writes of 'plansync check' and of a new
 * replica id: change rows as stored, their repair, the state against a
 * fresh fold, problems, and the exports a check or a fork needs.
 *
 * Exports ps_store_change_rows (every column of a change row, damaged or
 * not), the two repairs of a row, the state snapshot and its comparison,
 * ps_store_problem_note, ps_store_last_export and ps_store_exports_forget,
 * and the schema check: ps_store_schema_missing (the tables and indexes of
 * the replica's schema version, built by the migrations in a private
 * in-memory database, that plansync.db lacks) and ps_store_schema_restore
 * (rebuild makes the derived ones again). Never judges a row (integrity.c
 * does) and never opens a transaction. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_int.h"
#include "plansync/error.h"
#include "plansync/json.h"

int ps_store_change_rows(ps_store *s, bool local_only, long long after, ps_store_row_fn fn, void *ctx)
{
	/* Schema 1 (read-only, never migrated) has no blob column. */
	static ps_site all = {"SELECT c.seq, c.id, c.record, c.op, c.fields, coalesce(u.bytes, c.bytes), c.blob, "
	                      "c.local FROM changes c LEFT JOIN unexported u ON u.seq = c.seq ORDER BY c.seq"};
	static ps_site all1 = {"SELECT c.seq, c.id, c.record, c.op, c.fields, coalesce(u.bytes, c.bytes), NULL, "
	                       "c.local FROM changes c LEFT JOIN unexported u ON u.seq = c.seq ORDER BY c.seq"};
	static ps_site local = {"SELECT c.seq, c.id, c.record, c.op, c.fields, coalesce(u.bytes, c.bytes), c.blob, "
	                        "c.local FROM changes c LEFT JOIN unexported u ON u.seq = c.seq "
	                        "WHERE c.local = 1 AND c.seq > ?1 ORDER BY c.seq"};
	static ps_site local1 = {"SELECT c.seq, c.id, c.record, c.op, c.fields, coalesce(u.bytes, c.bytes), NULL, "
	                         "c.local FROM changes c LEFT JOIN unexported u ON u.seq = c.seq "
	                         "WHERE c.local = 1 AND c.seq > ?1 ORDER BY c.seq"};
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
		    .blob = (const char *)sqlite3_column_text(st, 6),
		    .local = sqlite3_column_int(st, 7) != 0,
		};
		/* a row stored without its bytes gives its columns' encoding */
		char *owned = NULL;
		if (!(rc = ps_store_row_bytes(s, st, 5, row.id, &row.bytes, &row.len, &owned)))
			rc = fn(ctx, &row);
		free(owned);
		if (rc)
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
	return e == SQLITE_DONE ? ps_store_unexported_drop(s, id) : ps_store_error(s, "repairing a change");
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
	return e == SQLITE_DONE ? ps_store_unexported_drop(s, id) : ps_store_error(s, "repairing a change");
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
	char *parents = sqlite3_column_text(st, 8) ? ps_store_text_dup(st, 8) : NULL;
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

/* ---- the schema: tables and indexes a replica must have ---------------- */

/* Tables 'plansync rebuild' fills again: derived from the change log by the
 * fold (heads and backrefs from changes and edges), or read again from Git
 * (branches, held), or notes (problems). The others hold what only this
 * replica has. */
static const char *const rebuildable_tables[] = {
    "records", "state", "conflicts", "heads", "backrefs", "unplanned", "refold", "branches", "held", "problems", NULL};

static bool rebuildable(const char *table)
{
	for (const char *const *t = rebuildable_tables; *t; t++)
		if (strcmp(*t, table) == 0)
			return true;
	return false;
}

/* The schema a replica of s's version has, in a private in-memory
 * database built by the same migrations (sqlite3_close it). */
static int expected_schema(ps_store *s, sqlite3 **mem)
{
	*mem = NULL;
	if (sqlite3_open_v2(":memory:", mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		sqlite3_close(*mem);
		*mem = NULL;
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	int version = ps_store_version(s);
	size_t len;
	const unsigned char *m;
	for (int i = 0; (m = ps_store_migration(i, version, &len)); i++) {
		char *sql = malloc(len + 1);
		if (!sql)
			return ps_error_set(PS_ENOMEM, "out of memory");
		memcpy(sql, m, len);
		sql[len] = '\0';
		int e = sqlite3_exec(*mem, sql, NULL, NULL, NULL);
		free(sql);
		if (e != SQLITE_OK)
			return ps_error_set(e == SQLITE_NOMEM ? PS_ENOMEM : PS_ERROR,
			                    "building the schema to check against: %s", sqlite3_errmsg(*mem));
	}
	return 0;
}

typedef int (*missing_fn)(ps_store *s, void *ctx, const char *type, const char *name, const char *table,
                          const char *sql);

/* fn for each table, then each index, of the expected schema that
 * plansync.db lacks. */
static int each_missing(ps_store *s, missing_fn fn, void *ctx)
{
	static ps_site has = {"SELECT 1 FROM main.sqlite_master WHERE type = ?1 AND name = ?2"};
	sqlite3 *mem = NULL;
	sqlite3_stmt *st = NULL;
	int rc = expected_schema(s, &mem);
	/* Prepared on the private database, once per check. */
	if (!rc && sqlite3_prepare_v2(mem,
	                              "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
	                              "type IN ('table', 'index') ORDER BY type = 'index', rowid",
	                              -1, &st, NULL) != SQLITE_OK)
		rc = ps_error_set(PS_ERROR, "reading the schema to check against: %s", sqlite3_errmsg(mem));
	int e = SQLITE_DONE;
	while (!rc && (e = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		sqlite3_stmt *h = ps_store_site(s, &has);
		if (!h) {
			rc = PS_ERROR;
			break;
		}
		sqlite3_bind_text(h, 1, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(h, 2, name, -1, SQLITE_STATIC);
		int he = sqlite3_step(h);
		sqlite3_reset(h);
		if (he == SQLITE_DONE)
			rc = fn(s, ctx, type, name, (const char *)sqlite3_column_text(st, 2),
			        (const char *)sqlite3_column_text(st, 3));
		else if (he != SQLITE_ROW)
			rc = ps_store_error(s, "reading the schema");
	}
	if (!rc && e != SQLITE_DONE)
		rc = ps_error_set(PS_ERROR, "reading the schema to check against: %s", sqlite3_errmsg(mem));
	sqlite3_finalize(st);
	sqlite3_close(mem);
	return rc;
}

typedef struct missing_list {
	char *rb, *lost;
	size_t rn, ln;
	char lost_tables[16][64]; /* copies: the private database's rows move on */
	size_t nlost;
} missing_list;

static void list_add(char *buf, size_t n, const char *type, const char *name)
{
	size_t used = strlen(buf);
	if (used < n)
		snprintf(buf + used, n - used, "%s%s %s", used ? ", " : "", type, name);
}

static int note_missing(ps_store *s, void *ctx, const char *type, const char *name, const char *table, const char *sql)
{
	(void)s;
	(void)sql;
	missing_list *m = ctx;
	bool is_table = strcmp(type, "table") == 0;
	bool table_lost = false;
	for (size_t i = 0; i < m->nlost; i++)
		table_lost |= strcmp(m->lost_tables[i], table) == 0;
	if (is_table && !rebuildable(name) && m->nlost < sizeof(m->lost_tables) / sizeof(*m->lost_tables))
		snprintf(m->lost_tables[m->nlost++], sizeof(*m->lost_tables), "%s", name);
	/* an index is made again from its table, unless the table is lost */
	if ((is_table && !rebuildable(name)) || (!is_table && table_lost))
		list_add(m->lost, m->ln, type, name);
	else
		list_add(m->rb, m->rn, type, name);
	return 0;
}

int ps_store_schema_missing(ps_store *s, char *rebuildable_out, size_t rn, char *lost, size_t ln)
{
	assert(rebuildable_out && rn && lost && ln);
	rebuildable_out[0] = lost[0] = '\0';
	missing_list m = {rebuildable_out, lost, rn, ln, {{0}}, 0};
	return each_missing(s, note_missing, &m);
}

static int create_missing(ps_store *s, void *ctx, const char *type, const char *name, const char *table,
                          const char *sql)
{
	static ps_site has = {"SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?1"};
	(void)ctx;
	/* tables come first: a rebuildable one is there again by its indexes' turn */
	int there =
	    strcmp(type, "table") == 0 ? rebuildable(name) : ps_store_exists(s, &has, "reading the schema", table);
	if (there <= 0)
		return there;
	int rc = ps_store_exec(s, sql);
	/* backrefs follows from the edges: a record whose change names a larger id */
	if (!rc && strcmp(type, "table") == 0 && strcmp(name, "backrefs") == 0)
		rc = ps_store_exec(s, "INSERT OR IGNORE INTO backrefs(record) SELECT DISTINCT c.record FROM edges e "
		                      "JOIN changes c ON c.id = e.child WHERE e.parent > e.child");
	return rc;
}

int ps_store_schema_restore(ps_store *s)
{
	return each_missing(s, create_missing, NULL);
}
