/* sync_export.c - local changes into a commit on the replica's own branch.
 *
 * Exports ps_sync_export: the local changes no export holds yet become one
 * commit, signed with the replica's key (repo_sign.c), on
 * refs/heads/replicas/<office>/<replica>; ps_sync_export_held
 * also says why a damaged change and those after it wait. Objects are written
 * first, then SQLite records the commit, then the ref moves by
 * compare-and-swap; a run that finds SQLite ahead of the ref finishes the
 * move (sync_own.c). Never pushes, never reads other branches, never writes
 * SQL (lib/store_sync.c does). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"
#include "keys_int.h"
#include "store_sync.h"
#include "refwrite.h"
#include "plansync/error.h"
#include "plansync/fault.h"
#include "plansync/identity.h"
#include "plansync/integrity.h"
#include "plansync/json.h"
#include "plansync/key.h"
#include "plansync/record.h"
#include "plansync/text.h"

#define BULK_THRESHOLD 256 /* this many objects or more go into one pack */
#define MSG_LINES      40  /* summaries listed in a commit message */

typedef struct pending {
	long long seq;
	char *id, *summary, *author, *record;
	ps_hlc hlc;
	char path[PS_CHANGE_PATH_MAX];
} pending;

static int cmp_add(const void *a, const void *b)
{
	return strcmp(((const ps_tree_add *)a)->path, ((const ps_tree_add *)b)->path);
}

static char *commit_message(ps_replica *r, pending *p, size_t n)
{
	ps_buf b = PS_BUF_INIT;
	if (n == 1) {
		ps_buf_puts(&b, p[0].summary ? p[0].summary : p[0].id);
		ps_buf_puts(&b, "\n");
	} else {
		long kinds[PS_KIND__COUNT] = {0};
		for (size_t i = 0; i < n; i++) {
			ps_record_id rid;
			if (ps_record_parse(&rid, p[i].record) == 0)
				kinds[rid.kind]++;
		}
		ps_buf_printf(&b, "%s: %zu changes (", ps_replica_office(r), n);
		int first = 1;
		for (int k = 0; k < PS_KIND__COUNT; k++)
			if (kinds[k]) {
				ps_buf_printf(&b, "%s%ld %s", first ? "" : ", ", kinds[k], ps_kind_name((ps_kind)k));
				first = 0;
			}
		ps_buf_puts(&b, ")\n\n");
		for (size_t i = 0; i < n && i < MSG_LINES; i++)
			ps_buf_printf(&b, "- %s\n", p[i].summary ? p[i].summary : p[i].id);
		if (n > MSG_LINES)
			ps_buf_printf(&b, "- ... and %zu more\n", n - MSG_LINES);
	}
	ps_buf_printf(&b, "\nOffice: %s\nReplica: %s\nChanges: %zu\n", ps_replica_office(r), ps_replica_id(r), n);
	return ps_buf_detach(&b);
}

static void pending_free(pending *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].id);
		free(p[i].summary);
		free(p[i].author);
		free(p[i].record);
	}
	free(p);
}

/* "Name <email> <seconds> +0000" with the characters Git forbids in a name
 * replaced, so the header stays parseable whatever the person typed. */
static void signature(ps_buf *b, const char *role, const char *name, const char *email, long long when)
{
	ps_buf_printf(b, "%s ", role);
	for (const char *p = name; *p; p++)
		ps_buf_put(b, (*p == '<' || *p == '>' || *p == '\n') ? " " : p, 1);
	ps_buf_printf(b, " <%s> %lld +0000\n", email, when);
}

/* The changes to export, gathered with their blobs written. */
typedef struct collect {
	ps_replica *r;
	ps_objw *w;
	pending *p;
	ps_tree_add *adds; /* one more slot than p: the format file */
	size_t n, cap;
} collect;

