/* test_pathremote.c - fetch and push for a directory remote, our own
 * object walk: only refs/heads/replicas/... is copied (another ref, even
 * one naming no commit, is never read), tracking refs of deleted branches
 * are pruned, a blob over the change cap is left out, a branch whose
 * objects cannot be read is reported and keeps its old tracking ref while
 * the others go on, and a walk stops at objects the replica has (a deep
 * one does not). Push: a stale lock on our branch is cleared; a push that
 * is no fast-forward is refused; a damaged packed-refs, a damaged ref file
 * of ours and a junk ref in the way of our branch stop no push. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2.h>
#include "util.h"
#include "plansync/change.h"
#include "plansync/error.h"
#include "pathremote.h"
#include "repo.h"

#define BR(x)    PS_OWN_REF_PREFIX "tinh/" x
#define TR(x)    PS_TRACK_REF_PREFIX "tinh/" x
#define CAP_PLUS (PS_CHANGE_MAX_BYTES + 1)

static git_repository *bare(const char *dir, const char *name, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", dir, name);
	git_repository *r = NULL;
	assert_int_equal(ps_repo_init(&r, path), 0);
	return r;
}

/* A commit on ref whose tree holds one file (data, len); its parent is
 * ref's commit when there is one. */
static git_oid commit1(git_repository *repo, const char *ref, const char *file, const char *data, size_t len)
{
	git_oid blob, tree, id, pid;
	git_treebuilder *tb = NULL;
	git_tree *t = NULL;
	git_commit *parent = NULL;
	git_signature *sig = NULL;
	assert_int_equal(git_blob_create_from_buffer(&blob, repo, data, len), 0);
	assert_int_equal(git_treebuilder_new(&tb, repo, NULL), 0);
	assert_int_equal(git_treebuilder_insert(NULL, tb, file, &blob, GIT_FILEMODE_BLOB), 0);
	assert_int_equal(git_treebuilder_write(&tree, tb), 0);
	git_treebuilder_free(tb);
	assert_int_equal(git_tree_lookup(&t, repo, &tree), 0);
	if (git_reference_name_to_id(&pid, repo, ref) == 0)
		assert_int_equal(git_commit_lookup(&parent, repo, &pid), 0);
	assert_int_equal(git_signature_new(&sig, "t", "t@example.invalid", 1600000000, 0), 0);
	const git_commit *ps[1] = {parent};
	assert_int_equal(git_commit_create(&id, repo, ref, sig, sig, NULL, "t", t, parent ? 1 : 0, ps), 0);
	git_signature_free(sig);
	git_commit_free(parent);
	git_tree_free(t);
	return id;
}

static git_oid tree_of(git_repository *repo, const git_oid *commit)
{
	git_commit *c = NULL;
	assert_int_equal(git_commit_lookup(&c, repo, commit), 0);
	git_oid t = *git_commit_tree_id(c);
	git_commit_free(c);
	return t;
}

static void rm_loose(const char *repodir, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1], path[900];
	git_oid_tostr(hex, sizeof(hex), id);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", repodir, hex, hex + 2);
	assert_int_equal(unlink(path), 0);
}

static int has_obj(git_repository *repo, const git_oid *id)
{
	git_odb *odb = NULL;
	assert_int_equal(git_repository_odb(&odb, repo), 0);
	int has = git_odb_exists(odb, id);
	git_odb_free(odb);
	return has;
}

static int ref_at(git_repository *repo, const char *ref, const git_oid *want)
{
	git_oid id;
	return git_reference_name_to_id(&id, repo, ref) == 0 && git_oid_equal(&id, want);
}

static int ref_absent(git_repository *repo, const char *ref)
{
	git_oid id;
	return git_reference_name_to_id(&id, repo, ref) == GIT_ENOTFOUND;
}

typedef struct bads {
	int n;
	char branch[200], hex[41], reason[600];
} bads;

static int on_bad(void *ctx, const char *branch, const char *hex, const char *reason)
{
	bads *b = ctx;
	b->n++;
	snprintf(b->branch, sizeof(b->branch), "%s", branch);
	snprintf(b->hex, sizeof(b->hex), "%s", hex);
	snprintf(b->reason, sizeof(b->reason), "%s", reason);
	return 0;
}

