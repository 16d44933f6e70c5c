/* store_import.c - the import side of sync in SQLite: fetched branches,
 * held changes, records to fold again and quarantined problems.
 *
 * Exports the ps_store_branch*, ps_store_held*, ps_store_refold*,
 * ps_store_change_signed, ps_store_enrol_seen and ps_store_problem_add
 * functions of store_sync.h, each running its own
 * statement, prepared once per call site. Walks whose callback writes (it
 * may run any store function, this one's sites included) step a statement
 * of their own instead, said where it is done. Never opens a transaction
 * (the caller's), never reads Git, never judges a change: lib/sync_import.c
 * and lib/sync_apply.c do. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "store_int.h"
#include "store_sync.h"
#include "plansync/error.h"
#include "plansync/hlc.h"

int ps_store_branch_head(ps_store *s, const char *ref, char hex[41], bool *found)
{
	static ps_site q = {"SELECT head FROM branches WHERE ref = ?1"};
	hex[0] = '\0';
	*found = false;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	int rc = 0, e = sqlite3_step(st);
	if (e == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		if (h && strlen(h) == 40) {
			memcpy(hex, h, 41);
			*found = true;
		} else if (!h) {
			rc = ps_store_error(s, "reading a branch head");
		} /* else: not a commit id, as if never imported */
	} else if (e != SQLITE_DONE) {
		rc = ps_store_error(s, "reading a branch head");
	}
	sqlite3_reset(st);
	return rc;
}

int ps_store_branch_set_head(ps_store *s, const char *ref, const char *office, const char *replica, const char *hex)
{
	static ps_site q = {"INSERT INTO branches(ref, office, replica, head, at) VALUES (?1,?2,?3,?4,?5) "
	                    "ON CONFLICT(ref) DO UPDATE SET head = excluded.head, at = excluded.at"};
	assert(ref && office && replica && hex && strlen(hex) == 40);
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, office, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, replica, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(ps_now_ms() / 1000));
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "recording the branch head");
}

int ps_store_branch_forget(ps_store *s, const char *ref)
{
	static ps_site q = {"DELETE FROM branches WHERE ref = ?1"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "forgetting a branch head");
}

int ps_store_branches_each(ps_store *s, int (*fn)(void *ctx, const char *ref, const char *head), void *ctx)
{
	/* Not a site: the callback opens transactions and records problems
	 * while this statement is being stepped. */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps_store_db(s), "SELECT ref, head FROM branches", -1, &st, NULL) != SQLITE_OK)
		return ps_store_error(s, "listing branches");
	int rc = 0;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		const char *ref = (const char *)sqlite3_column_text(st, 0),
		           *head = (const char *)sqlite3_column_text(st, 1);
		rc = ref && head ? fn(ctx, ref, head) : ps_error_set(PS_ENOMEM, "out of memory");
	}
	sqlite3_finalize(st);
	return rc;
}

int ps_store_held_blob(ps_store *s, const char *id, char blob[41])
{
	static ps_site q = {"SELECT bytes FROM held WHERE id = ?1"};
	blob[0] = '\0';
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ps_store_blob_id(blob, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return PS_ENOTFOUND; /* no message: asked to decide, not reported */
	return rc == SQLITE_ROW ? 0 : ps_store_error(s, "looking up a held change");
}

int ps_store_held_add(ps_store *s, const ps_change *c, const void *bytes, size_t len, const char *branch,
                      const char *commit, const char *path, const char *signer, const char *signer_replica,
                      bool replace)
{
	/* arrived: the first import that saw it (or the enrolment request that
	 * held its commit before), kept by a replacement */
	static ps_site keep = {
	    "INSERT OR IGNORE INTO held(id, hlc, bytes, branch, commit_id, path, arrived, signer, signer_replica) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce((SELECT arrived FROM enrol_seen WHERE commit_id = ?5), ?7), "
	    "?8, ?9)"};
	static ps_site repl = {
	    "INSERT OR REPLACE INTO held(id, hlc, bytes, branch, commit_id, path, arrived, signer, signer_replica) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce((SELECT arrived FROM held WHERE id = ?1), "
	    "(SELECT arrived FROM enrol_seen WHERE commit_id = ?5), ?7), ?8, ?9)"};
	assert(c && bytes && branch && commit && path && signer && signer_replica);
	sqlite3_stmt *st = ps_store_site(s, replace ? &repl : &keep);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)c->hlc);
	sqlite3_bind_blob(st, 3, bytes, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, branch, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)ps_now_ms());
	sqlite3_bind_text(st, 8, signer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, signer_replica, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "holding a change back");
}