static int collect_one(void *ctx, const ps_local_change *c)
{
	collect *cl = ctx;
	if (cl->n == cl->cap) {
		size_t cap = cl->cap ? cl->cap * 2 : 64;
		pending *np = realloc(cl->p, cap * sizeof(*np));
		ps_tree_add *na = np ? realloc(cl->adds, (cap + 1) * sizeof(*na)) : NULL;
		if (np)
			cl->p = np;
		if (!na)
			return ps_error_set(PS_ENOMEM, "out of memory");
		cl->adds = na;
		cl->cap = cap;
	}
	assert(cl->n < cl->cap);
	pending *e = &cl->p[cl->n++];
	memset(e, 0, sizeof(*e));
	e->seq = c->seq;
	e->id = strdup(c->id);
	if (c->summary)
		e->summary = strdup(c->summary);
	e->author = strdup(c->author);
	e->hlc = c->hlc;
	e->record = strdup(c->record);
	if (!e->id || !e->author || !e->record)
		return ps_error_set(PS_ENOMEM, "out of memory");
	ps_change_path(e->path, ps_replica_office(cl->r), e->id);
	if (ps_objw_add(cl->w, &cl->adds[cl->n - 1].blob, GIT_OBJECT_BLOB, c->bytes, c->len))
		return PS_ERROR;
	return 0;
}

/* Our branch was written by plansync 0.1 (branch format 1: each tree held
 * the whole history), which readers no longer read: continue as a new
 * replica id, so every change of ours goes out again in format 2. Known by
 * the tip's format file, whose bytes 0.1 always wrote the same. */
static int leave_format1(ps_replica *r, git_repository *repo, char *ref, size_t refn, git_oid *head, int *has_head)
{
	static const char v1[] = "{\n  \"format\": 1,\n  \"layout\": \"changes/<office>/<h1>/<h2>/<id>.json\"\n}\n";
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_oid v1id;
	bool old = false;
	if (git_commit_lookup(&c, repo, head) == 0 && git_commit_tree(&t, c) == 0 &&
	    git_odb_hash(&v1id, v1, sizeof(v1) - 1, GIT_OBJECT_BLOB) == 0) {
		const git_tree_entry *e = git_tree_entry_byname(t, PS_REPO_FORMAT_FILE);
		old = e && git_oid_equal(git_tree_entry_id(e), &v1id);
	}
	git_tree_free(t);
	git_commit_free(c);
	if (!old)
		return 0;
	int rc = ps_identity_fork(r, "this replica's branch is in branch format 1 (plansync 0.1), which plansync 0.2 "
	                             "no longer reads; it continues on a new branch in format 2 and sends all its "
	                             "changes again");
	if (rc)
		return rc;
	ps_sync_own_ref(r, ref, refn);
	rc = ps_sync_ref_oid(repo, ref, head);
	*has_head = rc == 0;
	return rc == PS_ENOTFOUND ? 0 : rc;
}

int ps_sync_export(ps_replica *r, long *exported)
{
	bool deferred;
	return ps_sync_export_held(r, exported, NULL, 0, &deferred);
}

