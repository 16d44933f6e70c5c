/* store_state.c - the fold's derived tables: records, state, conflicts and
 * unplanned.
 *
 * Exports the writes ps_fold_record and the incremental fold make (each
 * one or two statements, no allocation: the fold calls them per field),
 * and the reads a local write and the plan import need (is a record live,
 * a field's value, the live records). Writes run inside the caller's
 * transaction. Never reads or writes the change log (store_changes.c) and
 * never decides a value: that is fold.c's. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "store_int.h"
#include "plansync/error.h"

int ps_store_state_clear(ps_store *s, const char *record)
{
	static ps_site state = {"DELETE FROM state WHERE record = ?1"};
	static ps_site conflicts = {"DELETE FROM conflicts WHERE record = ?1"};
	int rc = ps_store_run(s, &state, "clearing state", record, NULL, NULL, NULL);
	return rc ? rc : ps_store_run(s, &conflicts, "clearing state", record, NULL, NULL, NULL);
}

int ps_store_record_forget(ps_store *s, const char *record)
{
	static ps_site records = {"DELETE FROM records WHERE id = ?1"};
	static ps_site unplanned = {"DELETE FROM unplanned WHERE record = ?1"};
	int rc = ps_store_run(s, &records, "clearing state", record, NULL, NULL, NULL);
	return rc ? rc : ps_store_run(s, &unplanned, "clearing state", record, NULL, NULL, NULL);
}

int ps_store_state_insert(ps_store *s, const char *record, const char *field, const char *value, const char *change)
{
	static ps_site q = {"INSERT INTO state(record, field, value, change) VALUES (?1,?2,?3,?4)"};
	assert(record && field && value && change);
	return ps_store_run(s, &q, "writing state", record, field, value, change);
}

int ps_store_conflict_insert(ps_store *s, const char *record, const char *field, const char *changes)
{
	static ps_site q = {"INSERT INTO conflicts(record, field, changes) VALUES (?1,?2,?3)"};
	return ps_store_run(s, &q, "writing a conflict", record, field, changes, NULL);
}

int ps_store_state_set(ps_store *s, const char *record, const char *field, const char *value, const char *change)
{
	static ps_site q = {"INSERT OR REPLACE INTO state(record, field, value, change) VALUES (?1,?2,?3,?4)"};
	assert(record && field && value && change);
	int rc = ps_store_run(s, &q, "writing state", record, field, value, change);
	return rc ? rc : ps_store_conflict_clear(s, record, field);
}

int ps_store_conflict_clear(ps_store *s, const char *record, const char *field)
{
	static ps_site q = {"DELETE FROM conflicts WHERE record = ?1 AND field = ?2"};
	return ps_store_run(s, &q, "writing state", record, field, NULL, NULL);
}

int ps_store_record_put(ps_store *s, const char *record, const char *kind, bool retired, long changes, const char *last)
{
	static ps_site q = {"INSERT OR REPLACE INTO records(id, kind, retired, changes, last) VALUES (?1,?2,?3,?4,?5)"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, retired);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)changes);
	sqlite3_bind_text(st, 5, last, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "writing a record");
}

int ps_store_record_advance(ps_store *s, const char *record, const char *kind, bool retired, long added,
                            const char *last)
{
	static ps_site q = {"INSERT INTO records(id, kind, retired, changes, last) VALUES (?1,?2,?3,?5,?4) "
	                    "ON CONFLICT(id) DO UPDATE SET retired = excluded.retired, "
	                    "changes = records.changes + excluded.changes, last = excluded.last"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, retired);
	sqlite3_bind_text(st, 4, last, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)added);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "writing a record");
}

int ps_store_unplanned_release(ps_store *s, const char *need)
{
	static ps_site q = {"DELETE FROM unplanned WHERE need = ?1"};
	return ps_store_run(s, &q, "clearing state", need, NULL, NULL, NULL);
}

int ps_store_unplanned_hold(ps_store *s, const char *need, const char *kind, const char *glob)
{
	static ps_site q = {"INSERT OR IGNORE INTO unplanned(record, need) "
	                    "SELECT id, ?1 FROM records WHERE kind = ?2 AND id GLOB ?3"};
	return ps_store_run(s, &q, "noting what the plan lacks", need, kind, glob, NULL);
}

int ps_store_unplanned_note(ps_store *s, const char *record, const char *need)
{
	static ps_site known = {"SELECT 1 FROM records WHERE id = ?1 AND retired = 0"};
	static ps_site add = {"INSERT OR IGNORE INTO unplanned(record, need) VALUES (?1, ?2)"};
	static ps_site del = {"DELETE FROM unplanned WHERE record = ?1 AND need = ?2"};
	int e = ps_store_exists(s, &known, "looking up the plan", need);
	if (e < 0)
		return e;
	return ps_store_run(s, e ? &del : &add, "noting what the plan lacks", record, need, NULL, NULL);
}

int ps_store_record_live(ps_store *s, const char *record)
{
	static ps_site q = {"SELECT retired FROM records WHERE id = ?1"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int live = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ps_store_error(s, "reading a record");
	return live;
}

int ps_store_state_value(ps_store *s, const char *record, const char *field, char **out)
{
	static ps_site q = {"SELECT value FROM state WHERE record = ?1 AND field = ?2"};
	*out = NULL;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	if (e == SQLITE_ROW && !(*out = ps_store_text_dup(st, 0)))
		e = SQLITE_NOMEM;
	sqlite3_reset(st);
	if (e == SQLITE_NOMEM)
		return ps_error_set(PS_ENOMEM, "out of memory");
	return e == SQLITE_ROW || e == SQLITE_DONE ? 0 : ps_store_error(s, "reading a record");
}

int ps_store_live_records(ps_store *s, ps_store_record_fn fn, void *ctx)
{
	static ps_site q = {"SELECT id, kind FROM records WHERE retired = 0"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	int rc = 0, e;
	while ((e = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		if (!id || !kind) {
			rc = ps_error_set(PS_ENOMEM, "out of memory");
			break;
		}
		if ((rc = fn(ctx, id, kind)))
			break;
	}
	sqlite3_reset(st);
	if (!rc && e != SQLITE_DONE)
		rc = ps_store_error(s, "listing plan records");
	return rc;
}
