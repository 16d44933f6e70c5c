/* store_retract.c - taking back what a revoked key brought (attack 164).
 *
 * Exports ps_store_retract_change and ps_store_held_drop_commit
 * (store_sync.h): a change this replica read from a commit that a
 * revocation, read later, refuses is removed from the change log with its
 * base edges, and its record's heads are made again; the caller folds the
 * record again and says why in problems. The bytes stay in Git (the
 * branch still holds the commit), so nothing is lost that every reader
 * does not refuse alike. Never opens a transaction (the import's), never
 * reads Git, never judges: lib/sync_retract.c does. */
#include <string.h>
#include "store_int.h"
#include "store_sync.h"
#include "plansync/error.h"

int ps_store_retract_change(ps_store *s, const char *id, const char *signer, char **record)
{
	/* only a row that came with that signature: our own changes, and a
	 * change another branch brought with another signer, stay as they are */
	static ps_site q = {"SELECT record FROM changes WHERE id = ?1 AND local = 0 AND signer = ?2"};
	*record = NULL;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, signer, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	if (e == SQLITE_ROW && !(*record = ps_store_text_dup(st, 0)))
		e = SQLITE_NOMEM;
	sqlite3_reset(st);
	if (e == SQLITE_DONE)
		return 0;
	if (e != SQLITE_ROW)
		return e == SQLITE_NOMEM ? ps_error_set(PS_ENOMEM, "out of memory")
		                         : ps_store_error(s, "looking up a change to take back");
	int rc = ps_store_delete_change(s, id);
	if (!rc)
		rc = ps_store_rebuild_heads_for(s, *record);
	return rc;
}

int ps_store_held_drop_commit(ps_store *s, const char *branch, const char *commit)
{
	static ps_site q = {"DELETE FROM held WHERE branch = ?1 AND commit_id = ?2"};
	return ps_store_run(s, &q, "dropping held changes of a refused commit", branch, commit, NULL, NULL);
}