static void only_replica_branches(void **st)
{
	char *dir = tmpdir_new(), rp[700], lp[700];
	git_repository *remote = bare(dir, "shared.git", rp, sizeof(rp)),
	               *local = bare(dir, "local.git", lp, sizeof(lp));
	git_oid a = commit1(remote, BR("tinh-a1"), "x.json", "{}", 2);
	git_oid m = commit1(remote, "refs/heads/main", "readme", "hi", 2);
	git_oid blob;
	assert_int_equal(git_blob_create_from_buffer(&blob, remote, "junk", 4), 0);
	git_reference *junk = NULL; /* a tag naming a blob: never read */
	assert_int_equal(git_reference_create(&junk, remote, "refs/tags/junk", &blob, 0, NULL), 0);
	git_reference_free(junk);
	bads b = {0};
	assert_int_equal(ps_pathremote_fetch(local, rp, false, on_bad, &b, NULL, NULL, NULL), 0);
	assert_int_equal(b.n, 0);
	assert_true(ref_at(local, TR("tinh-a1"), &a));
	assert_true(has_obj(local, &a));
	assert_false(has_obj(local, &m));
	assert_false(has_obj(local, &blob));
	assert_true(ref_absent(local, "refs/remotes/origin/main"));
	assert_true(ref_absent(local, "refs/remotes/origin/tags/junk"));
	/* a branch deleted in the remote: its tracking ref is pruned */
	git_oid c = commit1(remote, BR("tinh-c3"), "y.json", "{}", 2);
	assert_int_equal(ps_pathremote_fetch(local, rp, false, on_bad, &b, NULL, NULL, NULL), 0);
	assert_true(ref_at(local, TR("tinh-c3"), &c));
	git_reference *del = NULL;
	assert_int_equal(git_reference_lookup(&del, remote, BR("tinh-a1")), 0);
	assert_int_equal(git_reference_delete(del), 0);
	git_reference_free(del);
	assert_int_equal(ps_pathremote_fetch(local, rp, false, on_bad, &b, NULL, NULL, NULL), 0);
	assert_true(ref_absent(local, TR("tinh-a1")));
	assert_true(ref_at(local, TR("tinh-c3"), &c));
	assert_int_equal(b.n, 0);
	/* a remote that is not there */
	snprintf(rp, sizeof(rp), "%s/nothing.git", dir);
	assert_int_equal(ps_pathremote_fetch(local, rp, false, on_bad, &b, NULL, NULL, NULL), PS_EOFFLINE);
	assert_non_null(strstr(ps_error_last(), "cannot be opened"));
	git_repository_free(remote);
	git_repository_free(local);
	tmpdir_remove(dir);
}

static void blob_cap(void **st)
{
	char *dir = tmpdir_new(), rp[700], lp[700];
	git_repository *remote = bare(dir, "shared.git", rp, sizeof(rp)),
	               *local = bare(dir, "local.git", lp, sizeof(lp));
	char *big = malloc(CAP_PLUS);
	memset(big, 'x', CAP_PLUS);
	git_oid at = commit1(remote, BR("tinh-a1"), "at-cap.json", big, CAP_PLUS - 1);
	git_oid over = commit1(remote, BR("tinh-a1"), "over.json", big, CAP_PLUS);
	git_oid at_blob, over_blob;
	assert_int_equal(git_blob_create_from_buffer(&at_blob, remote, big, CAP_PLUS - 1), 0);
	assert_int_equal(git_blob_create_from_buffer(&over_blob, remote, big, CAP_PLUS), 0);
	free(big);
	bads b = {0};
	assert_int_equal(ps_pathremote_fetch(local, rp, false, on_bad, &b, NULL, NULL, NULL), 0);
	assert_int_equal(b.n, 0);
	assert_true(ref_at(local, TR("tinh-a1"), &over));
	assert_true(has_obj(local, &at));
	assert_true(has_obj(local, &over));
	git_oid t = tree_of(remote, &over);
	assert_true(has_obj(local, &t));
	assert_true(has_obj(local, &at_blob));    /* the cap itself is copied */
	assert_false(has_obj(local, &over_blob)); /* one byte more is not */
	git_repository_free(remote);
	git_repository_free(local);
	tmpdir_remove(dir);
}

