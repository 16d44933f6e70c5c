/* sync_own.c - the replica's own branch: recovery, adoption, a new id.
 *
 * Exports to the other sync files (sync_int.h): bringing the own ref in line
 * with the exports SQLite recorded, reading our branch as the remote has it
 * (delivered, adopted after a re-created replica, unsigned junk kept out and
 * replaced by our next push, or written by another writer of our id: continue
 * as a new id), writing again our changes that were altered
 * on the old branch or stamped in the future, and repairing unsent commits
 * damaged in repo.git. Never pushes or fetches (sync.c), never writes SQL
 * (lib/store_sync.c does). Over 600 lines: every case of the own branch
 * rests on the same judgement of who wrote it (writes_our_id) and shares
 * its ref, exports and registry helpers; apart they would be copies. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sync_int.h"
#include "sha1.h"
#include "plansync/json.h"
#include "plansync/key.h"
#include "keys_int.h"
#include "store_sync.h"
#include "plansync/error.h"
#include "plansync/fold.h"
#include "plansync/identity.h"
#include "plansync/ops.h"

/* Bring the own ref in line with the last export recorded in SQLite:
 * finish an export whose ref move was cut off, or move a ref left behind
 * (repo.git restored from an older copy) forward to it. OWN_DEFER: the last
 * export's commit is not here but the remote has it (the fetch brings it;
 * export waits a cycle). OWN_DB_BEHIND: the branch holds commits plansync.db
 * does not know (the database was restored from a backup): the caller
 * continues as a new replica id. */
int ps_sync_recover_own_ref(ps_replica *r, git_repository *repo, const char *ref, git_oid *head, int *has_head)
{
	assert(repo && ref && head && (*has_head == 0 || *has_head == 1));
	ps_store *s = ps_replica_store(r);
	for (int pass = 0; pass < 2; pass++) {
		git_oid last;
		long long batch = 0;
		char lhex[GIT_OID_HEXSZ + 1];
		bool row = false;
		int rc = ps_store_export_last(s, lhex, &batch, &row);
		if (rc)
			return rc;
		if (!row)
			return *has_head ? OWN_DB_BEHIND : OWN_OK;
		git_oid_fromstr(&last, lhex);
		if (*has_head && git_oid_equal(&last, head))
			return OWN_OK;
		git_commit *c = NULL;
		if (git_commit_lookup(&c, repo, &last) == 0) {
			git_commit_free(c);
			if (*has_head && git_graph_descendant_of(repo, &last, head) != 1)
				return OWN_DB_BEHIND; /* ahead of, or apart from, what SQLite knows */
			git_reference *nr = NULL;
			int e = *has_head
			            ? git_reference_create_matching(&nr, repo, ref, &last, 1, head,
			                                            "plansync: export (resumed)")
			            : git_reference_create(&nr, repo, ref, &last, 0, "plansync: export (resumed)");
			git_reference_free(nr);
			if (e < 0)
				return ps_repo_error(PS_ERROR, "moving the replica's branch");
			*head = last;
			*has_head = 1;
			return OWN_OK;
		}
		/* The last export's commit is missing here (repo.git restored from
		 * an older copy, or damaged). */
		long long dl = 0;
		if ((rc = ps_store_meta_get_int(s, "delivered_batch", &dl, 0)))
			return rc;
		if (batch <= dl) {
			ps_log(PS_LOG_INFO,
			       "this replica's last delivered commit is not in repo.git; the fetch brings it "
			       "back, and export waits for it");
			return OWN_DEFER;
		}
		/* Not delivered: its changes are exported again from SQLite. */
		if ((rc = ps_store_begin(s)))
			return rc;
		if ((rc = ps_store_exports_drop_after(s, dl))) {
			ps_store_rollback(s);
			return rc;
		}
		if ((rc = ps_store_commit(s)))
			return rc;
	}
	return OWN_DEFER;
}

