/* audit.c - plansync audit (audit.h): every branch verified again from
 * scratch by a temporary replica, and the state it implies compared with
 * this replica's dump.
 *
 * Exports ps_audit_run and ps_audit_free. The temporary replica lives under
 * $TMPDIR: its remote is a bare repository whose branches are this
 * replica's (own, fetched, and kept after a deletion) and whose objects are
 * this replica's own through Git's alternates, so nothing is copied; it
 * trusts the same province key and imports with the same code as a sync,
 * so what it refuses any reader refuses. Per office it counts the commits,
 * change files and signers of the branches. Never writes this replica. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"
#include "plansync/audit.h"
#include "plansync/dump.h"
#include "plansync/error.h"
#include "plansync/key.h"
#include "plansync/keys.h"
#include "plansync/views.h"

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	remove(path);
	return 0;
}

void ps_audit_free(ps_audit *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->noffices; i++) {
		for (size_t k = 0; k < a->offices[i].nsigners; k++) {
			free(a->offices[i].signers[k].fingerprint);
			free(a->offices[i].signers[k].replica);
		}
		free(a->offices[i].signers);
		free(a->offices[i].office);
	}
	free(a->offices);
	for (size_t i = 0; i < a->nrefused; i++) {
		free(a->refused[i].branch);
		free(a->refused[i].commit);
		free(a->refused[i].reason);
	}
	free(a->refused);
	free(a->state_diff);
	free(a);
}

static int add_refusal(ps_audit *a, const char *branch, const char *commit, const char *reason)
{
	ps_audit_refusal *n = realloc(a->refused, (a->nrefused + 1) * sizeof(*n));
	if (!n)
		return ps_error_set(PS_ENOMEM, "out of memory");
	a->refused = n;
	ps_audit_refusal *f = &n[a->nrefused++];
	f->branch = strdup(branch ? branch : "");
	f->commit = commit ? strdup(commit) : NULL;
	f->reason = strdup(reason ? reason : "");
	return f->branch && f->reason && (!commit || f->commit) ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
}

static ps_audit_office *office_of(ps_audit *a, const char *office)
{
	for (size_t i = 0; i < a->noffices; i++)
		if (strcmp(a->offices[i].office, office) == 0)
			return &a->offices[i];
	ps_audit_office *n = realloc(a->offices, (a->noffices + 1) * sizeof(*n));
	if (!n)
		return NULL;
	a->offices = n;
	ps_audit_office *o = &n[a->noffices];
	memset(o, 0, sizeof(*o));
	if (!(o->office = strdup(office)))
		return NULL;
	a->noffices++;
	return o;
}

static int add_signer(ps_audit_office *o, const char *fpr, const char *replica)
{
	for (size_t i = 0; i < o->nsigners; i++)
		if (strcmp(o->signers[i].fingerprint, fpr) == 0 && strcmp(o->signers[i].replica, replica) == 0) {
			o->signers[i].commits++;
			return 0;
		}
	ps_audit_signer *n = realloc(o->signers, (o->nsigners + 1) * sizeof(*n));
	if (!n)
		return ps_error_set(PS_ENOMEM, "out of memory");
	o->signers = n;
	ps_audit_signer *g = &n[o->nsigners++];
	g->fingerprint = strdup(fpr);
	g->replica = strdup(replica);
	g->commits = 1;
	return g->fingerprint && g->replica ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
}

static int count_blob(const char *root, const git_tree_entry *e, void *ctx)
{
	(void)root;
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
		(*(long *)ctx)++;
	return 0;
}

/* Commits, change files and signers of one branch (refs/heads/replicas/O/R). */
static int branch_stats(ps_audit *a, git_repository *repo, const char *name, const git_oid *tip)
{
	const char *rest = name + strlen("refs/heads/replicas/");
	const char *slash = strchr(rest, '/');
	if (!slash || (size_t)(slash - rest) >= 64)
		return 0;
	char office[64];
	snprintf(office, sizeof(office), "%.*s", (int)(slash - rest), rest);
	ps_audit_office *o = office_of(a, office);
	if (!o)
		return ps_error_set(PS_ENOMEM, "out of memory");
	o->branches++;
	git_revwalk *w = NULL;
	if (git_revwalk_new(&w, repo) < 0 || git_revwalk_push(w, tip) < 0) {
		git_revwalk_free(w);
		return 0; /* unreadable: the fresh import says why */
	}
	git_oid oid;
	int rc = 0;
	while (!rc && git_revwalk_next(&oid, w) == 0) {
		o->commits++;
		git_commit *c = NULL;
		git_tree *t = NULL, *ch = NULL;
		git_tree_entry *e = NULL;
		if (git_commit_lookup(&c, repo, &oid) == 0 && git_commit_tree(&t, c) == 0 &&
		    git_tree_entry_bypath(&e, t, "changes") == 0 &&
		    git_tree_lookup(&ch, repo, git_tree_entry_id(e)) == 0)
			git_tree_walk(ch, GIT_TREEWALK_PRE, count_blob, &o->changes);
		git_tree_entry_free(e);
		git_tree_free(ch);
		git_tree_free(t);
		git_commit_free(c);
		uint8_t pub[32];
		char fpr[PS_KEY_FPR_MAX];
		int src = ps_commit_signer(pub, repo, &oid);
		if (src == 0)
			ps_pubkey_fingerprint(fpr, pub);
		else if (src == PS_ENOTFOUND || src == PS_EINVALID)
			snprintf(fpr, sizeof(fpr), "%s", src == PS_ENOTFOUND ? "(unsigned)" : "(bad signature)");
		else
			rc = src;
		if (!rc)
			rc = add_signer(o, fpr, slash + 1);
	}
	git_revwalk_free(w);
	return rc;
}

