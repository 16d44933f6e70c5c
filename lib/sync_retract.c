/* sync_retract.c - a limit on a key, read after the commits it refuses
 * (DESIGN "Identity: keys"; attack 164).
 *
 * Exports the ps_sync_retract_* functions of sync_int.h. A revocation
 * names the last commit of its replica's branch that counts. A reader
 * that read that branch further before the record arrived must come to what a reader that reads both
 * at once comes to: the commits after the limit refused, their changes
 * not applied. So a key record change that revokes (or refuses) puts its
 * replica's branch on a list kept in the store (meta "keys.reread"), in
 * the transaction of the province branch that brought it; the import then
 * reads that branch again from its root (sync_import.c), where
 * sync_verify.c refuses each commit after the limit, and this file takes
 * back what such a commit had brought: its changes leave the change log
 * (their bytes stay in Git, on the branch) and their records are folded
 * again, each said in problems. Our own changes are never taken back.
 * Never writes Git objects; its SQL is store_retract.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"
#include "store_sync.h"
#include "repo.h"
#include "keys_int.h"
#include "refread.h"
#include "plansync/error.h"
#include "plansync/keys.h"
#include "plansync/record.h"
#include "plansync/replica.h"
#include "plansync/store.h"

#define META_REREAD "keys.reread"

int ps_sync_retract_load(imp *m)
{
	free(m->retract);
	m->retract = NULL;
	int rc = ps_store_meta_get(ps_replica_store(m->r), META_REREAD, &m->retract);
	if (rc == PS_ENOTFOUND) {
		ps_error_clear();
		rc = 0;
	}
	return rc;
}

/* The line of office/replica in list, or NULL. */
static char *line_of(const char *list, const char *office, const char *replica)
{
	size_t lo = strlen(office), lr = strlen(replica);
	for (const char *p = list; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (strncmp(p, office, lo) == 0 && p[lo] == '/' && strncmp(p + lo + 1, replica, lr) == 0 &&
		    p[lo + 1 + lr] == '\n')
			return (char *)p;
	return NULL;
}

static int add_line(imp *m, const char *office, const char *replica)
{
	if (m->rereading && !strcmp(office, m->office) && !strcmp(replica, m->replica))
		m->again = true; /* read again once more, with what it took back folded */
	if (!strcmp(replica, ps_replica_id(m->r)) || line_of(m->retract, office, replica))
		return 0; /* our own branch is never read back */
	size_t have = m->retract ? strlen(m->retract) : 0;
	size_t add = strlen(office) + strlen(replica) + 3;
	char *n = realloc(m->retract, have + add);
	if (!n)
		return ps_error_set(PS_ENOMEM, "out of memory");
	snprintf(n + have, add, "%s/%s\n", office, replica);
	m->retract = n;
	return ps_store_meta_set(ps_replica_store(m->r), META_REREAD, m->retract);
}

static int drop_line(imp *m, char *p)
{
	char *nl = strchr(p, '\n');
	memmove(p, nl + 1, strlen(nl + 1) + 1);
	return ps_store_meta_set(ps_replica_store(m->r), META_REREAD, m->retract[0] ? m->retract : NULL);
}

typedef struct same_key {
	imp *m;
	const char *public_key;
} same_key;

static int same_key_row(void *ctx, const ps_keyinfo *ki)
{
	same_key *sk = ctx;
	if (!ki->public_key || !ps_keys_same_key(ki->public_key, sk->public_key))
		return 0;
	return add_line(sk->m, ki->office, ki->replica);
}

int ps_sync_retract_note(imp *m, const ps_change *c)
{
	ps_record_id rid;
	if (c->op != PS_OP_SET || ps_record_parse(&rid, c->record) != 0 || rid.kind != PS_KIND_KEY)
		return 0;
	/* a revocation or a refusal; not a replaced key's previous_until: a
	 * rotation record is signed by the key it limits, after the limit, and
	 * counts because it is judged before it is read, as on every reader */
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(c->fields, "revoked");
	if (!cJSON_IsString(rv))
		return 0;
	int rc = add_line(m, rid.office, rid.replica);
	/* the same key enrolled for other replicas: their branches too (175) */
	ps_keyrec k;
	if (!rc && !(rc = ps_sync_verify_lookup(m, rid.office, rid.replica, &k))) {
		same_key sk = {m, k.public_key};
		if (k.public_key)
			rc = ps_keys_each(m->r, same_key_row, &sk);
		ps_keyrec_release(&k);
	}
	/* a province replica's key may have handed over to another id, or
	 * decided on others' keys: every province branch is read again */
	if (!rc && !strcmp(rid.office, ps_replica_province(m->r)))
		rc = add_line(m, rid.office, "*");
	return rc;
}

bool ps_sync_retract_due(const imp *m, const char *office, const char *replica)
{
	return m->retract && (line_of(m->retract, office, replica) || line_of(m->retract, office, "*"));
}

bool ps_sync_retract_left(const imp *m, const ps_refent *refs, size_t n)
{
	for (size_t i = 0; m->retract && i < n; i++) {
		const char *rest = refs[i].name + strlen(PS_TRACK_REF_PREFIX), *slash = strchr(rest, '/');
		char office[64];
		if (slash && (size_t)(slash - rest) < sizeof(office)) {
			snprintf(office, sizeof(office), "%.*s", (int)(slash - rest), rest);
			if (ps_sync_retract_due(m, office, slash + 1))
				return true;
		}
	}
	return false;
}

int ps_sync_retract_done(imp *m)
{
	char *p = m->retract ? line_of(m->retract, m->office, m->replica) : NULL;
	bool again = m->again;
	m->again = m->rereading = false;
	return p && !again ? drop_line(m, p) : 0;
}

int ps_sync_retract_office_done(imp *m)
{
	char *p = m->retract ? line_of(m->retract, ps_replica_province(m->r), "*") : NULL;
	return p ? drop_line(m, p) : 0;
}

typedef struct take {
	imp *m;
	const char *fpr;
} take;

static int take_file(void *ctx, const char *path, git_filemode_t mode, const git_oid *oid)
{
	(void)mode;
	(void)oid;
	take *t = ctx;
	ps_store *s = ps_replica_store(t->m->r);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	char id[PS_CHANGE_ID_MAX + 1], *record = NULL, reason[500];
	if (n <= 5 || n - 5 > PS_CHANGE_ID_MAX || strcmp(base + n - 5, ".json") != 0)
		return 0; /* no change file: nothing of it was applied */
	snprintf(id, sizeof(id), "%.*s", (int)(n - 5), base);
	int rc = ps_store_retract_change(s, id, t->fpr, &record);
	ps_record_id rid;
	if (!rc && record && ps_record_parse(&rid, record) == 0 && rid.kind == PS_KIND_KEY)
		rc = add_line(t->m, rid.office, rid.replica); /* what it let in goes too */
	if (!rc && record) {
		snprintf(
		    reason, sizeof(reason),
		    "change %s taken back: its commit, signed by key %s, is refused by the province's key "
		    "registry as it is now (a key revoked or replaced, or what it let in); every reader refuses it",
		    id, t->fpr);
		rc = ps_store_refold_note(s, record);
		if (!rc)
			rc = ps_sync_problem(s, t->m->branch, t->m->commit, path, reason, t->m->res);
	}
	free(record);
	return rc;
}

static int take_bad(void *ctx, const char *path, const char *reason)
{
	(void)ctx, (void)path, (void)reason;
	return 0; /* a file refused when it was read brought nothing */
}

int ps_sync_retract_commit(imp *m, const git_oid *oid, const char *fpr)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	take tk = {m, fpr};
	char hex[GIT_OID_HEXSZ + 1];
	int rc = 0;
	if (git_commit_lookup(&c, m->repo, oid) < 0 || git_commit_tree(&t, c) < 0)
		rc = ps_repo_error(PS_EINVALID, "reading a commit a key's limit refuses");
	else
		rc = ps_repo_diff_added(m->repo, NULL, t, NULL, take_file, take_bad, &tk);
	if (!rc)
		rc = ps_store_held_drop_commit(ps_replica_store(m->r), m->branch, git_oid_tostr(hex, sizeof(hex), oid));
	git_tree_free(t);
	git_commit_free(c);
	return rc;
}
