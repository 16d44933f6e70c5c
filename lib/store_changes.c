/* store_changes.c - the change log: changes, their base edges, heads and
 * backrefs.
 *
 * Exports inserting a change with its edges (ps_store_insert_change*),
 * replacing and deleting one, the record's heads, the reads the fold and a
 * local write need (a record's changes and edges, its newest id, a
 * change's parents), and ps_store_row_bytes, the canonical bytes of a row.
 * A change of another replica is stored without its bytes (an empty
 * bytes value): canonical bytes are exactly the encoding of the row's
 * columns and base edges, and the blob id stored with it checks that
 * encoding wherever bytes are read (export, 'plansync check'); the Git
 * object it was read from stays in repo.git as the copy a repair reads.
 * Our own changes keep a second copy of their bytes in unexported (schema
 * 3) until they are exported; rows of older schemas kept them in the row. Every statement sits in the one
 * function that runs it. Never touches the derived tables (store_state.c)
 * and never opens a transaction: writes run inside the caller's. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_int.h"
#include "store_sync.h"
#include "plansync/error.h"
#include "plansync/hlc.h"
#include "plansync/json.h"

int ps_store_change_known(ps_store *s, const char *id)
{
	static ps_site q = {"SELECT 1 FROM changes WHERE id = ?1"};
	return ps_store_exists(s, &q, "looking up a change", id);
}

/* The id is known already: same bytes is a duplicate, other bytes an alarm.
 * Bytes are compared by blob id: the one recorded when the row was written
 * (a row of schema 1 has none: the hash of its bytes). */
static int known_change(ps_store *s, const ps_change *c, const char blob[41])
{
	static ps_site q = {"SELECT bytes, blob FROM changes WHERE id = ?1"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	char have[41] = "";
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 1) != SQLITE_NULL)
		snprintf(have, sizeof(have), "%s", (const char *)sqlite3_column_text(st, 1));
	else if (rc == SQLITE_ROW)
		ps_store_blob_id(have, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return ps_store_error(s, "looking up a change");
	if (strcmp(have, blob) == 0)
		return PS_EEXISTS;
	return ps_error_set(PS_ECONFLICT, "change %s is already known with different content (integrity alarm)", c->id);
}

/* A base naming a larger id (written over a future-stamped change) marks
 * the record: its fold cannot rely on parents sorting first. */
static int note_backref(ps_store *s, const ps_change *c)
{
	static ps_site q = {"INSERT OR IGNORE INTO backrefs(record) VALUES (?1)"};
	size_t i;
	for (i = 0; i < c->nbase && strcmp(c->base[i], c->id) < 0; i++)
		;
	if (i == c->nbase)
		return 0;
	return ps_store_run(s, &q, "storing a change's base", c->record, NULL, NULL, NULL);
}

int ps_store_has_backrefs(ps_store *s, const char *record)
{
	static ps_site q = {"SELECT 1 FROM backrefs WHERE record = ?1"};
	return ps_store_exists(s, &q, "reading a record's history", record);
}

int ps_store_insert_change(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local,
                           const char *summary)
{
	return ps_store_insert_change_ex(s, c, bytes, len, local, summary, true);
}

int ps_store_insert_change_ex(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local,
                              const char *summary, bool heads)
{
	assert(bytes);
	char blob[41];
	ps_store_blob_id(blob, bytes, len);
	return ps_store_insert_change_blob(s, c, bytes, len, local, summary, heads, blob);
}

