/* store_sync.c - the export side of sync in SQLite: the exports table and
 * the replica's own (local) changes.
 *
 * Exports the ps_store_export*, ps_store_local* and ps_store_state_fields_from
 * functions of store_sync.h, each running its own statement, prepared once
 * per call site. Never opens a transaction (the caller's), never touches
 * Git, never decides what to export: lib/sync_export.c and lib/sync_own.c
 * do. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_int.h"
#include "store_sync.h"
#include "plansync/error.h"

/* Copy a commit id column into hex; a row that holds no 40-digit id is a
 * damaged database. */
static int column_hex(ps_store *s, sqlite3_stmt *st, int col, char hex[41])
{
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!t || strlen((const char *)t) != 40) {
		hex[0] = '\0';
		return t ? ps_error_set(PS_EREPAIR, "plansync.db names a commit that is not a commit id; run 'plansync "
		                                    "check' for how to recover")
		         : ps_store_error(s, "reading a commit id");
	}
	memcpy(hex, t, 41);
	return 0;
}

/* c's bytes from column col of st (ps_store_row_bytes); *owned to free. */
static int row_bytes(ps_store *s, sqlite3_stmt *st, int col, ps_local_change *c, char **owned)
{
	const void *b = NULL;
	int rc = ps_store_row_bytes(s, st, col, c->id, &b, &c->len, owned);
	c->bytes = b;
	return rc;
}

/* One row of a single-integer query (0 when no row). */
static int one_int(ps_store *s, sqlite3_stmt *st, long long *out, const char *what)
{
	*out = 0;
	int e = sqlite3_step(st);
	if (e == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return e == SQLITE_ROW || e == SQLITE_DONE ? 0 : ps_store_error(s, what);
}

int ps_store_export_last(ps_store *s, char hex[41], long long *batch, bool *found)
{
	static ps_site q = {"SELECT commit_id, batch FROM exports ORDER BY batch DESC LIMIT 1"};
	hex[0] = '\0';
	*batch = 0;
	*found = false;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	int rc = 0, e = sqlite3_step(st);
	if (e == SQLITE_ROW && !(rc = column_hex(s, st, 0, hex))) {
		*batch = sqlite3_column_int64(st, 1);
		*found = true;
	} else if (e != SQLITE_ROW && e != SQLITE_DONE) {
		rc = ps_store_error(s, "reading the last export");
	}
	sqlite3_reset(st);
	return rc;
}

int ps_store_export_batch_of(ps_store *s, const char *hex, long long *batch)
{
	static ps_site q = {"SELECT batch FROM exports WHERE commit_id = ?1"};
	*batch = 0;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	return one_int(s, st, batch, "reading the exports");
}

int ps_store_export_commit(ps_store *s, long long batch, char hex[41], bool *found)
{
	static ps_site q = {"SELECT commit_id FROM exports WHERE batch = ?1"};
	hex[0] = '\0';
	*found = false;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, batch);
	int rc = 0, e = sqlite3_step(st);
	if (e == SQLITE_ROW)
		*found = (rc = column_hex(s, st, 0, hex)) == 0;
	else if (e != SQLITE_DONE)
		rc = ps_store_error(s, "reading an export");
	sqlite3_reset(st);
	return rc;
}

int ps_store_exports_maxseq(ps_store *s, long long *maxseq)
{
	static ps_site q = {"SELECT coalesce(max(maxseq), 0) FROM exports"};
	*maxseq = 0;
	sqlite3_stmt *st = ps_store_site(s, &q);
	return st ? one_int(s, st, maxseq, "reading the exports") : PS_ERROR;
}

int ps_store_changes_top(ps_store *s, long long *seq)
{
	static ps_site q = {"SELECT coalesce(max(seq), 0) FROM changes"};
	*seq = 0;
	sqlite3_stmt *st = ps_store_site(s, &q);
	return st ? one_int(s, st, seq, "reading the change log") : PS_ERROR;
}