static void bad_branch_and_present_objects(void **st)
{
	char *dir = tmpdir_new(), rp[700], lp[700];
	git_repository *remote = bare(dir, "shared.git", rp, sizeof(rp)),
	               *local = bare(dir, "local.git", lp, sizeof(lp));
	git_oid a1 = commit1(remote, BR("tinh-a1"), "a.json", "{\"n\":1}", 7);
	git_oid c1 = commit1(remote, BR("tinh-c3"), "c.json", "{\"n\":1}", 7);
	bads b = {0};
	assert_int_equal(ps_pathremote_fetch(local, rp, false, on_bad, &b, NULL, NULL, NULL), 0);
	assert_true(ref_at(local, TR("tinh-c3"), &c1));
	/* c3's next commit names a tree the remote lost; a1 moves on too */
	git_oid c2 = commit1(remote, BR("tinh-c3"), "c.json", "{\"n\":2}", 7);
	git_oid ct = tree_of(remote, &c2);
	rm_loose(rp, &ct);
	git_oid a2 = commit1(remote, BR("tinh-a1"), "a.json", "{\"n\":2}", 7);
	assert_int_equal(ps_pathremote_fetch(local, rp, false, on_bad, &b, NULL, NULL, NULL), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.branch, "replicas/tinh/tinh-c3");
	char hex[41];
	git_oid_tostr(hex, sizeof(hex), &c2);
	assert_string_equal(b.hex, hex);
	assert_int_equal(strncmp(b.reason, "cannot read tree ", 17), 0);
	assert_true(ref_at(local, TR("tinh-c3"), &c1)); /* left where it was */
	assert_false(has_obj(local, &c2));
	assert_true(ref_at(local, TR("tinh-a1"), &a2)); /* the others go on */
	/* a1's first tree lost in the remote: the walk of a new commit stops
	 * at a1, which the replica has, so a normal fetch goes through ... */
	git_oid t1 = tree_of(remote, &a1);
	rm_loose(rp, &t1);
	git_oid a3 = commit1(remote, BR("tinh-a1"), "a.json", "{\"n\":3}", 7);
	b.n = 0;
	assert_int_equal(ps_pathremote_fetch(local, rp, false, on_bad, &b, NULL, NULL, NULL), 0);
	assert_int_equal(b.n, 1); /* c3 only, still bad */
	assert_true(ref_at(local, TR("tinh-a1"), &a3));
	/* ... and a deep one trusts nothing: it reads down to the roots */
	b.n = 0;
	assert_int_equal(ps_pathremote_fetch(local, rp, true, on_bad, &b, NULL, NULL, NULL), 0);
	assert_int_equal(b.n, 2);
	assert_true(ref_at(local, TR("tinh-a1"), &a3));
	git_repository_free(remote);
	git_repository_free(local);
	tmpdir_remove(dir);
}

