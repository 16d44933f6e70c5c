/* sync_import.c - fetched branches into SQLite (DESIGN §7).
 *
 * Exports ps_sync_import and, to sync_own.c, importing one branch and
 * setting back a branch whose tip cannot be read. Treats every fetched byte
 * as hostile: branch names, history that only grows, tree entries, sizes,
 * strict decoding, ownership, clock drift, ids seen before. Each branch's
 * new commits apply in one transaction together with its new head, so a
 * kill leaves all of it or none; only new commits are walked and only
 * changed subtrees read. Reading and judging one file is sync_read.c's.
 * Never writes Git objects or SQL (the queue and store are sync_apply.c's
 * and lib/store_import.c's). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"
#include "store_sync.h"
#include "oidset.h"
#include "refread.h"
#include "plansync/error.h"
#include "plansync/fault.h"
#include "plansync/json.h"
#include "plansync/key.h"
#include "plansync/record.h"
#include "plansync/ops.h"
#include "plansync/text.h"

#define DEFAULT_MAX_DRIFT_S 600

static uint64_t max_drift_ms(ps_replica *r)
{
	long long v;
	if (ps_store_meta_get_int(ps_replica_store(r), "sync.max_drift", &v, DEFAULT_MAX_DRIFT_S) || v <= 0)
		v = DEFAULT_MAX_DRIFT_S;
	return (uint64_t)v * 1000;
}

static int on_bad(void *ctx, const char *path, const char *reason)
{
	imp *m = ctx;
	return ps_sync_problem(ps_replica_store(m->r), m->branch, m->commit, path, reason, m->res);
}

/* Added files are collected first and read in id order, so each record's
 * changes arrive in history order and extend it in a straight line. An
 * entry names the commit and signer it was listed under by their index in
 * m->from (one row per commit, not a copy per file: a join lists every
 * file of a branch at once). */
struct from {
	char commit[GIT_OID_HEXSZ + 1];
	char signer[72]; /* who signed commit (sync_verify.c) */
};

struct entry {
	git_oid oid;
	size_t from; /* index in m->from */
	char *path;
	size_t name;  /* offset of the file name (the id) in path */
	size_t order; /* collected in history order: a path written twice is read oldest first */
};

static void drop_entries(imp *m)
{
	for (size_t i = 0; i < m->nent; i++)
		free(m->ent[i].path);
	m->nent = 0;
	m->nfrom = 0;
}