int ps_store_export_append(ps_store *s, const char *hex, long long changes, long long maxseq, long long *batch)
{
	static ps_site next = {"SELECT coalesce(max(batch), 0) + 1 FROM exports"};
	static ps_site ins = {"INSERT INTO exports(batch, commit_id, changes, maxseq, at) VALUES (?1, ?2, ?3, ?4, ?5)"};
	static ps_site done = {"DELETE FROM unexported WHERE seq <= ?1"};
	assert(hex && strlen(hex) == 40 && changes >= 0 && maxseq >= 0);
	*batch = 0;
	long long b = 0;
	sqlite3_stmt *st = ps_store_site(s, &next);
	int rc = st ? one_int(s, st, &b, "recording the export") : PS_ERROR;
	if (rc)
		return rc;
	if (!(st = ps_store_site(s, &ins)))
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, b);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, changes);
	sqlite3_bind_int64(st, 4, maxseq);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(ps_now_ms() / 1000));
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	if (e != SQLITE_DONE)
		return ps_store_error(s, "recording the export");
	/* The batch's bytes are in Git now (written and fsynced before this
	 * transaction): the second copy goes, its pages to the free list. */
	if (!(st = ps_store_site(s, &done)))
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, maxseq);
	e = sqlite3_step(st);
	sqlite3_reset(st);
	if (e != SQLITE_DONE)
		return ps_store_error(s, "recording the export");
	*batch = b;
	return 0;
}

int ps_store_export_signed(ps_store *s, long long after, long long upto, const char *signer, const char *signer_replica)
{
	/* a signer met first on another branch gives way as ps_store_change_signed says */
	static ps_site q = {"UPDATE changes SET signer = ?3, signer_replica = ?4 "
	                    "WHERE local = 1 AND seq > ?1 AND seq <= ?2 AND (signer IS NULL OR "
	                    "(signer_replica <> replica AND (?4 = replica OR ?4 < signer_replica)))"};
	assert(after >= 0 && upto >= after && signer && signer_replica);
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, upto);
	sqlite3_bind_text(st, 3, signer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, signer_replica, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "recording who signed the export");
}

int ps_store_exports_drop_after(ps_store *s, long long batch)
{
	static ps_site q = {"DELETE FROM exports WHERE batch > ?1"};
	assert(batch >= 0);
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, batch);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "forgetting exports");
}

/* The count is kept in meta as "N batch maxseq commit" and grown by the
 * changes delivered since, so a cycle costs what it delivered, not the
 * history. Anything that rewrites the exports (a fork, an adoption, a
 * repair) gives the batch another commit, and the count starts over. */