static int delivered(ps_replica *r, long long batch)
{
	ps_store *s = ps_replica_store(r);
	long long cur;
	int rc = ps_store_meta_get_int(s, "delivered_batch", &cur, 0);
	if (rc || batch <= cur)
		return rc;
	if ((rc = ps_store_begin(s)))
		return rc;
	rc = ps_store_meta_set_int(s, "delivered_batch", batch);
	return rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
}

/* Remove one stored change (its row and the edges it names) and fold its
 * record again without it. */
static int drop_change(ps_store *s, const char *id, const char *record)
{
	int rc = ps_store_delete_change(s, id);
	if (!rc)
		rc = ps_store_rebuild_heads_for(s, record);
	return rc ? rc : ps_fold_record(s, record);
}

/* The file of our change id on a branch, NULL when the branch does not
 * hold it. */
static const git_oid *file_of(const ps_branch_files *f, const char *office, const char *id)
{
	char path[PS_CHANGE_PATH_MAX];
	ps_change_path(path, office, id);
	return ps_branch_files_nth(f, path, 0);
}

/* The seqs of our changes whose file on the old branch differs. */
typedef struct altered_walk {
	const char *office;
	const ps_branch_files *files; /* the old branch's */
	long long *seqs;
	size_t n, cap;
} altered_walk;

static int altered_one(void *ctx, const ps_local_change *c)
{
	altered_walk *aw = ctx;
	const git_oid *te = file_of(aw->files, aw->office, c->id);
	git_oid mine;
	int rc = 0;
	if (te && git_odb_hash(&mine, c->bytes, c->len, GIT_OBJECT_BLOB) == 0 && !git_oid_equal(&mine, te)) {
		if (aw->n == aw->cap) {
			size_t cap = aw->cap ? aw->cap * 2 : 16;
			long long *ns = realloc(aw->seqs, cap * sizeof(*ns));
			if (!ns)
				rc = ps_error_set(PS_ENOMEM, "out of memory");
			else {
				aw->seqs = ns;
				aw->cap = cap;
			}
		}
		if (!rc)
			aw->seqs[aw->n++] = c->seq;
	}
	return rc;
}

/* After a fork: our own changes whose file on the old branch now holds
 * other bytes (someone rewrote it there). Where such a change still counts
 * (it is a head of its record), it is written again under the new id with
 * its heads as base, so our version supersedes the altered one on every
 * replica, whichever of the two it saw; the original stays here, unsent. */
