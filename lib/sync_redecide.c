/* sync_redecide.c - a change its writer's branch dropped, decided again.
 *
 * Exports ps_sync_redecide_dropped to sync_import.c (sync_int.h). When a
 * change id is met in two versions, the one that counts is the oldest
 * listing on its writer's branch as that branch is now, else the version
 * with the smaller file id (sync_apply.c). A replica that decided while the
 * writer's branch still listed the change, and then reads that branch
 * rewritten without it, must come to what a replica reading the branches
 * only as they are now comes to: the smallest file id among the versions
 * the office's branches list now (attack 82). A change no branch lists any
 * more stays as it is (nothing stored is lost). Rare, so O(the office's
 * branches); runs inside the import's transaction; never writes SQL
 * itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"
#include "store_sync.h"
#include "plansync/error.h"
#include "plansync/store.h"

typedef struct dropped {
	char **path;
	size_t n, cap;
	const char *suffix; /* "-<writer>.json": a file of a change the branch's replica wrote */
} dropped;

static int note_path(void *ctx, const char *path, git_filemode_t mode, const git_oid *id)
{
	(void)mode;
	(void)id;
	dropped *d = ctx;
	size_t pl = strlen(path), sl = strlen(d->suffix);
	if (pl < sl || strcmp(path + pl - sl, d->suffix) != 0)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		char **np = realloc(d->path, cap * sizeof(*np));
		if (!np)
			return ps_error_set(PS_ENOMEM, "out of memory");
		d->path = np;
		d->cap = cap;
	}
	if (!(d->path[d->n] = strdup(path)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	d->n++;
	return 0;
}

static int skip_bad(void *ctx, const char *path, const char *reason)
{
	(void)ctx;
	(void)path;
	(void)reason;
	return 0; /* judged when the branch was read */
}

/* The change files of the writer's own changes in commits from last that
 * tip does not reach. */
static int dropped_paths(imp *m, const git_oid *last, const git_oid *tip, dropped *d)
{
	git_revwalk *w = NULL;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_oid id;
	int rc = 0;
	if (git_revwalk_new(&w, m->repo) < 0 || git_revwalk_push(w, last) < 0 || git_revwalk_hide(w, tip) < 0)
		rc = ps_repo_error(PS_EINVALID, "walking the history the branch dropped");
	while (!rc && git_revwalk_next(&id, w) == 0) {
		if (git_commit_lookup(&c, m->repo, &id) < 0 || git_commit_tree(&t, c) < 0)
			rc = ps_repo_error(PS_EINVALID, "reading a commit the branch dropped");
		else
			rc = ps_repo_diff_added(m->repo, NULL, t, NULL, note_path, skip_bad, d);
		git_tree_free(t);
		git_commit_free(c);
		t = NULL;
		c = NULL;
	}
	git_revwalk_free(w);
	return rc;
}

/* The office's branches (tracking, then kept), each file list read once
 * for all the dropped paths. */
typedef struct branches {
	struct br {
		bool writer;
		ps_branch_files *files;
	} * v;
	size_t n;
	const char *writer_ref;
	git_repository *repo;
} branches;

static int add_branch(const char *name, void *ctx)
{
	branches *b = ctx;
	git_oid tip;
	ps_branch_files *f = NULL;
	if (git_reference_name_to_id(&tip, b->repo, name) != 0 || ps_branch_files_read(&f, b->repo, &tip) != 0) {
		ps_error_clear();
		return 0; /* an unreadable branch holds nothing we can use */
	}
	struct br *nv = realloc(b->v, (b->n + 1) * sizeof(*nv));
	if (!nv) {
		ps_branch_files_free(f);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	b->v = nv;
	b->v[b->n++] = (struct br){strcmp(name, b->writer_ref) == 0, f};
	return 0;
}

typedef struct office_walk {
	imp *m;
	const char *path; /* the change file */
	const char *id;
	bool writer_holds;
	char min[41]; /* the smallest file id of an acceptable listing elsewhere */
	git_odb_object *best;
} office_walk;

/* One branch of the office: its acceptable listings of w->path. */
static int office_branch(office_walk *w, const struct br *b)
{
	const git_oid *o;
	int rc = 0;
	for (size_t k = 0; !rc && (o = ps_branch_files_nth(b->files, w->path, k)); k++) {
		ps_change *v = NULL;
		git_odb_object *obj = NULL;
		char why[600], blob[41];
		rc = ps_sync_read_change(w->m, w->path, o, w->m->office, &v, &obj, why, sizeof(why));
		if (rc == 1) {
			rc = 0; /* refused there: decides nothing */
			continue;
		}
		if (!rc && strcmp(v->id, w->id) == 0) {
			w->writer_holds |= b->writer;
			git_oid_tostr(blob, sizeof(blob), git_odb_object_id(obj));
			if (!b->writer && (!w->min[0] || strcmp(blob, w->min) < 0)) {
				snprintf(w->min, sizeof(w->min), "%s", blob);
				git_odb_object_free(w->best);
				w->best = obj;
				obj = NULL;
			}
		}
		ps_change_free(v);
		git_odb_object_free(obj);
	}
	return rc;
}

static int redecide_one(imp *m, const branches *b, const char *path)
{
	ps_store *s = ps_replica_store(m->r);
	const char *base = strrchr(path, '/');
	char id[PS_CHANGE_ID_MAX + 1], have[41];
	snprintf(id, sizeof(id), "%.*s", (int)strlen(base + 1) - 5, base + 1);
	int rc = ps_store_change_blob(s, id, have);
	if (rc == PS_ENOTFOUND) {
		ps_error_clear();
		return 0; /* never stored here (held, refused): nothing decided */
	}
	if (rc)
		return rc;
	office_walk w = {.m = m, .path = path, .id = id};
	for (size_t i = 0; !rc && i < b->n; i++)
		rc = office_branch(&w, &b->v[i]);
	/* the writer's branch lists it again: the import reads that listing */
	if (!rc && !w.writer_holds && w.best && strcmp(w.min, have) != 0) {
		ps_change *c = NULL;
		char *old = NULL, reason[400];
		const char *bytes = git_odb_object_data(w.best);
		size_t len = git_odb_object_size(w.best);
		if (!(rc = ps_change_decode(&c, bytes, len)) &&
		    !(rc = ps_store_replace_change(s, c, bytes, len, &old))) {
			snprintf(
			    reason, sizeof(reason),
			    "change %s: its writer's branch no longer holds it, so the version with the smaller file "
			    "id (%s) counts, as on every replica",
			    id, w.min);
			if (!(rc = ps_sync_problem(s, m->branch, m->commit, path, reason, m->res)) &&
			    !(rc = ps_store_refold_note(s, c->record)) && old)
				rc = ps_store_refold_note(s, old);
		}
		if (rc == PS_ECONFLICT)
			rc = ps_sync_problem(s, m->branch, m->commit, path, ps_error_last(), m->res);
		free(old);
		ps_change_free(c);
	}
	git_odb_object_free(w.best);
	return rc;
}

int ps_sync_redecide_dropped(imp *m, const git_oid *last, const git_oid *tip)
{
	char suffix[200];
	snprintf(suffix, sizeof(suffix), "-%s.json", m->replica);
	dropped d = {.suffix = suffix};
	char writer_ref[300], glob[300];
	snprintf(writer_ref, sizeof(writer_ref), PS_TRACK_REF_PREFIX "%s/%s", m->office, m->replica);
	branches b = {.writer_ref = writer_ref, .repo = m->repo};
	int rc = dropped_paths(m, last, tip, &d);
	if (!rc && d.n) { /* the office's branches only when something was dropped */
		snprintf(glob, sizeof(glob), PS_TRACK_REF_PREFIX "%s/*", m->office);
		rc = git_reference_foreach_glob(m->repo, glob, add_branch, &b);
		snprintf(glob, sizeof(glob), "refs/plansync/kept/replicas/%s/*", m->office);
		if (rc >= 0)
			rc = git_reference_foreach_glob(m->repo, glob, add_branch, &b);
		if (rc < 0 && !ps_error_last()[0])
			rc = ps_repo_error(PS_ERROR, "reading the office's branches");
		if (rc > 0)
			rc = 0;
	}
	for (size_t i = 0; !rc && i < d.n; i++)
		rc = redecide_one(m, &b, d.path[i]);
	for (size_t i = 0; i < d.n; i++)
		free(d.path[i]);
	free(d.path);
	for (size_t i = 0; i < b.n; i++)
		ps_branch_files_free(b.v[i].files);
	free(b.v);
	return rc;
}