static int add_entry(imp *m, const char *path, const git_oid *oid)
{
	if (strlen(path) >= PS_CHANGE_PATH_MAX)
		return on_bad(m, path, "path too long");
	if (m->nent == m->capent) {
		size_t nc = m->capent ? m->capent * 2 : 256;
		struct entry *ne = realloc(m->ent, nc * sizeof(*ne));
		if (!ne)
			return ps_error_set(PS_ENOMEM, "out of memory");
		m->ent = ne;
		m->capent = nc;
	}
	_Static_assert(sizeof(m->from->commit) == sizeof(m->commit) && sizeof(m->from->signer) == sizeof(m->signer),
	               "an entry keeps the import's commit and signer whole");
	struct from *f = m->nfrom ? &m->from[m->nfrom - 1] : NULL;
	if (!f || memcmp(f->commit, m->commit, sizeof(f->commit)) != 0 ||
	    memcmp(f->signer, m->signer, sizeof(f->signer)) != 0) {
		if (m->nfrom == m->capfrom) {
			size_t nc = m->capfrom ? m->capfrom * 2 : 16;
			struct from *nf = realloc(m->from, nc * sizeof(*nf));
			if (!nf)
				return ps_error_set(PS_ENOMEM, "out of memory");
			m->from = nf;
			m->capfrom = nc;
		}
		f = &m->from[m->nfrom++];
		memcpy(f->commit, m->commit, sizeof(f->commit));
		memcpy(f->signer, m->signer, sizeof(f->signer));
	}
	struct entry *e = &m->ent[m->nent];
	if (!(e->path = strdup(path)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	const char *slash = strrchr(path, '/');
	e->name = slash ? (size_t)(slash - path) : strlen(path); /* no slash: sorts as "" */
	git_oid_cpy(&e->oid, oid);
	e->from = m->nfrom - 1;
	e->order = m->nent;
	m->nent++;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *ea = a, *eb = b;
	int r = strcmp(ea->path + ea->name, eb->path + eb->name);
	if (!r)
		r = strcmp(ea->path, eb->path);
	return r ? r : (ea->order > eb->order) - (ea->order < eb->order);
}

static int process_entry(imp *m, const char *path, const git_oid *oid)
{
	ps_change *c = NULL;
	git_odb_object *o = NULL;
	char reason[600];
	int rc = ps_sync_read_change(m, path, oid, m->office, &c, &o, reason, sizeof(reason));
	if (rc == 1)
		return on_bad(m, path, reason);
	if (rc)
		return rc;
	if (PS_HLC_MS(c->hlc) > m->max_ms) {
		rc = ps_sync_hold(m, c, git_odb_object_data(o), git_odb_object_size(o), path);
	} else {
		rc = ps_sync_enqueue(m, c, oid); /* the id ps_sync_read_change checked the bytes against */
		c = NULL;
	}
	ps_change_free(c);
	git_odb_object_free(o);
	return rc;
}

static int process_entries(imp *m)
{
	int rc = 0;
	if (m->nent)
		qsort(m->ent, m->nent, sizeof(struct entry), cmp_entry);
	for (size_t i = 0; i < m->nent && !rc; i++) {
		const struct entry *e = &m->ent[i], *prev = i ? &m->ent[i - 1] : NULL;
		memcpy(m->commit, m->from[e->from].commit, sizeof(m->commit));
		memcpy(m->signer, m->from[e->from].signer, sizeof(m->signer));
		/* A path listed again by a later commit: an identical copy costs
		 * nothing; another version is read and judged like any change met
		 * twice (sync_apply.c: the same on every replica whatever it read
		 * first). */
		if (prev && strcmp(prev->path, e->path) == 0 && git_oid_equal(&prev->oid, &e->oid))
			continue;
		rc = process_entry(m, e->path, &e->oid);
	}
	drop_entries(m);
	return rc;
}

static int on_added(void *ctx, const char *path, git_filemode_t mode, const git_oid *oid)
{
	imp *m = ctx;
	(void)mode;
	if (strcmp(path, PS_REPO_FORMAT_FILE) == 0)
		return 0; /* read before the walk of the commit's tree: commit_format */
	/* changes/<office>/<h1>/<h2>/<id>.json */
	size_t ol = strlen(m->office);
	if (strncmp(path, "changes/", 8) != 0 || strncmp(path + 8, m->office, ol) != 0 || path[8 + ol] != '/')
		return on_bad(ctx, path, "file outside changes/<this branch's office>/");
	return add_entry(m, path, oid);
}

/* The commits from first (held for an enrolment request) up to tip were
 * seen now, unless seen before: their changes arrived then, however late
 * the province approves (a receipt's time, lib/deadline.c). */
static int note_held(imp *m, const git_oid *first, const git_oid *tip)
{
	git_revwalk *w = NULL;
	git_commit *fc = NULL;
	int rc = 0;
	if (git_revwalk_new(&w, m->repo) < 0 || git_revwalk_push(w, tip) < 0 ||
	    git_commit_lookup(&fc, m->repo, first) < 0)
		rc = ps_repo_error(PS_EINVALID, "walking the commits held for enrolment");
	for (unsigned i = 0; !rc && i < git_commit_parentcount(fc); i++)
		if (git_revwalk_hide(w, git_commit_parent_id(fc, i)) < 0)
			rc = ps_repo_error(PS_EINVALID, "walking the commits held for enrolment");
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];
	while (!rc && git_revwalk_next(&oid, w) == 0) {
		git_oid_tostr(hex, sizeof(hex), &oid);
		rc = ps_store_enrol_seen(ps_replica_store(m->r), hex);
	}
	git_commit_free(fc);
	git_revwalk_free(w);
	return rc;
}

/* A readable commit: its signature first (sync_verify.c); *held: stop before it. */
static int read_signed(imp *m, const git_oid *oid, const git_tree *t, ps_oidset *seen, const git_oid *tip, bool *held)
{
	ps_vcommit vc;
	int verdict;
	size_t n0 = m->nent;
	bool own = false;
	int rc = ps_sync_verify_commit(m, oid, &vc, &verdict);
	snprintf(m->signer, sizeof(m->signer), "%s", vc.fpr); /* each file listed keeps it */
	if (!rc && verdict != PS_VERIFY_OK && (vc.limited || m->rereading))
		rc = ps_sync_retract_commit(m, oid, vc.fpr); /* read before the registry said no */
	if (!rc && verdict == PS_VERIFY_OK)
		rc = ps_repo_diff_added(m->repo, NULL, t, seen, on_added, on_bad, m);
	for (size_t i = n0; !rc && vc.boot && i < m->nent; i++)
		rc = ps_sync_verify_file(m, &vc, false, m->ent[i].path, &m->ent[i].oid, &own);
	if (!rc && vc.boot)
		rc = ps_sync_verify_boot(m, &vc, own, tip, &verdict);
	for (size_t i = n0; !rc && verdict == PS_VERIFY_OK && i < m->nent;) {
		rc = ps_sync_verify_file(m, &vc, true, m->ent[i].path, &m->ent[i].oid, NULL);
		if (rc == 1) { /* refused by the registry's rules: not applied */
			free(m->ent[i].path);
			m->ent[i] = m->ent[--m->nent];
			rc = 0;
		} else {
			i++;
		}
	}
	for (size_t i = n0; verdict != PS_VERIFY_OK && i < m->nent; i++)
		free(m->ent[i].path);
	if (verdict != PS_VERIFY_OK)
		m->nent = n0;
	if ((*held = !rc && verdict == PS_VERIFY_HELD))
		rc = ps_sync_verify_request(m, &vc, oid, tip);
	if (!rc && *held)
		rc = note_held(m, oid, tip);
	return rc;
}

int ps_sync_import_branch(imp *m, const char *ref, const git_oid *tip)
{
	assert(m->repo && m->odb && m->branch && m->office && m->replica);
	assert(m->nbatch == 0 && m->nent == 0); /* the last branch left nothing queued */
	ps_store *s = ps_replica_store(m->r);
	ps_oidset seen = {0}; /* trees read in this import, by path */
	git_oid last;
	char lhex[GIT_OID_HEXSZ + 1];
	bool has_last = false;
	int rc = ps_store_branch_head(s, ref, lhex, &has_last);
	if (rc)
		return rc;
	has_last = has_last && git_oid_fromstr(&last, lhex) == 0;
	/* a limit on a key of this branch's replica arrived: read from the root */
	bool reread = ps_sync_retract_due(m, m->office, m->replica);
	has_last = has_last && !reread;
	m->rereading = reread;
	m->again = false;
	if (has_last && git_oid_equal(&last, tip))
		return 0;
	git_oid_tostr(m->commit, sizeof(m->commit), tip);
	if ((rc = ps_store_begin(s)))
		return rc;
	if (has_last && !git_odb_exists(m->odb, &last)) {
		/* The head read last is in no repository here (repo.git restored
		 * from an older copy, and the branch rewritten since): nothing
		 * tells what is new, so the branch is read again from its root;
		 * what is known already costs a lookup. */
		char lh[GIT_OID_HEXSZ + 1], reason[300];
		git_oid_tostr(lh, sizeof(lh), &last);
		snprintf(reason, sizeof(reason),
		         "the last commit read from this branch (%s) is no longer here; the branch is read again "
		         "from its first commit",
		         lh);
		if ((rc = ps_sync_problem(s, m->branch, m->commit, "", reason, m->res))) {
			ps_store_rollback(s);
			return rc;
		}
		has_last = false;
	}
	if (has_last && git_graph_descendant_of(m->repo, tip, &last) != 1) {
		if (git_graph_descendant_of(m->repo, &last, tip) == 1) {
			/* The branch went back (a shared repository seeded from an older
			 * copy): nothing new, and what we have stays; the commits it
			 * lost are named once, since a replica made now lacks them
			 * (attack 174). */
			char lh[GIT_OID_HEXSZ + 1], reason[400];
			git_oid_tostr(lh, sizeof(lh), &last);
			snprintf(
			    reason, sizeof(reason),
			    "the branch went back: commits up to %s, read here, are no longer on it (a force-push, "
			    "or the shared repository restored from an older copy); what they brought is kept here, "
			    "but a replica made since lacks it until their writer sends them again",
			    lh);
			rc = ps_sync_problem(s, m->branch, m->commit, "", reason, m->res);
			return rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
		}
		/* Rewritten: said once per new tip, and the new commits are read
		 * like any others, so every replica ends with the same set whether
		 * or not it saw the old history. Files that change a known id are
		 * refused one by one below. */
		char reason[200];
		char lh[GIT_OID_HEXSZ + 1];
		git_oid_tostr(lh, sizeof(lh), &last);
		snprintf(reason, sizeof(reason),
		         "history rewritten: the branch no longer contains %s; its new commits are read, and a "
		         "change it rewrote is judged like any change met in two versions",
		         lh);
		if ((rc = ps_sync_problem(s, m->branch, m->commit, "", reason, m->res)) ||
		    (rc = ps_sync_redecide_dropped(m, &last, tip))) {
			ps_store_rollback(s);
			return rc;
		}
	}
	bool same = false; /* held at an enrolment request, and nothing new since */
	if ((rc = ps_sync_verify_unchanged(m, has_last ? &last : NULL, tip, &same)) || same) {
		ps_store_rollback(s);
		return rc;
	}
	git_oid_tostr(m->commit, sizeof(m->commit), tip);
	git_revwalk *walk = NULL;
	if (git_revwalk_new(&walk, m->repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 || git_revwalk_push(walk, tip) < 0 ||
	    (has_last && git_revwalk_hide(walk, &last) < 0)) {
		rc = ps_repo_error(PS_EINVALID, "walking the branch");
		goto out;
	}
	/* Format 2: each new commit's tree holds only that commit's files, all
	 * of them new; the walk reads new commits only, so the cost is what
	 * arrived, whatever the history. */
	git_oid oid, head = *tip;
	int newer = 0; /* 1: a newer format from a commit on, read up to head; 2: from the root */
	bool held = false, held_root = false; /* an enrolment request from a commit on (sync_verify.c) */
	while (!rc && !newer && !held && git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		git_tree *t = NULL;
		char needs[32];
		git_oid_tostr(m->commit, sizeof(m->commit), &oid);
		if (git_commit_lookup(&c, m->repo, &oid) < 0 || git_commit_tree(&t, c) < 0) {
			char what[80];
			snprintf(what, sizeof(what), "commit %s cannot be read", m->commit);
			rc = ps_repo_error(PS_EINVALID, what);
		} else if (git_commit_parentcount(c) > 1) {
			rc = ps_sync_problem(s, m->branch, m->commit, "",
			                     "merge commit: a replica branch is a straight line; skipped", m->res);
		} else if ((rc = ps_sync_commit_format(m, t, needs, sizeof(needs))) == PS_FORMAT_NEWER) {
			/* read up to its parent; the head stays there */
			newer = 1;
			rc = ps_sync_needs_newer(m, needs);
			if (git_commit_parentcount(c) == 1)
				head = *git_commit_parent_id(c, 0);
			else
				newer = 2;
		} else if (rc == PS_FORMAT_OLD) {
			rc = 0; /* recorded; a tree that holds a whole history is not read */
		} else if (!rc && !(rc = read_signed(m, &oid, t, &seen, tip, &held)) && held) {
			held_root = git_commit_parentcount(c) == 0;
			if (!held_root)
				head = *git_commit_parent_id(c, 0);
		}
		git_tree_free(t);
		git_commit_free(c);
	}
	/* read again: what the rest brought before is taken back, as on a
	 * reader that never read past the commit it now stops at */
	while (!rc && held && reread && git_revwalk_next(&oid, walk) == 0) {
		uint8_t who[32];
		char fpr[PS_KEY_FPR_MAX];
		git_oid_tostr(m->commit, sizeof(m->commit), &oid);
		if (ps_commit_signer(who, m->repo, &oid) == 0) {
			ps_pubkey_fingerprint(fpr, who);
			rc = ps_sync_retract_commit(m, &oid, fpr);
		}
		ps_error_clear();
	}
	if (!rc)
		rc = process_entries(m);
	if (!rc)
		rc = ps_sync_flush(m);
	if (rc)
		goto out;
	/* Records that need a full fold wait in refold for the end of the
	 * import: one record written on many branches is folded once. */
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), &head);
	if (newer) {
		/* What cannot be read yet stays named here, so it outlives the
		 * branch's deletion and 'remote seed' sends it on. */
		char kept[400];
		git_reference *kr = NULL;
		snprintf(kept, sizeof(kept), "refs/plansync/kept/%s", m->branch);
		if (git_reference_create(&kr, m->repo, kept, tip, 1, "plansync: commits in a newer format") < 0)
			ps_log(PS_LOG_WARN, "cannot keep %s: %s", m->branch,
			       git_error_last() ? git_error_last()->message : "unknown error");
		git_reference_free(kr);
	}
	if (newer != 2 && !held_root && !(has_last && git_oid_equal(&last, &head)))
		rc = ps_store_branch_set_head(s, ref, m->office, m->replica, hex);
	if (!rc && !held)
		rc = ps_sync_verify_settled(m);
	if (!rc && reread)
		rc = ps_sync_retract_done(m);
	if (!rc && m->res && !newer && !held)
		m->res->branches++;
out:
	ps_oidset_free(&seen);
	git_revwalk_free(walk);
	if (rc) {
		ps_sync_drop_batch(m);
		drop_entries(m);
		ps_store_rollback(s);
		return rc;
	}
	ps_fault_point("import:fold");
	rc = ps_store_commit(s);
	ps_fault_point("import:committed");
	return rc;
}