static void push(void **st)
{
	char *dir = tmpdir_new(), rp[700], lp[700], lock[900];
	git_repository *remote = bare(dir, "shared.git", rp, sizeof(rp)),
	               *local = bare(dir, "local.git", lp, sizeof(lp));
	git_oid a1 = commit1(local, BR("tinh-a1"), "a.json", "{}", 2);
	assert_int_equal(ps_pathremote_push(local, rp, BR("tinh-a1"), BR("tinh-a1"), NULL, NULL), 0);
	assert_true(ref_at(remote, BR("tinh-a1"), &a1));
	/* a lock left by a killed push of our branch does not block the next */
	git_oid a2 = commit1(local, BR("tinh-a1"), "a.json", "{\"n\":2}", 7);
	snprintf(lock, sizeof(lock), "%s/%s.lock", rp, BR("tinh-a1"));
	FILE *f = fopen(lock, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(ps_pathremote_push(local, rp, BR("tinh-a1"), BR("tinh-a1"), NULL, NULL), 0);
	assert_true(ref_at(remote, BR("tinh-a1"), &a2));
	assert_int_not_equal(access(lock, F_OK), 0);
	/* someone else's history on the branch: refused, the remote unchanged */
	git_oid other = commit1(remote, BR("tinh-a1"), "z.json", "{}", 2);
	git_oid a3 = commit1(local, BR("tinh-a1"), "a.json", "{\"n\":3}", 7);
	assert_int_equal(ps_pathremote_push(local, rp, BR("tinh-a1"), BR("tinh-a1"), NULL, NULL), PS_EREJECTED);
	assert_true(ref_at(remote, BR("tinh-a1"), &other));
	/* a lease replaces only the tip it names */
	assert_int_equal(ps_pathremote_push(local, rp, BR("tinh-a1"), BR("tinh-a1"), &a2, NULL), PS_EREJECTED);
	assert_true(ref_at(remote, BR("tinh-a1"), &other));
	assert_int_equal(ps_pathremote_push(local, rp, BR("tinh-a1"), BR("tinh-a1"), &other, NULL), 0);
	assert_true(ref_at(remote, BR("tinh-a1"), &a3));
	git_repository_free(remote);
	git_repository_free(local);
	tmpdir_remove(dir);
}

/* The ref file at rp/name holds id (read as bytes, not through libgit2). */
static bool file_ref_is(const char *rp, const char *name, const git_oid *id)
{
	char path[1000], buf[64] = "", hex[GIT_OID_HEXSZ + 1];
	snprintf(path, sizeof(path), "%s/%s", rp, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	git_oid_tostr(hex, sizeof(hex), id);
	return n == GIT_OID_HEXSZ + 1 && !strncmp(buf, hex, GIT_OID_HEXSZ) && buf[GIT_OID_HEXSZ] == '\n';
}

static void write_file(const char *path, const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Our branch is read and moved through its own file: a damaged
 * packed-refs, an empty ref file of ours (a power cut) and a junk ref file
 * named after the office (in the way of the branch's directory) stop no
 * push; the junk's commit stays named under refs/junk/. A fetch sets aside
 * a name that is not replicas/<office>/<replica>. */
static void push_own_ref_file(void **st)
{
	char *dir = tmpdir_new(), rp[700], lp[700], path[900], line[200], hex[GIT_OID_HEXSZ + 1];
	git_repository *remote = bare(dir, "shared.git", rp, sizeof(rp)),
	               *local = bare(dir, "local.git", lp, sizeof(lp));
	git_oid j = commit1(remote, "refs/heads/other", "j.json", "{}", 2);
	git_oid_tostr(hex, sizeof(hex), &j);
	snprintf(path, sizeof(path), "%s/refs/heads/replicas", rp);
	assert_int_equal(mkdir(path, 0777), 0);
	snprintf(path, sizeof(path), "%s/%s", rp, PS_OWN_REF_PREFIX "tinh");
	snprintf(line, sizeof(line), "%s\n", hex);
	write_file(path, "w", line); /* junk where the office's directory goes */
	snprintf(path, sizeof(path), "%s/packed-refs", rp);
	snprintf(line, sizeof(line), "%s " PS_OWN_REF_PREFIX "junk\n^0000000000000000000000000000000000000001\n", hex);
	write_file(path, "a", line); /* a packed line that parses, then one that does not */
	git_oid a1 = commit1(local, BR("tinh-a1"), "a.json", "{}", 2);
	assert_int_equal(ps_pathremote_push(local, rp, BR("tinh-a1"), BR("tinh-a1"), NULL, NULL), 0);
	assert_true(file_ref_is(rp, BR("tinh-a1"), &a1));
	snprintf(path, sizeof(path), "%s/refs/junk", rp);
	DIR *d = opendir(path);
	assert_non_null(d);
	struct dirent *e;
	int moved = 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "tinh-", 5)) {
			char name[300];
			snprintf(name, sizeof(name), "refs/junk/%s", e->d_name);
			moved += file_ref_is(rp, name, &j);
		}
	closedir(d);
	assert_int_equal(moved, 1);
	/* our ref file emptied: pushed over */
	snprintf(path, sizeof(path), "%s/%s", rp, BR("tinh-a1"));
	write_file(path, "w", "");
	git_oid a2 = commit1(local, BR("tinh-a1"), "a.json", "{\"n\":2}", 7);
	assert_int_equal(ps_pathremote_push(local, rp, BR("tinh-a1"), BR("tinh-a1"), NULL, NULL), 0);
	assert_true(file_ref_is(rp, BR("tinh-a1"), &a2));
	/* the fetch: the office-level name reported, no tracking ref for it */
	bads b = {0};
	assert_int_equal(ps_pathremote_fetch(local, rp, false, on_bad, &b, NULL, NULL, NULL), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.branch, "replicas/junk");
	assert_true(ref_absent(local, PS_TRACK_REF_PREFIX "junk"));
	git_repository_free(remote);
	git_repository_free(local);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(only_replica_branches),
	    cmocka_unit_test(blob_cap),
	    cmocka_unit_test(bad_branch_and_present_objects),
	    cmocka_unit_test(push),
	    cmocka_unit_test(push_own_ref_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
