/* repo_branch.c - the change files a whole replica branch holds, commit by
 * commit (format 2: each commit's tree holds only its own batch).
 *
 * Exports ps_branch_files_read/_find/_free. Used only by the rare repairs
 * of identity (a forked or adopted branch, a database restored in place),
 * which ask "does the branch hold this change, in which bytes": it costs
 * the branch's whole history, which the sync cycle itself never walks.
 * Reads objects only; knows nothing of SQLite. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/error.h"
#include "repo.h"

typedef struct bfile {
	char *path;
	size_t order; /* the commit's place, oldest first */
	git_oid oid;
} bfile;

struct ps_branch_files {
	bfile *v;
	size_t n, cap;
	size_t order;
	int rc;
};

static int on_entry(const char *root, const git_tree_entry *e, void *payload)
{
	ps_branch_files *f = payload;
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || strncmp(root, "changes/", 8) != 0)
		return 0;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		bfile *nv = realloc(f->v, cap * sizeof(*nv));
		if (!nv)
			return f->rc = ps_error_set(PS_ENOMEM, "out of memory"), -1;
		f->v = nv;
		f->cap = cap;
	}
	size_t rl = strlen(root), nl = strlen(git_tree_entry_name(e));
	char *p = malloc(rl + nl + 1);
	if (!p)
		return f->rc = ps_error_set(PS_ENOMEM, "out of memory"), -1;
	memcpy(p, root, rl);
	memcpy(p + rl, git_tree_entry_name(e), nl + 1);
	f->v[f->n].path = p;
	f->v[f->n].order = f->order;
	git_oid_cpy(&f->v[f->n].oid, git_tree_entry_id(e));
	f->n++;
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	const bfile *x = a, *y = b;
	int r = strcmp(x->path, y->path);
	return r ? r : (x->order > y->order) - (x->order < y->order);
}

int ps_branch_files_read(ps_branch_files **out, git_repository *repo, const git_oid *tip)
{
	assert(out && repo && tip);
	*out = NULL;
	ps_branch_files *f = calloc(1, sizeof(*f));
	if (!f)
		return ps_error_set(PS_ENOMEM, "out of memory");
	git_revwalk *walk = NULL;
	int rc = 0;
	if (git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 || git_revwalk_push(walk, tip) < 0) {
		rc = ps_repo_error(PS_EINVALID, "walking a replica branch");
		goto out;
	}
	git_oid oid;
	while (!rc && git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		git_tree *t = NULL;
		/* an unreadable commit or tree holds nothing we can read: the
		 * import reports it */
		if (git_commit_lookup(&c, repo, &oid) == 0 && git_commit_tree(&t, c) == 0 &&
		    git_tree_walk(t, GIT_TREEWALK_PRE, on_entry, f) < 0 && f->rc)
			rc = f->rc;
		f->order++;
		git_tree_free(t);
		git_commit_free(c);
	}
	if (rc)
		goto out;
	if (f->n)
		qsort(f->v, f->n, sizeof(*f->v), cmp_file);
	/* keep the oldest of each path */
	size_t k = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (k && strcmp(f->v[k - 1].path, f->v[i].path) == 0) {
			free(f->v[i].path);
			continue;
		}
		f->v[k++] = f->v[i];
	}
	f->n = k;
out:
	git_revwalk_free(walk);
	if (rc) {
		ps_branch_files_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

static int cmp_key(const void *key, const void *e)
{
	return strcmp(key, ((const bfile *)e)->path);
}

const git_oid *ps_branch_files_find(const ps_branch_files *f, const char *path)
{
	const bfile *e = f && f->n ? bsearch(path, f->v, f->n, sizeof(*f->v), cmp_key) : NULL;
	return e ? &e->oid : NULL;
}

void ps_branch_files_free(ps_branch_files *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].path);
	free(f->v);
	free(f);
}