/* A fetched branch whose new commits cannot be read: its tracking ref goes
 * back to the last head imported (or away), so no ref here names a commit
 * libgit2 cannot parse (its fetch negotiation walks every ref and would
 * fail for every branch). The next fetch brings the tip again. */
void ps_sync_forget_bad_tip(imp *m, const char *ref)
{
	git_oid last;
	char lhex[GIT_OID_HEXSZ + 1];
	bool has_last = false;
	/* an error reads as no head: the ref goes away, the next fetch brings it */
	if (ps_store_branch_head(ps_replica_store(m->r), ref, lhex, &has_last))
		has_last = false;
	has_last = has_last && git_oid_fromstr(&last, lhex) == 0;
	git_reference *gr = NULL;
	if (has_last)
		git_reference_create(&gr, m->repo, ref, &last, 1, "plansync: back to the last good head");
	else if (git_reference_lookup(&gr, m->repo, ref) == 0)
		git_reference_delete(gr);
	git_reference_free(gr);
}

int ps_sync_import(ps_replica *r, ps_sync_result *res, ps_progress_fn progress, void *ctx)
{
	assert(r);
	ps_store *s = ps_replica_store(r);
	int rc;
	imp m;
	memset(&m, 0, sizeof(m));
	m.r = r;
	m.res = res;
	m.progress = progress;
	m.pctx = ctx;
	m.max_ms = ps_now_ms() + max_drift_ms(r);
	if ((rc = ps_sync_open_repo(r, &m.repo)))
		return rc;
	ps_repo_hash_reads(false);
	if ((rc = ps_sync_retract_load(&m)))
		goto out;
	if (git_repository_odb(&m.odb, m.repo) < 0) {
		rc = ps_repo_error(PS_ERROR, "opening the object database");
		goto out;
	}
	/* Held changes first: their time may have come. */
	if (!(rc = ps_store_begin(s))) {
		rc = ps_sync_release_held(&m);
		if (!rc)
			rc = ps_sync_fold_touched(s);
		rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	}
	if (rc)
		goto out;
	ps_refent *refs = NULL;
	size_t nrefs = 0, caprefs = 0;
	ps_reflist rl;
	if ((rc = ps_refs_read(&rl, git_repository_path(m.repo), PS_TRACK_REF_PREFIX)))
		goto out;
	/* a tracking ref that is no commit id (a damaged file) is left out,
	 * as libgit2's iterator left it out */
	for (size_t i = 0; i < rl.n; i++)
		caprefs += rl.v[i].ok;
	if (caprefs && !(refs = malloc(caprefs * sizeof(*refs))))
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < rl.n; i++)
		if (rl.v[i].ok) {
			refs[nrefs].name = rl.v[i].name; /* taken over */
			rl.v[i].name = NULL;
			refs[nrefs].current = false;
			git_oid_cpy(&refs[nrefs].oid, &rl.v[i].id);
			nrefs++;
		}
	ps_reflist_free(&rl);
	/* Deleted branches first: kept before any change is judged, so a
	 * deleted writer's branch still says which version of its change
	 * counts (sync_apply.c). */
	if (!rc)
		rc = ps_sync_report_deleted(r, m.repo, refs, nrefs, res);
	char ownname[300];
	snprintf(ownname, sizeof(ownname), PS_TRACK_REF_PREFIX "%s/%s", ps_replica_office(r), ps_replica_id(r));
	/* province branches first: they carry the key registry (sync_verify.c) */
	char provpre[200];
	snprintf(provpre, sizeof(provpre), PS_TRACK_REF_PREFIX "%s/", ps_replica_province(r));
	/* Further passes read again the branches a revocation or what it took
	 * back put on the list after they were read, with the registry folded
	 * (sync_retract.c); a few at most, each only those branches. */
	size_t passes = 2;
	for (size_t k = 0; k < passes * nrefs && !rc; k++) {
		size_t i = k % nrefs;
		if (i == 0 && k >= 2 * nrefs && !(rc = ps_store_begin(s))) {
			rc = ps_sync_retract_office_done(&m);
			if (!rc)
				rc = ps_sync_fold_touched(s);
			rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
		}
		if (i == nrefs - 1 && k + 1 == passes * nrefs && passes < 5 && ps_sync_retract_left(&m, refs, nrefs))
			passes++;
		if (k < nrefs &&
		    (strncmp(refs[i].name, provpre, strlen(provpre)) != 0 || !strcmp(refs[i].name, ownname)))
			continue;
		const char *name = refs[i].name;
		const char *rest = name + strlen(PS_TRACK_REF_PREFIX);
		const char *slash = strchr(rest, '/');
		char office[64] = "", replica[64] = "";
		if (slash && (size_t)(slash - rest) < sizeof(office) && strlen(slash + 1) < sizeof(replica)) {
			memcpy(office, rest, (size_t)(slash - rest));
			office[slash - rest] = '\0';
			snprintf(replica, sizeof(replica), "%s", slash + 1);
		}
		bool due = ps_sync_retract_due(&m, office, replica);
		if (k >= 2 * nrefs && (!due || !strcmp(name, ownname)))
			continue;
		if (strcmp(name, ownname) == 0) {
			rc = ps_sync_own_branch(&m, name, &refs[i].oid, office, replica);
			continue;
		}
		if (refs[i].current && !due)
			continue; /* what ps_sync_import_branch would find first */
		char bname[300];
		snprintf(bname, sizeof(bname), "replicas/%s", rest);
		if (!ps_slug_valid(office) || !ps_replica_id_valid(replica, office)) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex), &refs[i].oid);
			if (!(rc = ps_store_begin(s))) {
				rc = ps_sync_problem(s, bname, hex, "",
				                     "branch name is not replicas/<office>/<office>-<suffix>; ignored",
				                     res);
				rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
			}
			continue;
		}
		m.branch = bname;
		m.office = office;
		m.replica = replica;
		rc = ps_sync_import_branch(&m, name, &refs[i].oid);
		m.rereading = m.again = false;
		if (rc == PS_EINVALID) {
			char why[600];
			snprintf(why, sizeof(why), "%s", ps_error_last());
			ps_sync_forget_bad_tip(&m, name);
			/* An object missing here (not on the remote: the fetch checked
			 * that) means repo.git is incomplete: the next fetch walks every
			 * branch to its roots and fetches what lacks; so is a damaged
			 * copy removed here (damaged_copy). */
			if ((strstr(why, "not found") || m.refetch) && !ps_store_begin(s)) {
				if (ps_store_meta_set_int(s, "repo.verify", 1))
					ps_store_rollback(s);
				else
					ps_store_commit(s);
			}
			m.refetch = false;
			ps_error_set(PS_EINVALID, "%s", why);
			/* This branch's content is bad: quarantined at its tip, the
			 * others go on; a new tip is tried again. */
			char hex[GIT_OID_HEXSZ + 1], reason[700];
			git_oid_tostr(hex, sizeof(hex), &refs[i].oid);
			snprintf(reason, sizeof(reason), "branch cannot be imported: %s; its last good state is kept",
			         ps_error_last());
			if (!(rc = ps_store_begin(s))) {
				rc = ps_sync_problem(s, bname, hex, "", reason, res);
				rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
			}
		}
	}
	if (!rc && !(rc = ps_store_begin(s))) {
		rc = ps_sync_fold_touched(s);
		rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	}
	for (size_t i = 0; i < nrefs; i++)
		free(refs[i].name);
	free(refs);
	if (!rc && progress && m.applied)
		progress(ctx, "changes applied", m.applied, m.applied);
out:
	ps_repo_hash_reads(true);
	ps_sync_origins_free(&m);
	ps_sync_verify_free(&m);
	free(m.retract);
	free(m.batch);
	free(m.ent);
	free(m.from);
	git_odb_free(m.odb);
	git_repository_free(m.repo);
	return rc;
}
