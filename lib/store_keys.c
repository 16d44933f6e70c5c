/* store_keys.c - enrolment requests in the meta table (store_keys.h).
 *
 * A request is one meta row "keys.pending.<office>/<replica>" holding the
 * JSON the import wrote (lib/sync_verify.c). Exports put, get and each.
 * Never reads or writes another table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_int.h"
#include "store_keys.h"
#include "plansync/error.h"

#define PREFIX "keys.pending."

int ps_store_keyreq_put(ps_store *s, const char *office, const char *replica, const char *json)
{
	static ps_site set = {"INSERT INTO meta(key, value) VALUES (?1, ?2) "
	                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value"};
	static ps_site del = {"DELETE FROM meta WHERE key = ?1"};
	char key[200];
	snprintf(key, sizeof(key), PREFIX "%s/%s", office, replica);
	return ps_store_run(s, json ? &set : &del, "writing an enrolment request", key, json, NULL, NULL);
}

int ps_store_keyreq_get(ps_store *s, const char *office, const char *replica, char **json)
{
	static ps_site q = {"SELECT value FROM meta WHERE key = ?1"};
	*json = NULL;
	char key[200];
	snprintf(key, sizeof(key), PREFIX "%s/%s", office, replica);
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	int e = sqlite3_step(st);
	if (e == SQLITE_ROW && !(*json = ps_store_text_dup(st, 0)))
		e = SQLITE_NOMEM;
	sqlite3_reset(st);
	if (e == SQLITE_NOMEM)
		return ps_error_set(PS_ENOMEM, "out of memory");
	if (e == SQLITE_DONE)
		return PS_ENOTFOUND;
	return e == SQLITE_ROW ? 0 : ps_store_error(s, "reading an enrolment request");
}

int ps_store_keyreq_each(ps_store *s, int (*fn)(void *ctx, const char *json), void *ctx)
{
	/* '.' and '/' sort after nothing that shares the prefix: a range scan */
	static ps_site q = {"SELECT value FROM meta WHERE key >= '" PREFIX "' AND key < 'keys.pending/' ORDER BY key"};
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	int rc = 0, e;
	while (!rc && (e = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		rc = v ? fn(ctx, v) : ps_error_set(PS_ENOMEM, "out of memory");
	}
	sqlite3_reset(st);
	if (!rc && e != SQLITE_DONE)
		rc = ps_store_error(s, "listing enrolment requests");
	return rc;
}