/* The branches of this replica's repo.git as refs/heads/replicas/... of the
 * audit repository: fetched ones, kept ones (deleted on the remote) where no
 * fetched one is, and our own. */
static int copy_refs(git_repository *from, git_repository *to, const char *own)
{
	static const char *const globs[] = {PS_TRACK_REF_PREFIX "*", "refs/plansync/kept/replicas/*"};
	static const size_t skip[] = {sizeof(PS_TRACK_REF_PREFIX) - 1, sizeof("refs/plansync/kept/replicas/") - 1};
	int rc = 0;
	for (int g = 0; g < 2 && !rc; g++) {
		git_reference_iterator *it = NULL;
		git_reference *ref;
		if (git_reference_iterator_glob_new(&it, from, globs[g]) < 0)
			return ps_repo_error(PS_ERROR, "listing the replica's branches");
		while (!rc && git_reference_next(&ref, it) == 0) {
			const git_oid *t = git_reference_target(ref);
			char name[400];
			snprintf(name, sizeof(name), "refs/heads/replicas/%s", git_reference_name(ref) + skip[g]);
			git_reference *nr = NULL, *had = NULL;
			if (t && git_reference_lookup(&had, to, name) != 0 &&
			    git_reference_create(&nr, to, name, t, 0, "plansync audit") < 0)
				rc = ps_repo_error(PS_ERROR, "preparing the audit repository");
			git_reference_free(had);
			git_reference_free(nr);
			git_reference_free(ref);
		}
		git_reference_iterator_free(it);
	}
	git_oid mine;
	git_reference *nr = NULL;
	if (!rc && git_reference_name_to_id(&mine, from, own) == 0 &&
	    git_reference_create(&nr, to, own, &mine, 1, "plansync audit") < 0)
		rc = ps_repo_error(PS_ERROR, "preparing the audit repository");
	git_reference_free(nr);
	return rc;
}

/* The first line where two dumps differ. */
static char *first_diff(const char *x, const char *y)
{
	const char *lx = x, *ly = y;
	while (*x && *x == *y) {
		if (*x == '\n')
			lx = x + 1, ly = y + 1;
		x++, y++;
	}
	size_t nx = strcspn(lx, "\n"), ny = strcspn(ly, "\n");
	char *out = malloc(nx + ny + 64);
	if (out)
		snprintf(out, nx + ny + 64, "here: %.*s\nfresh import: %.*s", (int)nx, lx, (int)ny, ly);
	return out;
}

