/* repo_branch.c - the change files a whole replica branch holds, commit by
 * commit (format 2: each commit's tree holds only its own batch), every
 * listing of each path, oldest first, as far as this plansync reads.
 *
 * Exports ps_branch_files_read/_nth/_free. Used only by the rare repairs
 * of identity (a forked or adopted branch, a database restored in place),
 * which ask "does the branch hold this change, in which bytes": it costs
 * the branch's whole history, which the sync cycle itself never walks.
 * Reads objects only; knows nothing of SQLite. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/error.h"
#include "plansync/json.h"
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
	/* regular files only, as the import reads (no executables or links) */
	if (git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB || strncmp(root, "changes/", 8) != 0)
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

/* The branch format a commit's tree names: PS_REPO_FORMAT when it has no
 * format file or a malformed one (its files are read and checked one by
 * one), else the number. */
int ps_repo_tree_format(git_repository *repo, const git_tree *t)
{
	const git_tree_entry *e = git_tree_entry_byname(t, PS_REPO_FORMAT_FILE);
	git_blob *b = NULL;
	int fmt = PS_REPO_FORMAT;
	if (e && git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB &&
	    git_blob_lookup(&b, repo, git_tree_entry_id(e)) == 0 && git_blob_rawsize(b) <= 4096) {
		cJSON *v = NULL;
		if (!ps_json_parse_strict(&v, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), "format file")) {
			const cJSON *f = cJSON_GetObjectItemCaseSensitive(v, "format");
			if (cJSON_IsNumber(f) && f->valuedouble >= 1 && f->valuedouble <= 1e6 &&
			    f->valuedouble == (double)(long)f->valuedouble)
				fmt = (int)f->valuedouble;
		}
		cJSON_Delete(v);
	}
	git_blob_free(b);
	return fmt;
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
	int fmt = 0;
	while (!rc && fmt <= PS_REPO_FORMAT && git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		git_tree *t = NULL;
		/* an unreadable commit or tree holds nothing we can read: the
		 * import reports it; a format-1 commit is not read, and a newer
		 * one ends what this plansync reads, as in the import */
		/* merge commits are skipped by the import, so here too */
		if (git_commit_lookup(&c, repo, &oid) == 0 && git_commit_parentcount(c) <= 1 &&
		    git_commit_tree(&t, c) == 0 && (fmt = ps_repo_tree_format(repo, t)) == PS_REPO_FORMAT &&
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

const git_oid *ps_branch_files_nth(const ps_branch_files *f, const char *path, size_t k)
{
	const bfile *e = f && f->n ? bsearch(path, f->v, f->n, sizeof(*f->v), cmp_key) : NULL;
	if (!e)
		return NULL;
	while (e > f->v && !strcmp(e[-1].path, path)) /* the oldest listing */
		e--;
	for (; k && e < f->v + f->n && !strcmp(e->path, path); k--)
		e++;
	return e < f->v + f->n && !strcmp(e->path, path) ? &e->oid : NULL;
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