int ps_store_exports_local_count(ps_store *s, long long batch, long long *n)
{
	static ps_site q = {"SELECT maxseq, commit_id FROM exports WHERE batch = "
	                    "(SELECT max(batch) FROM exports WHERE batch <= ?1)"};
	*n = 0;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, batch);
	long long maxseq = 0;
	char commit[64] = "";
	int e = sqlite3_step(st);
	if (e == SQLITE_ROW) {
		maxseq = sqlite3_column_int64(st, 0);
		snprintf(commit, sizeof(commit), "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (e != SQLITE_ROW && e != SQLITE_DONE)
		return ps_store_error(s, "counting delivered changes");
	char *cached = NULL, keep[1024];
	int kc = ps_error_last_code();
	snprintf(keep, sizeof(keep), "%s", ps_error_last());
	int rc = ps_store_meta_get(s, "delivered_count", &cached);
	if (rc == PS_ENOTFOUND) { /* no count yet: not an error, and the caller's message stays */
		if (kc)
			ps_error_set(kc, "%s", keep);
		else
			ps_error_clear();
		rc = 0;
	}
	if (rc)
		return rc;
	long long cn = 0, cb = 0, cseq = 0;
	char ccommit[64] = "";
	bool have = cached && sscanf(cached, "%lld %lld %lld %63s", &cn, &cb, &cseq, ccommit) == 4 && cseq <= maxseq;
	free(cached);
	long long more = 0;
	/* the cached count is for a prefix of these exports only if its
	 * commit is still an export at its seq */
	if (have && strcmp(ccommit, commit) != 0) {
		static ps_site k = {"SELECT 1 FROM exports WHERE commit_id = ?1 AND maxseq = ?2"};
		sqlite3_stmt *ks = ps_store_site(s, &k);
		if (!ks)
			return PS_ERROR;
		sqlite3_bind_text(ks, 1, ccommit, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ks, 2, cseq);
		e = sqlite3_step(ks);
		sqlite3_reset(ks);
		if (e != SQLITE_ROW && e != SQLITE_DONE)
			return ps_store_error(s, "counting delivered changes");
		have = e == SQLITE_ROW;
	}
	if (!have)
		cn = cseq = 0;
	if ((rc = ps_store_local_count(s, cseq, maxseq + 1, &more))) /* a range of the own-changes index */
		return rc;
	*n = cn + more;
	if (!commit[0] || (have && !more && !strcmp(ccommit, commit)))
		return 0;
	char v[160];
	snprintf(v, sizeof(v), "%lld %lld %lld %s", *n, batch, maxseq, commit);
	/* a cache: if it cannot be written now (read-only, busy), the next
	 * count starts over, and the caller's message stays */
	kc = ps_error_last_code();
	snprintf(keep, sizeof(keep), "%s", ps_error_last());
	if (!ps_store_begin(s)) {
		if (ps_store_meta_set(s, "delivered_count", v))
			ps_store_rollback(s);
		else
			ps_store_commit(s);
	}
	if (kc)
		ps_error_set(kc, "%s", keep);
	else
		ps_error_clear();
	return 0;
}

int ps_store_local_count(ps_store *s, long long after, long long before, long long *n)
{
	static ps_site q = {"SELECT count(*) FROM changes WHERE local = 1 AND seq > ?1 AND seq < ?2"};
	*n = 0;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, before);
	return one_int(s, st, n, "counting changes to export");
}

int ps_store_local_each(ps_store *s, long long after, long long before, ps_local_change_fn fn, void *ctx)
{
	static ps_site q = {"SELECT c.seq, c.id, coalesce(u.summary, c.summary), c.author, c.hlc, c.record, "
	                    "coalesce(u.bytes, c.bytes) FROM changes c LEFT JOIN unexported u ON u.seq = c.seq "
	                    "WHERE c.local = 1 AND c.seq > ?1 AND c.seq < ?2 ORDER BY c.seq"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, before);
	int rc = 0, e;
	while (!rc && (e = sqlite3_step(st)) == SQLITE_ROW) {
		ps_local_change c = {
		    .seq = sqlite3_column_int64(st, 0),
		    .id = (const char *)sqlite3_column_text(st, 1),
		    .summary = (const char *)sqlite3_column_text(st, 2), /* NULL stays NULL */
		    .author = (const char *)sqlite3_column_text(st, 3),
		    .hlc = (ps_hlc)sqlite3_column_int64(st, 4),
		    .record = (const char *)sqlite3_column_text(st, 5),
		};
		char *owned = NULL;
		if (!c.id || !c.author || !c.record)
			rc = ps_error_set(PS_ENOMEM, "out of memory");
		else if (!(rc = row_bytes(s, st, 6, &c, &owned)))
			rc = fn(ctx, &c);
		free(owned);
	}
	if (!rc && e != SQLITE_DONE)
		rc = ps_store_error(s, "reading changes to export");
	sqlite3_reset(st);
	return rc;
}