static int reissue_altered(imp *m, const git_oid *tip)
{
	ps_replica *r = m->r;
	ps_store *s = ps_replica_store(r);
	ps_branch_files *files = NULL;
	long long *seqs = NULL;
	size_t n = 0;
	int rc = ps_branch_files_read(&files, m->repo, tip);
	if (rc == PS_EINVALID)
		return 0; /* unreadable: the import reports it */
	if (rc)
		return rc;
	altered_walk aw = {ps_replica_office(r), files, NULL, 0, 0};
	rc = ps_store_local_each_all(s, altered_one, &aw);
	seqs = aw.seqs;
	n = aw.n;
	assert(n <= aw.cap);
	if (rc || !n)
		goto out;
	if ((rc = ps_store_begin(s)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++) {
		ps_change *c = NULL, *nc = NULL;
		char **heads = NULL, *bytes = NULL;
		size_t nheads = 0, len = 0;
		ps_hlc hlc;
		if ((rc = ps_store_change_by_seq(s, seqs[i], &c)))
			break;
		int is_head = 0;
		if (!(rc = ps_store_heads(s, c->record, &heads, &nheads)))
			for (size_t k = 0; k < nheads; k++)
				is_head |= !strcmp(heads[k], c->id);
		if (!rc)
			rc = ps_store_local_clear(s, seqs[i]);
		if (!rc && is_head && !(rc = ps_store_hlc_tick(s, ps_replica_id(r), &hlc)) &&
		    !(rc = ps_change_new(&nc, c->office, ps_replica_id(r), c->author, hlc, c->record, c->op,
		                         (const char *const *)heads, nheads, cJSON_Duplicate(c->fields, 1),
		                         c->reason)) &&
		    !(rc = ps_change_encode(&bytes, &len, nc))) {
			char summary[400];
			snprintf(summary, sizeof(summary),
			         "%s: %s sent again (its file was altered in the shared repository)", c->office,
			         c->record);
			rc = ps_fold_insert(s, nc, bytes, len, true, summary, false, NULL);
			if (!rc)
				ps_log(PS_LOG_WARN, "change %s was altered in the shared repository; sent again as %s",
				       c->id, nc->id);
		}
		/* Our bytes under that id give way to the branch's, which every
		 * other replica reads: the import brings them, and ours live on
		 * in the change just written. */
		if (!rc)
			rc = drop_change(s, c->id, c->record);
		free(bytes);
		ps_strv_free(heads, nheads);
		ps_change_free(nc);
		ps_change_free(c);
	}
	rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
out:
	free(seqs);
	ps_branch_files_free(files);
	return rc;
}

/* The walk that marks our changes the adopted branch holds already. */
typedef struct adopt_walk {
	ps_store *s;
	const char *office;
	const ps_branch_files *files; /* the branch's */
} adopt_walk;

static int adopt_one(void *ctx, const ps_local_change *c)
{
	adopt_walk *aw = ctx;
	return file_of(aw->files, aw->office, c->id) ? ps_store_local_clear(aw->s, c->seq) : 0;
}

/* Adopt the remote's history of our branch as our own: a replica created
 * again with the id of one whose database was lost. Its changes are
 * imported, the branch continues from the remote's tip, and local changes
 * not on it yet are exported on top by the next export. */
static int adopt(imp *m, const char *ref, const git_oid *tip)
{
	ps_replica *r = m->r;
	ps_store *s = ps_replica_store(r);
	/* A change of ours whose id the branch holds with other bytes (a disk
	 * clone of this replica wrote it first) is written again, so both
	 * versions arrive and ours, the later, counts. */
	int rc = reissue_altered(m, tip);
	if (!rc)
		rc = ps_sync_import_branch(m, ref, tip);
	if (rc)
		return rc;
	char own[300], hex[GIT_OID_HEXSZ + 1];
	ps_sync_own_ref(r, own, sizeof(own));
	git_oid_tostr(hex, sizeof(hex), tip);
	ps_branch_files *files = NULL;
	if ((rc = ps_branch_files_read(&files, m->repo, tip)))
		return rc;
	if ((rc = ps_store_begin(s)))
		goto out;
	/* Local changes the branch holds already are not ours to send again;
	 * the exports start again at batch 1, the branch's tip, delivered. */
	adopt_walk aw = {s, ps_replica_office(r), files};
	long long batch = 0;
	if ((rc = ps_store_local_each_all(s, adopt_one, &aw)) || (rc = ps_store_exports_drop_after(s, 0)) ||
	    (rc = ps_store_export_append(s, hex, 0, 0, &batch)) ||
	    (rc = ps_store_meta_set_int(s, "delivered_batch", 1)))
		goto rollback;
	assert(batch == 1);
	/* SQLite first, then the ref: a kill between them is finished by the
	 * next export's recovery (the last export names this commit). */
	if ((rc = ps_store_commit(s)))
		goto out;
	git_reference *nr = NULL;
	if (git_reference_create(&nr, m->repo, own, tip, 1, "plansync: adopt the remote's history") < 0)
		rc = ps_repo_error(PS_ERROR, "moving the replica's branch");
	git_reference_free(nr);
	ps_log(PS_LOG_WARN,
	       "the shared repository already had this replica's branch (re-created replica?): its history is "
	       "adopted and this replica continues from it");
	if (m->res)
		m->res->identity = 1;
	goto out;
rollback:
	ps_store_rollback(s);
out:
	ps_branch_files_free(files);
	return rc;
}

int ps_sync_reissue_against(ps_replica *r, git_repository *repo, const git_oid *tip)
{
	imp m;
	memset(&m, 0, sizeof(m));
	m.r = r;
	m.repo = repo;
	return reissue_altered(&m, tip);
}

/* Our own branch as the remote has it. Ours (a commit we exported): note
 * what is delivered. Not ours: if nothing of ours was ever delivered and
 * the remote's history does not build on ours, we are that replica created
 * again, and adopt it up to its newest commit a key of our id signed (what
 * anyone else hung after it, or the whole branch when no such commit, is
 * junk: reported, pushed over); otherwise, when nothing it adds is validly signed, it
 * is junk (reported; the next push replaces it), else another writer of our
 * id (a copy of this replica, one re-created with a new key) writes our
 * branch and we continue as a new replica id, and read the old branch like
 * any other. */
/* Whether any commit of the branch names a branch format newer than this
 * plansync reads: such a branch is not ours to continue (our commits on
 * top would go where this version's readers stop). O(branch): only asked
 * before adopting one. */
static bool holds_newer_format(git_repository *repo, const git_oid *tip)
{
	git_revwalk *w = NULL;
	git_oid id;
	bool newer = false;
	if (git_revwalk_new(&w, repo) < 0 || git_revwalk_push(w, tip) < 0) {
		git_revwalk_free(w);
		return false; /* unreadable: the import says so */
	}
	while (!newer && git_revwalk_next(&id, w) == 0) {
		git_commit *c = NULL;
		git_tree *t = NULL;
		/* judged as the import judges it: a malformed number is not newer */
		if (git_commit_lookup(&c, repo, &id) == 0 && git_commit_tree(&t, c) == 0)
			newer = ps_repo_tree_format(repo, t) > PS_REPO_FORMAT;
		git_tree_free(t);
		git_commit_free(c);
	}
	git_revwalk_free(w);
	return newer;
}

/* Whether the key writes this replica id: its own key (a copy of this
 * replica), or one the registry names for key/<office>/<id> now or before
 * (this replica made again, a re-keyed one), except a key this replica
 * itself held and retired: it signs nothing new for any reader, so its
 * commits here are junk, never a reason to take a new id (attack 147: the
 * retired province key would strand the province); m, when given, is the import
 * under way, whose registry counts the key records it met already. Any
 * other key, an enrolled key of another replica included, signs junk here. */
struct held_ctx {
	const uint8_t *who;
	bool *found;
};

static int held_before(void *ctx, const char *replica, const uint8_t pub[32])
{
	(void)replica;
	struct held_ctx *h = ctx;
	*h->found = *h->found || !memcmp(pub, h->who, 32);
	return 0;
}

static bool writes_our_id(ps_replica *r, imp *m, const uint8_t who[32])
{
	const ps_key *own = NULL;
	if (ps_replica_key(r, &own) == 0 && own && !memcmp(ps_key_public(own), who, 32))
		return true;
	ps_keyrec k;
	memset(&k, 0, sizeof(k)); /* an error may leave it untouched */
	bool yes = false;
	uint8_t pub[32];
	int e = m ? ps_sync_verify_lookup(m, ps_replica_office(r), ps_replica_id(r), &k)
	          : ps_keys_lookup(&k, r, ps_replica_office(r), ps_replica_id(r));
	if (e == 0 && k.found) {
		yes = k.public_key && ps_pubkey_parse(pub, k.public_key) == 0 && !memcmp(pub, who, 32);
		bool retired = false; /* a key this replica itself held before (kept as key.<id>.pub) */
		if (!yes && k.previous)
			ps_replica_keys_each(r, held_before, &(struct held_ctx){who, &retired});
		for (char *p = k.previous; !yes && !retired && p && *p;) {
			char *nl = strchr(p, '\n');
			char line[200];
			snprintf(line, sizeof(line), "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
			yes = ps_pubkey_parse(pub, line) == 0 && !memcmp(pub, who, 32);
			p = nl ? nl + 1 : NULL;
		}
	}
	ps_keyrec_release(&k);
	git_error_clear();
	return yes;
}

int ps_sync_own_junk(ps_replica *r, git_repository *repo, const git_oid *tip, const git_oid *mine, long *junk)
{
	*junk = 0;
	git_revwalk *w = NULL;
	if (git_revwalk_new(&w, repo) < 0 || git_revwalk_push(w, tip) < 0 || (mine && git_revwalk_hide(w, mine) < 0)) {
		git_revwalk_free(w);
		return 0; /* unreadable: the import says so */
	}
	git_oid id;
	uint8_t who[32];
	long n = 0;
	bool ours = false;
	while (!ours && git_revwalk_next(&id, w) == 0) {
		ours = ps_commit_signer(who, repo, &id) == 0 && writes_our_id(r, NULL, who);
		n++;
	}
	git_revwalk_free(w);
	*junk = ours ? 0 : n;
	return 0;
}

/* The commit of our branch (tip back along first parents) a replica that
 * never delivered may adopt: the newest one a key of our id signed (*at,
 * *found); the *above commits after it are junk (a stranger's push before
 * our first one): never adopted nor built upon, our push replaces them.
 * Without one, all *above commits walked are junk. O(junk). */
static void adopt_point(imp *m, const git_oid *tip, git_oid *at, long *above, bool *found)
{
	*at = *tip;
	*above = 0;
	*found = false;
	git_oid id = *tip;
	uint8_t who[32];
	for (;;) {
		if (ps_commit_signer(who, m->repo, &id) == 0 && writes_our_id(m->r, m, who)) {
			*at = id;
			*found = true;
			break;
		}
		git_commit *c = NULL;
		bool more = git_commit_lookup(&c, m->repo, &id) == 0 && git_commit_parentcount(c) > 0;
		if (more)
			id = *git_commit_parent_id(c, 0);
		git_commit_free(c);
		(*above)++;
		if (!more)
			break;
	}
	git_error_clear();
}

/* Junk on our branch (ps_sync_own_junk): reported at its tip, refused like
 * every reader refuses it; the id stays, and the next push replaces it. */
static int own_junk(imp *m, const char *bname, const char *hex, long n)
{
	ps_store *s = ps_replica_store(m->r);
	char reason[600];
	snprintf(reason, sizeof(reason),
	         "%ld commit%s on this replica's own branch %s not validly signed (someone else pushed %s): "
	         "refused, as every reader refuses %s; this replica keeps its id and its next push replaces %s",
	         n, n == 1 ? "" : "s", n == 1 ? "is" : "are", n == 1 ? "it" : "them", n == 1 ? "it" : "them",
	         n == 1 ? "it" : "them");
	int rc = ps_store_begin(s);
	if (!rc) {
		rc = ps_sync_problem(s, bname, hex, "", reason, m->res);
		rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	}
	if (!rc && m->res)
		m->res->own_junk = 1;
	return rc;
}

int ps_sync_own_branch(imp *m, const char *ref, const git_oid *tip, const char *office, const char *replica)
{
	assert(m->r && m->repo && ref && tip && office && replica);
	ps_replica *r = m->r;
	ps_store *s = ps_replica_store(r);
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), tip);
	long long batch = 0;
	int rc = ps_store_export_batch_of(s, hex, &batch);
	if (rc)
		return rc;
	if (batch > 0)
		return delivered(r, batch);
	long long dl = 0;
	if ((rc = ps_store_meta_get_int(s, "delivered_batch", &dl, 0)))
		return rc;
	int builds_on_ours = 0;
	char lhex[GIT_OID_HEXSZ + 1];
	long long lbatch = 0;
	bool found = false;
	if ((rc = ps_store_export_last(s, lhex, &lbatch, &found)))
		return rc;
	git_oid last;
	if (found && git_oid_fromstr(&last, lhex) == 0)
		builds_on_ours = git_graph_descendant_of(m->repo, tip, &last) == 1;
	char bname[300];
	snprintf(bname, sizeof(bname), "replicas/%s/%s", office, replica);
	m->branch = bname;
	m->office = office;
	m->replica = replica;
	/* A history to adopt: only from a commit a key of our id signed. */
	git_oid at = *tip;
	long junk = 0;
	bool signed_ours = true;
	if (dl == 0 && !builds_on_ours)
		adopt_point(m, tip, &at, &junk, &signed_ours);
	bool newer = dl == 0 && !builds_on_ours && signed_ours && holds_newer_format(m->repo, &at);
	char own[300];
	git_oid mine;
	ps_sync_own_ref(r, own, sizeof(own));
	bool has_mine = ps_sync_ref_oid(m->repo, own, &mine) == 0;
	if (!newer && (dl > 0 || builds_on_ours) &&
	    (rc = ps_sync_own_junk(r, m->repo, tip, has_mine ? &mine : NULL, &junk)))
		return rc;
	if (dl == 0 && !builds_on_ours && !newer) {
		if (signed_ours)
			rc = adopt(m, ref, &at);
		if (!rc && junk > 0)
			rc = own_junk(m, bname, hex, junk);
	} else if (!newer && junk > 0) {
		rc = own_junk(m, bname, hex, junk);
	} else {
		if ((rc = ps_identity_fork(r,
		                           newer ? "the shared repository's branch of this replica id holds commits in "
		                                   "a branch format newer than this plansync reads; this replica "
		                                   "continues under a new id"
		                                 : "the shared repository's branch of this replica holds commits this "
		                                   "replica did not write (a copy of this replica on another machine, "
		                                   "or someone else pushed to it)")))
			return rc;
		if (m->res)
			m->res->identity = 2;
		if (!(rc = reissue_altered(m, tip)))
			rc = ps_sync_import_branch(m, ref, tip);
	}
	if (rc == PS_EINVALID) {
		char reason[700];
		snprintf(reason, sizeof(reason), "branch cannot be imported: %s; its last good state is kept",
		         ps_error_last());
		ps_sync_forget_bad_tip(m, ref);
		if (!(rc = ps_store_begin(s))) {
			rc = ps_sync_problem(s, bname, hex, "", reason, m->res);
			if (!rc && m->refetch) /* a damaged copy removed (sync_import.c): the next fetch brings it */
				rc = ps_store_meta_set_int(s, "repo.verify", 1);
			rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
		}
	}
	return rc;
}