int ps_store_change_signed(ps_store *s, const char *id, const char *commit, const char *signer,
                           const char *signer_replica)
{
	/* The signature that counts: the first one met, unless this one is on
	 * the writer's own branch, or neither is and this branch's replica id
	 * is smaller (the same on every reader whatever it read first). */
#define BETTER "(signer IS NULL OR (signer_replica <> replica AND (?4 = replica OR ?4 < signer_replica)))"
	static ps_site q = {"UPDATE changes SET signer = CASE WHEN " BETTER " THEN ?3 ELSE signer END, "
	                    "signer_replica = CASE WHEN " BETTER " THEN ?4 ELSE signer_replica END, "
	                    "arrived = coalesce(min(arrived, (SELECT e.arrived FROM enrol_seen e "
	                    "WHERE e.commit_id = ?2)), arrived) WHERE id = ?1"};
#undef BETTER
	assert(id && commit && signer && signer_replica);
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, signer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, signer_replica, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "recording who signed a change");
}

int ps_store_enrol_seen(ps_store *s, const char *commit)
{
	static ps_site q = {"INSERT OR IGNORE INTO enrol_seen(commit_id, arrived) VALUES (?1, ?2)"};
	assert(commit && strlen(commit) == 40);
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, commit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)ps_now_ms());
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "noting a commit held for enrolment");
}

/* Hand each held change with a clock <= upto to fn. Not a site: the
 * callback may run other store functions (apply the change) while this
 * statement is being stepped. */
static int held_walk(ps_store *s, ps_hlc upto, int (*fn)(void *ctx, const ps_held_change *h), void *ctx)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps_store_db(s),
	                       "SELECT bytes, branch, commit_id, path, signer, signer_replica FROM held "
	                       "WHERE hlc <= ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return ps_store_error(s, "reading held changes");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)upto);
	int rc = 0;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		ps_held_change h = {
		    .bytes = sqlite3_column_blob(st, 0),
		    .len = (size_t)sqlite3_column_bytes(st, 0),
		    .branch = (const char *)sqlite3_column_text(st, 1),
		    .commit = (const char *)sqlite3_column_text(st, 2),
		    .path = (const char *)sqlite3_column_text(st, 3),
		    .signer = (const char *)sqlite3_column_text(st, 4),
		    .signer_replica = (const char *)sqlite3_column_text(st, 5),
		};
		rc = h.branch && h.commit && h.path ? fn(ctx, &h) : ps_error_set(PS_ENOMEM, "out of memory");
	}
	sqlite3_finalize(st);
	return rc;
}

int ps_store_held_each(ps_store *s, int (*fn)(void *ctx, const ps_held_change *h), void *ctx)
{
	return held_walk(s, (ps_hlc)INT64_MAX, fn, ctx);
}

int ps_store_held_release(ps_store *s, ps_hlc upto, int (*fn)(void *ctx, const ps_held_change *h), void *ctx)
{
	static ps_site del = {"DELETE FROM held WHERE hlc <= ?1"};
	/* A released change arrived when it was first held, not now. */
	static ps_site dated = {"UPDATE changes SET arrived = (SELECT h.arrived FROM held h WHERE h.id = changes.id) "
	                        "WHERE id IN (SELECT id FROM held WHERE hlc <= ?1 AND arrived IS NOT NULL)"};
	int rc = held_walk(s, upto, fn, ctx);
	if (rc)
		return rc;
	sqlite3_stmt *st = ps_store_site(s, &dated);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)upto);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	if (e != SQLITE_DONE)
		return ps_store_error(s, "dating released changes");
	if (!(st = ps_store_site(s, &del)))
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)upto);
	e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "releasing held changes");
}

int ps_store_refold_note(ps_store *s, const char *record)
{
	static ps_site q = {"INSERT OR IGNORE INTO refold(record) VALUES (?1)"};
	assert(record);
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "noting a record");
}

int ps_store_refold_drain(ps_store *s, int (*fn)(ps_store *s, const char *record))
{
	static ps_site del = {"DELETE FROM refold"};
	/* Not a site: the callback folds, running other store functions while
	 * this statement is being stepped. */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps_store_db(s), "SELECT record FROM refold", -1, &st, NULL) != SQLITE_OK)
		return ps_store_error(s, "listing records");
	int rc = 0, e;
	while ((e = sqlite3_step(st)) == SQLITE_ROW && !rc)
		rc = fn(s, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (!rc && e != SQLITE_DONE && e != SQLITE_ROW)
		rc = ps_store_error(s, "listing records");
	if (rc)
		return rc;
	if (!(st = ps_store_site(s, &del)))
		return PS_ERROR;
	e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "forgetting folded records");
}

int ps_store_problem_add(ps_store *s, const char *branch, const char *commit, const char *path, const char *reason,
                         char clean[1100], bool *added)
{
	static ps_site q = {"INSERT OR IGNORE INTO problems(at, branch, commit_id, path, reason) "
	                    "VALUES (?1, ?2, ?3, ?4, ?5)"};
	assert(branch && commit && path && reason);
	*added = false;
	/* Names from a hostile tree may hold control characters: show them as '?'. */
	char buf[1100];
	char *c = clean ? clean : buf;
	snprintf(c, sizeof(buf), "%s", path);
	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(ps_now_ms() / 1000));
	sqlite3_bind_text(st, 2, branch, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	if (e != SQLITE_DONE)
		return ps_store_error(s, "recording a problem");
	*added = sqlite3_changes(ps_store_db(s)) > 0;
	return 0;
}