int ps_sync_export_held(ps_replica *r, long *exported, char *held, size_t heldn, bool *deferred)
{
	assert(r && exported && deferred);
	*exported = 0;
	*deferred = false;
	if (held && heldn)
		held[0] = '\0';
	ps_store *s = ps_replica_store(r);
	git_repository *repo = NULL;
	ps_objw *w = NULL;
	git_commit *parent = NULL;
	pending *p = NULL;
	ps_tree_add *adds = NULL;
	char *msg = NULL;
	ps_buf cb = PS_BUF_INIT, signed_cb = PS_BUF_INIT;
	ps_key *handover = NULL; /* the old key of a province replica's new id (keys_trust.c) */
	size_t n = 0;
	char ref[300];
	git_oid head, toid, coid;
	int has_head, rc;
	ps_sync_own_ref(r, ref, sizeof(ref));
	if ((rc = ps_sync_open_repo(r, &repo)))
		return rc;
	rc = ps_sync_ref_oid(repo, ref, &head);
	has_head = rc == 0;
	if (rc && rc != PS_ENOTFOUND)
		goto out;
	rc = ps_sync_recover_own_ref(r, repo, ref, &head, &has_head);
	if (rc == OWN_DEFER) {
		*deferred = true;
		rc = 0;
		goto out;
	}
	if (rc == OWN_DB_BEHIND) {
		/* plansync.db is older than its own branch (restored in place from
		 * a backup: same file, so the open-time check could not see it).
		 * Its clock may mint ids the branch already holds: continue as a
		 * new id, and write again what the branch holds in other bytes. */
		git_oid old = head;
		if ((rc = ps_identity_fork(r, "plansync.db is older than this replica's branch in repo.git (restored "
		                              "from a backup?)")) ||
		    (rc = ps_sync_reissue_against(r, repo, &old)))
			goto out;
		ps_sync_own_ref(r, ref, sizeof(ref));
		rc = ps_sync_ref_oid(repo, ref, &head);
		has_head = rc == 0;
		if (rc && rc != PS_ENOTFOUND)
			goto out;
		rc = 0;
	} else if (rc) {
		goto out;
	}
	if (has_head && (rc = leave_format1(r, repo, ref, sizeof(ref), &head, &has_head)))
		goto out;
	if ((rc = ps_keys_hand_over(r, &handover))) /* its record goes into this batch */
		goto out;
	long long done_seq = 0;
	if ((rc = ps_store_exports_maxseq(s, &done_seq)))
		goto out;
	/* By seq, not by id: a bounded clock can stamp a later write lower than
	 * an earlier one, so ids need not follow seq; nothing here needs them to
	 * (the exported range and the author date are by seq and by maximum). */
	long long stop; /* the first change whose stored bytes fail their check */
	if ((rc = ps_integrity_export_stop(s, done_seq, &stop, held, heldn)))
		goto out;
	/* Many objects go into one pack; a few are written loose. */
	long long npending = 0;
	if ((rc = ps_store_local_count(s, done_seq, stop, &npending)) || npending == 0)
		goto out;
	if ((rc = ps_objw_new(&w, repo, npending >= BULK_THRESHOLD)))
		goto out;
	collect cl = {r, w, NULL, NULL, 0, 0};
	rc = ps_store_local_each(s, done_seq, stop, collect_one, &cl);
	p = cl.p;
	adds = cl.adds;
	n = cl.n;
	if (rc || n == 0)
		goto out;
	char ownrec[PS_RECORD_ID_MAX + 1];
	bool rekey = false; /* this batch changes our own key record: the key it had signs it */
	snprintf(ownrec, sizeof(ownrec), "key/%s/%s", ps_replica_office(r), ps_replica_id(r));
	for (size_t i = 0; i < n; i++) { /* p moved while it grew: point at it now */
		adds[i].path = p[i].path;
		rekey |= strcmp(p[i].record, ownrec) == 0;
	}
	if (!handover && !rekey && (rc = ps_keys_signing_check(r)) == PS_EREPAIR && held && heldn) {
		/* nothing is exported; the cycle reads on and ends saying why */
		snprintf(held, heldn, "%s", ps_error_last());
		ps_error_clear();
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	ps_fault_point("export:blobs");
	size_t nadd = n;
	if (has_head && git_commit_lookup(&parent, repo, &head) < 0) {
		rc = ps_repo_error(PS_ERROR, "reading the replica's branch");
		goto out;
	}
	/* Format 2: the commit's tree holds this batch and the format file
	 * only, never the parent's files, so its size is the batch's. */
	static const char fmt[] = PS_REPO_FORMAT_TEXT;
	if ((rc = ps_objw_add(w, &adds[nadd].blob, GIT_OBJECT_BLOB, fmt, sizeof(fmt) - 1)))
		goto out;
	adds[nadd++].path = PS_REPO_FORMAT_FILE;
	assert(nadd <= n + 1); /* adds has a slot for the format file */
	qsort(adds, nadd, sizeof(*adds), cmp_add);
	if ((rc = ps_repo_tree_add(&toid, repo, w, NULL, adds, nadd)))
		goto out;
	const char *who = p[0].author;
	ps_hlc last = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(p[i].author, who) != 0)
			who = ps_replica_office(r);
		if (p[i].hlc > last)
			last = p[i].hlc;
	}
	char email[200], hex[GIT_OID_HEXSZ + 1];
	snprintf(email, sizeof(email), "%s@plansync.invalid", ps_replica_id(r));
	msg = commit_message(r, p, n);
	git_oid_tostr(hex, sizeof(hex), &toid);
	ps_buf_printf(&cb, "tree %s\n", hex);
	if (parent) {
		git_oid_tostr(hex, sizeof(hex), &head);
		ps_buf_printf(&cb, "parent %s\n", hex);
	}
	signature(&cb, "author", who, email, (long long)(PS_HLC_MS(last) / 1000));
	signature(&cb, "committer", ps_replica_id(r), email, (long long)(ps_now_ms() / 1000));
	ps_buf_puts(&cb, "\n");
	ps_buf_puts(&cb, msg ? msg : "");
	if (!msg || ps_buf_error(&cb)) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto out;
	}
	/* Signed as git commit -S signs (gpg.format=ssh): the same bytes with
	 * a gpgsig header, so stock git verifies what readers verify. */
	const ps_key *key = handover;
	if ((!key && (rc = ps_replica_key(r, &key))) || (rc = ps_commit_sign(&signed_cb, key, cb.ptr, cb.len)))
		goto out;
	if ((rc = ps_objw_add(w, &coid, GIT_OBJECT_COMMIT, signed_cb.ptr, signed_cb.len)))
		goto out;
	ps_fault_point("export:commit");
	if ((rc = ps_objw_finish(w)))
		goto out;
	/* Objects are durable; now SQLite, then the ref. */
	git_oid_tostr(hex, sizeof(hex), &coid);
	if ((rc = ps_store_begin(s)))
		goto out;
	/* Rows written after our SELECT have larger seqs (rowids only grow), so
	 * (previous maxseq, maxseq] is exactly the exported set. */
	long long maxseq = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i].seq > maxseq)
			maxseq = p[i].seq;
	long long batch = 0;
	/* what readers will verify: this key signed these changes (schema 5) */
	char fpr[PS_KEY_FPR_MAX];
	ps_pubkey_fingerprint(fpr, ps_key_public(key));
	if ((rc = ps_store_export_append(s, hex, (long long)n, maxseq, &batch)) ||
	    (rc = ps_store_export_signed(s, done_seq, maxseq, fpr, ps_replica_id(r))) ||
	    (handover && (rc = ps_store_meta_set(s, PS_META_HANDOVER, NULL)))) {
		ps_store_rollback(s);
		goto out;
	}
	if ((rc = ps_store_commit(s)))
		goto out;
	ps_fault_point("export:recorded");
	/* its loose file under its lock, as libgit2 would, without libgit2's
	 * parse of the whole packed-refs (refwrite.c) */
	if (ps_ref_set(git_repository_path(repo), ref, has_head ? &head : NULL, !has_head, &coid))
		rc = ps_error_set(PS_ERROR, "moving the replica's branch (the next sync finishes it): %s",
		                  ps_error_last());
	ps_fault_point("export:ref");
	if (!rc)
		*exported = (long)n;
out:
	free(msg);
	ps_buf_release(&cb);
	ps_buf_release(&signed_cb);
	git_commit_free(parent);
	free(adds);
	pending_free(p, n);
	ps_objw_free(w);
	ps_key_free(handover);
	git_repository_free(repo);
	return rc;
}