/* Own changes stamped beyond wall clock + drift (this machine's clock was
 * ahead when they were written) are held back by every reader until then.
 * Where such a change still gives a record a field's value, the values are
 * written again, stamped now, with the change in their base: they arrive
 * now, and the old change, when its time comes, changes nothing. */
int ps_sync_restamp_future(ps_replica *r)
{
	ps_store *s = ps_replica_store(r);
	char from[PS_CHANGE_ID_MAX + 1];
	ps_store_future_from(s, from);
	char **recs = NULL;
	size_t n = 0;
	int rc = ps_store_local_records_from(s, from, &recs, &n);
	for (size_t i = 0; i < n && !rc; i++) {
		cJSON *fields = NULL;
		if ((rc = ps_store_state_fields_from(s, recs[i], from, &fields))) {
			break;
		} else if (!fields->child) {
			cJSON_Delete(fields);
		} else {
			rc = ps_replica_write_full(
			    r, recs[i], PS_OP_SET, fields,
			    "written again with a correct clock (the first was stamped in the future)", false, true,
			    NULL);
			if (!rc)
				ps_log(PS_LOG_INFO,
				       "%s: values stamped in the future written again with a correct clock", recs[i]);
			else if (rc == PS_EEXISTS || rc == PS_ENOTOWNER || rc == PS_EINVALID || rc == PS_ECONFLICT)
				rc = 0; /* nothing to write, or not ours to fix */
		}
	}
	ps_strv_free(recs, n);
	return rc;
}