/* The second copy of the change just inserted, until its export. */
static int keep_unexported(ps_store *s, const char *bytes, size_t len, const char *summary)
{
	static ps_site q = {"INSERT INTO unexported(seq, bytes, summary) VALUES (last_insert_rowid(), ?1, ?2)"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_blob(st, 1, bytes, (int)len, SQLITE_STATIC);
	if (summary)
		sqlite3_bind_text(st, 2, summary, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "storing a change");
}

/* Who signed an imported change, stored with its row. */
struct signed_by {
	const char *commit, *signer, *signer_replica;
};

static int insert_change(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local,
                         const char *summary, bool heads, const char blob[41], const struct signed_by *sig);

int ps_store_insert_change_blob(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local,
                                const char *summary, bool heads, const char blob[41])
{
	return insert_change(s, c, bytes, len, local, summary, heads, blob, NULL);
}

int ps_store_insert_change_signed(ps_store *s, const ps_change *c, bool heads, const char blob[41], const char *commit,
                                  const char *signer, const char *signer_replica)
{
	assert(commit && signer && signer_replica);
	struct signed_by sig = {commit, signer, signer_replica};
	return insert_change(s, c, NULL, 0, false, NULL, heads, blob, &sig);
}

static int insert_change(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local,
                         const char *summary, bool heads, const char blob[41], const struct signed_by *sig)
{
	/* arrived: now, or when the commit was first seen held for an
	 * enrolment request, if earlier (ps_store_change_signed's rule) */
	static ps_site insert_q = {
	    "INSERT INTO changes(id, record, office, replica, author, hlc, op, fields, "
	    "reason, bytes, local, blob, arrived, signer, signer_replica) VALUES "
	    "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
	    "coalesce(min(?13, (SELECT e.arrived FROM enrol_seen e WHERE e.commit_id = ?16)), ?13), ?14, ?15) "
	    "ON CONFLICT(id) DO NOTHING"};
	static ps_site edge_q = {"INSERT OR IGNORE INTO edges(child, parent) VALUES (?1, ?2)"};
	static ps_site unhead_q = {"DELETE FROM heads WHERE record = ?1 AND id = ?2"};
	static ps_site head_q = {
	    "INSERT INTO heads(record, id) SELECT ?1, ?2 WHERE NOT EXISTS "
	    "(SELECT 1 FROM edges e JOIN changes k ON k.id = e.child WHERE e.parent = ?2 AND k.record = ?1)"};
	assert(c && c->id && c->record && c->office && c->replica && c->author && c->fields && (bytes || !local));
	/* ps_change_new sorts the base and drops repeats; heads compare with it elementwise */
	for (size_t i = 1; i < c->nbase; i++)
		assert(strcmp(c->base[i - 1], c->base[i]) < 0);
	int rc;
	char *fields = c->fields_compact ? NULL : ps_json_compact(c->fields);
	if (!fields && !c->fields_compact)
		return ps_error_set(PS_ENOMEM, "out of memory");
	assert(blob && strlen(blob) == 40);
	sqlite3_stmt *st = ps_store_site(s, &insert_q);
	if (!st) {
		free(fields);
		return PS_ERROR;
	}
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->office, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->replica, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->author, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)c->hlc);
	sqlite3_bind_text(st, 7, c->op == PS_OP_SET ? "set" : "retire", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, fields ? fields : c->fields_compact, -1, SQLITE_STATIC);
	if (c->reason)
		sqlite3_bind_text(st, 9, c->reason, -1, SQLITE_STATIC);
	/* Its bytes are its columns' encoding (above); our own change keeps
	 * a second copy, with its summary, in unexported until exported. */
	sqlite3_bind_zeroblob(st, 10, 0);
	sqlite3_bind_int(st, 11, local ? 1 : 0);
	sqlite3_bind_text(st, 12, blob, -1, SQLITE_STATIC);
	/* when this replica first had it: a receipt's time (lib/deadline.c) */
	sqlite3_bind_int64(st, 13, (sqlite3_int64)ps_now_ms());
	if (sig) {
		sqlite3_bind_text(st, 14, sig->signer, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 15, sig->signer_replica, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 16, sig->commit, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(fields);
	if (rc != SQLITE_DONE)
		return ps_store_error(s, "storing a change");
	bool added = sqlite3_changes(ps_store_db(s)) > 0;
	if (added && local && (rc = keep_unexported(s, bytes, len, summary)))
		return rc;
	if (!added)
		return known_change(s, c, blob);
	st = ps_store_site(s, &edge_q);
	sqlite3_stmt *dh = ps_store_site(s, &unhead_q);
	if (!st || !dh)
		return PS_ERROR;
	for (size_t i = 0; i < c->nbase; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->base[i], -1, SQLITE_STATIC);
		sqlite3_reset(dh);
		sqlite3_bind_text(dh, 1, c->record, -1, SQLITE_STATIC);
		sqlite3_bind_text(dh, 2, c->base[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE || (heads && sqlite3_step(dh) != SQLITE_DONE)) {
			sqlite3_reset(st);
			sqlite3_reset(dh);
			return ps_store_error(s, "storing a change's base");
		}
	}
	sqlite3_reset(st);
	sqlite3_reset(dh);
	if ((rc = note_backref(s, c)))
		return rc;
	if (!heads)
		return 0;
	/* A head unless a change that arrived earlier already names it. */
	st = ps_store_site(s, &head_q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, c->record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : ps_store_error(s, "noting the record's latest change");
}

int ps_store_delete_change(ps_store *s, const char *id)
{
	static ps_site edges = {"DELETE FROM edges WHERE child = ?1"};
	static ps_site changes = {"DELETE FROM changes WHERE id = ?1"};
	int rc = ps_store_run(s, &edges, "removing a change", id, NULL, NULL, NULL);
	if (!rc)
		rc = ps_store_unexported_drop(s, id);
	return rc ? rc : ps_store_run(s, &changes, "removing a change", id, NULL, NULL, NULL);
}

int ps_store_unexported_drop(ps_store *s, const char *id)
{
	static ps_site q = {"DELETE FROM unexported WHERE seq = (SELECT seq FROM changes WHERE id = ?1)"};
	return ps_store_run(s, &q, "removing a change's second copy", id, NULL, NULL, NULL);
}

int ps_store_change_blob(ps_store *s, const char *id, char blob[41])
{
	static ps_site q = {"SELECT bytes, blob FROM changes WHERE id = ?1"};
	blob[0] = '\0';
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_text(st, 1);
		if (b && strlen((const char *)b) == 40)
			memcpy(blob, b, 41);
		else /* a row of schema 1: the id of its bytes */
			ps_store_blob_id(blob, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return ps_error_set(PS_ENOTFOUND, "no change %s", id);
	return rc == SQLITE_ROW ? 0 : ps_store_error(s, "looking up a change");
}

int ps_store_replace_change(ps_store *s, const ps_change *c, const char *bytes, size_t len, char **old_record)
{
	static ps_site q = {"SELECT record, local, office, replica FROM changes WHERE id = ?1"};
	*old_record = NULL;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return ps_store_error(s, "looking up a change");
	}
	const char *office = (const char *)sqlite3_column_text(st, 2);
	const char *replica = (const char *)sqlite3_column_text(st, 3);
	if (!office || !replica) {
		sqlite3_reset(st);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	int ours = sqlite3_column_int(st, 1) != 0 || strcmp(office, c->office) != 0 || strcmp(replica, c->replica) != 0;
	*old_record = ps_store_text_dup(st, 0);
	sqlite3_reset(st);
	if (!*old_record)
		return ps_error_set(PS_ENOMEM, "out of memory");
	if (ours)
		return ps_error_set(PS_ECONFLICT,
		                    "change %s is already known with different content from another writer "
		                    "(integrity alarm); kept as it was",
		                    c->id);
	int rc = ps_store_delete_change(s, c->id);
	if (!rc)
		rc = ps_store_insert_change_ex(s, c, bytes, len, false, NULL, false);
	if (!rc)
		rc = ps_store_rebuild_heads_for(s, c->record);
	if (!rc && strcmp(*old_record, c->record) != 0)
		rc = ps_store_rebuild_heads_for(s, *old_record);
	return rc;
}

int ps_store_set_head(ps_store *s, const char *record, const char *id)
{
	static ps_site clear = {"DELETE FROM heads WHERE record = ?1"};
	static ps_site set = {"INSERT INTO heads(record, id) VALUES (?1, ?2)"};
	const char *what = "noting the record's latest change";
	int rc = ps_store_run(s, &clear, what, record, NULL, NULL, NULL);
	return rc ? rc : ps_store_run(s, &set, what, record, id, NULL, NULL);
}

int ps_store_rebuild_heads_for(ps_store *s, const char *record)
{
	static ps_site clear = {"DELETE FROM heads WHERE record = ?1"};
	static ps_site set = {"INSERT INTO heads(record, id) SELECT c.record, c.id FROM changes c WHERE c.record = ?1 "
	                      "AND NOT EXISTS (SELECT 1 FROM edges e JOIN changes k ON k.id = e.child "
	                      "WHERE e.parent = c.id AND k.record = ?1)"};
	const char *what = "recomputing the record's latest changes";
	int rc = ps_store_run(s, &clear, what, record, NULL, NULL, NULL);
	return rc ? rc : ps_store_run(s, &set, what, record, NULL, NULL, NULL);
}

int ps_store_rebuild_heads(ps_store *s)
{
	return ps_store_exec(s, "DELETE FROM heads; INSERT INTO heads(record, id) SELECT c.record, c.id FROM changes c "
	                        "WHERE NOT EXISTS (SELECT 1 FROM edges e JOIN changes k ON k.id = e.child "
	                        "WHERE e.parent = c.id AND k.record = c.record)");
}

void ps_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int ps_store_heads(ps_store *s, const char *record, char ***out, size_t *n)
{
	static ps_site q = {"SELECT id FROM heads WHERE record = ?1 ORDER BY id"};
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	char **v = NULL;
	size_t cnt = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **nv = realloc(v, sizeof(char *) * (cnt + 1));
		if (!nv)
			break;
		v = nv;
		v[cnt] = ps_store_text_dup(st, 0);
		if (!v[cnt])
			break;
		cnt++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ps_strv_free(v, cnt);
		return rc == SQLITE_ROW ? ps_error_set(PS_ENOMEM, "out of memory") : ps_store_error(s, "reading heads");
	}
	*out = v;
	*n = cnt;
	return 0;
}

int ps_store_record_changes(ps_store *s, const char *record, ps_store_change_fn fn, void *ctx)
{
	static ps_site q = {"SELECT id, op, fields FROM changes WHERE record = ?1 ORDER BY id"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	int rc = 0, e;
	while ((e = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *op = (const char *)sqlite3_column_text(st, 1);
		const char *fields = (const char *)sqlite3_column_text(st, 2);
		if (!id || !op || !fields) {
			rc = ps_error_set(PS_ENOMEM, "out of memory");
			break;
		}
		if ((rc = fn(ctx, id, strcmp(op, "set") == 0, fields)))
			break;
	}
	sqlite3_reset(st);
	if (!rc && e != SQLITE_DONE)
		rc = ps_store_error(s, "reading a record's changes");
	return rc;
}

int ps_store_record_edges(ps_store *s, const char *record, ps_store_edge_fn fn, void *ctx)
{
	static ps_site q = {"SELECT e.child, e.parent FROM edges e JOIN changes c ON c.id = e.child "
	                    "WHERE c.record = ?1"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	int rc = 0, e;
	while ((e = sqlite3_step(st)) == SQLITE_ROW) {
		const char *child = (const char *)sqlite3_column_text(st, 0);
		const char *parent = (const char *)sqlite3_column_text(st, 1);
		if (!child || !parent) {
			rc = ps_error_set(PS_ENOMEM, "out of memory");
			break;
		}
		if ((rc = fn(ctx, child, parent)))
			break;
	}
	sqlite3_reset(st);
	if (!rc && e != SQLITE_DONE)
		rc = ps_store_error(s, "reading a record's history");
	return rc;
}

int ps_store_record_newest(ps_store *s, const char *record, char out[PS_CHANGE_ID_MAX + 1])
{
	static ps_site q = {"SELECT max(id) FROM changes WHERE record = ?1"};
	assert(record && out);
	out[0] = '\0';
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	if (e == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		snprintf(out, PS_CHANGE_ID_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return e == SQLITE_ROW || e == SQLITE_DONE ? 0 : ps_store_error(s, "reading a record's changes");
}

int ps_store_parents(ps_store *s, const char *id, ps_store_id_fn fn, void *ctx)
{
	static ps_site q = {"SELECT parent FROM edges WHERE child = ?1"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = 0, e;
	while ((e = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		if (!p) {
			rc = ps_error_set(PS_ENOMEM, "out of memory");
			break;
		}
		if ((rc = fn(ctx, p)))
			break;
	}
	sqlite3_reset(st);
	if (!rc && e != SQLITE_DONE)
		rc = ps_store_error(s, "reading a change's base");
	return rc;
}

int ps_store_changed_record_count(ps_store *s, long *n)
{
	static ps_site q = {"SELECT count(DISTINCT record) FROM changes"};
	*n = 0;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	int e = sqlite3_step(st);
	if (e == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return e == SQLITE_ROW ? 0 : ps_store_error(s, "listing records");
}

int ps_store_changed_records(ps_store *s, ps_store_id_fn fn, void *ctx)
{
	static ps_site q = {"SELECT DISTINCT record FROM changes ORDER BY record"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	int rc = 0, e;
	while ((e = sqlite3_step(st)) == SQLITE_ROW) {
		/* a copy: fn writes (a fold), and the walk must not depend on
		 * the row staying put meanwhile */
		char *rec = ps_store_text_dup(st, 0);
		rc = rec ? fn(ctx, rec) : ps_error_set(PS_ENOMEM, "out of memory");
		free(rec);
		if (rc)
			break;
	}
	sqlite3_reset(st);
	if (!rc && e != SQLITE_DONE && e != SQLITE_ROW)
		rc = ps_store_error(s, "listing records");
	return rc;
}

int ps_store_row_bytes(ps_store *s, sqlite3_stmt *st, int col, const char *id, const void **bytes, size_t *len,
                       char **owned)
{
	*bytes = NULL;
	*len = 0;
	*owned = NULL;
	if (sqlite3_column_bytes(st, col) > 0) {
		*bytes = sqlite3_column_blob(st, col);
		*len = (size_t)sqlite3_column_bytes(st, col);
		return *bytes ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
	}
	if (!id)
		return 0;
	ps_change *c = NULL;
	int rc = ps_store_change_from_columns(s, id, &c);
	if (!rc)
		rc = ps_change_encode(owned, len, c);
	ps_change_free(c);
	if (rc == PS_EINVALID) { /* columns that form no change: no bytes, as the blob id check reports */
		*len = 0;
		return 0;
	}
	if (!rc)
		*bytes = *owned;
	return rc;
}