int ps_store_local_each_all(ps_store *s, ps_local_change_fn fn, void *ctx)
{
	static ps_site q = {"SELECT c.seq, c.id, coalesce(u.bytes, c.bytes) FROM changes c "
	                    "LEFT JOIN unexported u ON u.seq = c.seq WHERE c.local = 1"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	int rc = 0, e;
	while (!rc && (e = sqlite3_step(st)) == SQLITE_ROW) {
		ps_local_change c = {
		    .seq = sqlite3_column_int64(st, 0),
		    .id = (const char *)sqlite3_column_text(st, 1),
		};
		char *owned = NULL;
		if (!c.id)
			rc = ps_error_set(PS_ENOMEM, "out of memory");
		else if (!(rc = row_bytes(s, st, 2, &c, &owned)))
			rc = fn(ctx, &c);
		free(owned);
	}
	if (!rc && e != SQLITE_DONE)
		rc = ps_store_error(s, "reading this replica's changes");
	sqlite3_reset(st);
	return rc;
}

int ps_store_local_clear(ps_store *s, long long seq)
{
	static ps_site q = {"UPDATE changes SET local = 0 WHERE seq = ?1"};
	static ps_site copy = {"DELETE FROM unexported WHERE seq = ?1"};
	int e = SQLITE_DONE;
	for (int i = 0; i < 2 && e == SQLITE_DONE; i++) {
		sqlite3_stmt *st = ps_store_site(s, i ? &copy : &q);
		if (!st)
			return PS_ERROR;
		sqlite3_bind_int64(st, 1, seq);
		e = sqlite3_step(st);
		sqlite3_reset(st);
	}
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "marking a change");
}

int ps_store_change_by_seq(ps_store *s, long long seq, ps_change **out)
{
	static ps_site q = {"SELECT coalesce(u.bytes, c.bytes), c.id FROM changes c "
	                    "LEFT JOIN unexported u ON u.seq = c.seq WHERE c.seq = ?1"};
	*out = NULL;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, seq);
	int rc = 0;
	const void *bytes = NULL;
	size_t len = 0;
	char *owned = NULL;
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = ps_store_error(s, "reading a change to send again");
	else if (!(rc = ps_store_row_bytes(s, st, 0, (const char *)sqlite3_column_text(st, 1), &bytes, &len, &owned)) &&
	         ps_change_decode(out, bytes ? bytes : "", len))
		rc = ps_store_error(s, "reading a change to send again");
	free(owned);
	sqlite3_reset(st);
	return rc;
}

int ps_store_local_records_from(ps_store *s, const char *from, char ***out, size_t *n)
{
	/* +record: the range of ids, not a scan of the record index */
	static ps_site q = {"SELECT DISTINCT +record FROM changes WHERE id >= ?1 AND local = 1"};
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	char **recs = NULL;
	size_t k = 0;
	int rc = 0, e;
	while (!rc && (e = sqlite3_step(st)) == SQLITE_ROW) {
		const char *rec = (const char *)sqlite3_column_text(st, 0);
		char **nr = realloc(recs, (k + 1) * sizeof(char *));
		if (nr)
			recs = nr;
		if (!rec || !nr || !(recs[k] = strdup(rec)))
			rc = ps_error_set(PS_ENOMEM, "out of memory");
		else
			k++;
	}
	if (!rc && e != SQLITE_DONE)
		rc = ps_store_error(s, "listing records stamped in the future");
	sqlite3_reset(st);
	if (rc) {
		ps_strv_free(recs, k);
		return rc;
	}
	*out = recs;
	*n = k;
	return 0;
}

int ps_store_state_fields_from(ps_store *s, const char *record, const char *from, cJSON **out)
{
	static ps_site q = {"SELECT field, value FROM state WHERE record = ?1 AND change >= ?2"};
	*out = NULL;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	cJSON *fields = cJSON_CreateObject();
	/* A value that does not parse (or no memory for it) is left out. */
	while (fields && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		cJSON *v = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
		if (v && name)
			cJSON_AddItemToObject(fields, name, v);
		else
			cJSON_Delete(v);
	}
	sqlite3_reset(st);
	if (!fields)
		return ps_error_set(PS_ENOMEM, "out of memory");
	*out = fields;
	return 0;
}