/* A tree entry whose object does not hash to its id (hashed here by
 * libcrypto: libgit2's cache may hold a copy read unchecked, by the push):
 * its loose copy is removed, so the export writes it again. */
static int object_ok(const char *root, const git_tree_entry *e, void *payload)
{
	git_repository *repo = payload;
	git_odb *odb = NULL;
	git_odb_object *o = NULL;
	unsigned char h[20];
	git_oid got;
	(void)root;
	int ok = git_repository_odb(&odb, repo) == 0 && git_odb_read(&o, odb, git_tree_entry_id(e)) == 0;
	if (ok) {
		ps_sha1_object(h, git_object_type2string(git_odb_object_type(o)), git_odb_object_data(o),
		               git_odb_object_size(o));
		git_oid_fromraw(&got, h);
		ok = git_oid_equal(&got, git_tree_entry_id(e));
	}
	git_odb_object_free(o);
	git_odb_free(odb);
	if (ok)
		return 0;
	char hex[GIT_OID_HEXSZ + 1], loose[4400];
	git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e));
	snprintf(loose, sizeof(loose), "%sobjects/%.2s/%s", git_repository_path(repo), hex, hex + 2);
	unlink(loose);
	ps_log(PS_LOG_WARN, "this replica's object %s in repo.git is damaged; written again from plansync.db", hex);
	return -1;
}