static int audit_with(ps_audit *a, ps_replica *r, const char *tmp)
{
	char path[4200], objects[4300], rdir[4300];
	git_repository *mine = NULL, *ar = NULL;
	ps_replica *t = NULL;
	ps_problems_view *pv = NULL, *own = NULL;
	ps_status_view *sv = NULL;
	char *d1 = NULL, *d2 = NULL, own_ref[300], pin[72];
	int rc = ps_sync_open_repo(r, &mine);
	if (rc)
		goto out;
	snprintf(path, sizeof(path), "%s/audit.git", tmp);
	if (git_repository_init(&ar, path, 1) < 0) {
		rc = ps_repo_error(PS_ERROR, "creating the audit repository");
		goto out;
	}
	/* this replica's objects, read in place */
	snprintf(objects, sizeof(objects), "%s/objects/info/alternates", path);
	FILE *f = fopen(objects, "w");
	if (!f || fprintf(f, "%s/objects\n", git_repository_path(mine)) < 0 || fclose(f) != 0) {
		rc = ps_error_set(PS_ERROR, "cannot write %s", objects);
		goto out;
	}
	git_repository_free(ar);
	ar = NULL;
	if (git_repository_open(&ar, path) < 0) {
		rc = ps_repo_error(PS_ERROR, "opening the audit repository");
		goto out;
	}
	ps_sync_own_ref(r, own_ref, sizeof(own_ref));
	if ((rc = copy_refs(mine, ar, own_ref)))
		goto out;
	snprintf(rdir, sizeof(rdir), "%s/replica", tmp);
	ps_init_opts o = {.office = ps_replica_office(r),
	                  .remote = path,
	                  .province = ps_replica_province(r),
	                  .user_name = "plansync audit"};
	if ((rc = ps_replica_init(&t, rdir, &o)) || (rc = ps_keys_first_use_set(t, false)) ||
	    (rc = ps_keys_pin_get(r, pin)) || (pin[0] && (rc = ps_keys_pin_set(t, pin))))
		goto out;
	ps_sync_result res;
	if ((rc = ps_sync_run(t, &res, NULL, NULL))) {
		ps_error_set(rc, "the fresh import failed: %s", res.message);
		goto out;
	}
	if ((rc = ps_view_problems(&pv, t)))
		goto out;
	for (size_t i = 0; !rc && i < pv->n; i++)
		if (pv->v[i].branch)
			rc = add_refusal(a, pv->v[i].branch, pv->v[i].commit, pv->v[i].reason);
	/* history that only grows: a rewrite this replica saw */
	if (!rc && !(rc = ps_view_problems(&own, r)))
		for (size_t i = 0; !rc && i < own->n; i++)
			if (own->v[i].branch && strstr(own->v[i].reason, "history rewritten"))
				rc = add_refusal(a, own->v[i].branch, own->v[i].commit, own->v[i].reason);
	if (!rc)
		rc = ps_keys_held_count(t, &a->pending);
	if (!rc && !(rc = ps_view_status(&sv, r)))
		a->not_exported = sv->own.not_exported;
	if (!rc && !(rc = ps_dump(r, &d1)) && !(rc = ps_dump(t, &d2))) {
		a->state_equal = strcmp(d1, d2) == 0;
		if (!a->state_equal && !(a->state_diff = first_diff(d1, d2)))
			rc = ps_error_set(PS_ENOMEM, "out of memory");
	}
	/* per office, from the branches themselves */
	git_reference_iterator *it = NULL;
	git_reference *ref;
	if (!rc && git_reference_iterator_glob_new(&it, ar, "refs/heads/replicas/*") < 0)
		rc = ps_repo_error(PS_ERROR, "listing the audit repository");
	while (!rc && it && git_reference_next(&ref, it) == 0) {
		const git_oid *tip = git_reference_target(ref);
		if (tip)
			rc = branch_stats(a, ar, git_reference_name(ref), tip);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	a->ok = !rc && a->nrefused == 0 && a->state_equal;
out:
	free(d1);
	free(d2);
	ps_problems_view_free(pv);
	ps_problems_view_free(own);
	ps_status_view_free(sv);
	ps_replica_free(t);
	git_repository_free(ar);
	git_repository_free(mine);
	return rc;
}

static int cmp_office(const void *x, const void *y)
{
	return strcmp(((const ps_audit_office *)x)->office, ((const ps_audit_office *)y)->office);
}

int ps_audit_run(ps_audit **out, ps_replica *r)
{
	*out = NULL;
	ps_audit *a = calloc(1, sizeof(*a));
	if (!a)
		return ps_error_set(PS_ENOMEM, "out of memory");
	const char *base = getenv("TMPDIR");
	char tmp[4000];
	snprintf(tmp, sizeof(tmp), "%s/plansync-audit.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmp)) {
		free(a);
		return ps_error_set(PS_ERROR,
		                    "cannot create a temporary directory in %s: set TMPDIR to one that can be "
		                    "written",
		                    base && *base ? base : "/tmp");
	}
	int rc = audit_with(a, r, tmp);
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (rc) {
		ps_audit_free(a);
		return rc;
	}
	if (a->noffices)
		qsort(a->offices, a->noffices, sizeof(*a->offices), cmp_office);
	*out = a;
	return 0;
}