/* Our commits not yet on the remote must be readable before they are
 * pushed. One that is damaged in repo.git (bit rot, a bad disk) is only a
 * copy of what plansync.db holds: the branch goes back to the last commit
 * the remote confirmed, and the changes are exported again. With files,
 * every tree and file of those commits is read and hashed too (after a
 * push found one of ours damaged: not on every sync, the push hashes them
 * anyway). */
int ps_sync_repair_unsent(ps_replica *r, git_repository *repo, const char *ref, const git_oid *mine,
                          const git_oid *theirs, bool files, long *exported)
{
	assert(repo && ref && mine && exported);
	ps_store *s = ps_replica_store(r);
	git_oid at = *mine, bad;
	int damaged = 0;
	for (int steps = 0; steps < 100000; steps++) {
		if (theirs && git_oid_equal(&at, theirs))
			break;
		git_commit *c = NULL;
		git_tree *t = NULL;
		if (git_commit_lookup(&c, repo, &at) < 0 || git_commit_tree(&t, c) < 0 ||
		    (files && git_tree_walk(t, GIT_TREEWALK_PRE, object_ok, repo) != 0)) {
			damaged = 1;
			bad = at;
			git_tree_free(t);
			git_commit_free(c);
			break;
		}
		git_tree_free(t);
		int more = git_commit_parentcount(c) > 0;
		if (more)
			at = *git_commit_parent_id(c, 0);
		git_commit_free(c);
		if (!more)
			break;
	}
	if (!damaged)
		return 0;
	char hex[GIT_OID_HEXSZ + 1], loose[4400];
	git_oid_tostr(hex, sizeof(hex), &bad);
	snprintf(loose, sizeof(loose), "%sobjects/%.2s/%s", git_repository_path(repo), hex, hex + 2);
	unlink(loose); /* a damaged loose object would shadow a good rewrite */
	long long dl = 0;
	int rc = ps_store_meta_get_int(s, "delivered_batch", &dl, 0);
	if (rc)
		return rc;
	git_oid back;
	char bhex[GIT_OID_HEXSZ + 1];
	bool has_back = false;
	if ((rc = ps_store_export_commit(s, dl, bhex, &has_back)))
		return rc;
	has_back = has_back && git_oid_fromstr(&back, bhex) == 0;
	if ((rc = ps_store_begin(s)))
		return rc;
	int e = ps_store_exports_drop_after(s, has_back ? dl : 0);
	char reason[300];
	snprintf(reason, sizeof(reason),
	         "this replica's unsent commit %s in repo.git%s cannot be read (damaged); its changes were exported "
	         "again from plansync.db",
	         hex, files ? ", or a file of it," : "");
	char branch[300];
	snprintf(branch, sizeof(branch), "replicas/%s/%s", ps_replica_office(r), ps_replica_id(r));
	if (e || (rc = ps_sync_problem(s, branch, hex, "", reason, NULL))) {
		ps_store_rollback(s);
		return e ? e : rc;
	}
	if ((rc = ps_store_commit(s)))
		return rc;
	git_reference *gr = NULL;
	if (has_back)
		git_reference_create(&gr, repo, ref, &back, 1, "plansync: back to the last delivered commit");
	else if (git_reference_lookup(&gr, repo, ref) == 0)
		git_reference_delete(gr);
	git_reference_free(gr);
	ps_log(PS_LOG_WARN, "%s", reason);
	long n = 0;
	rc = ps_sync_export(r, &n);
	*exported += n;
	return rc;
}
