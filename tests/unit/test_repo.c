/* test_repo.c - the Git side: a bare repository created and opened in a
 * temporary directory, objects written loose and as one pack and read
 * back, trees built along paths, the added-files diff, refs; fetch and
 * push between bare repositories through a path remote; and the error
 * codes of the remote steps (no remote, a path holding nothing, a remote
 * gone, a host that does not answer, a refused push). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include "util.h"
#include "plansync/error.h"
#include "repo.h"
#include "sha1.h"
#include "plansync/store.h"

#define REF   PS_OWN_REF_PREFIX "tinh/hq"
#define TRACK PS_TRACK_REF_PREFIX "tinh/hq"

static git_repository *new_repo(const char *dir, const char *name)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	git_repository *r = NULL;
	assert_int_equal(ps_repo_init(&r, path), 0);
	assert_true(git_repository_is_bare(r));
	return r;
}

/* Commit files (sorted paths) on top of ref's commit, ref moved; the
 * commit's id into out. */
static void commit_files(git_repository *repo, const char *ref, const char *const *paths, const char *const *texts,
                         size_t n, git_oid *out)
{
	ps_objw *w = NULL;
	assert_int_equal(ps_objw_new(&w, repo, false), 0);
	ps_tree_add adds[8];
	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		adds[i].path = paths[i];
		assert_int_equal(ps_objw_add(w, &adds[i].blob, GIT_OBJECT_BLOB, texts[i], strlen(texts[i])), 0);
	}
	git_oid pid, tid;
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	if (git_reference_name_to_id(&pid, repo, ref) == 0) {
		assert_int_equal(git_commit_lookup(&parent, repo, &pid), 0);
		assert_int_equal(git_commit_tree(&base, parent), 0);
	}
	assert_int_equal(ps_repo_tree_add(&tid, repo, w, base, adds, n), 0);
	assert_int_equal(ps_objw_finish(w), 0);
	ps_objw_free(w);
	assert_int_equal(git_tree_lookup(&tree, repo, &tid), 0);
	git_signature *sig = NULL;
	assert_int_equal(git_signature_new(&sig, "test", "test@example.invalid", 1600000000, 0), 0);
	const git_commit *parents[1] = {parent};
	assert_int_equal(git_commit_create(out, repo, ref, sig, sig, NULL, "test", tree, parent ? 1 : 0, parents), 0);
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(parent);
}

static int ref_is(git_repository *repo, const char *ref, const git_oid *want)
{
	git_oid id;
	return git_reference_name_to_id(&id, repo, ref) == 0 && git_oid_equal(&id, want);
}

/* Object ids of what plansync writes itself (sha1.c, libcrypto) are the
 * ids libgit2 computes, for every type and around the block boundaries. */
static void object_ids_are_gits(void **st)
{
	static const git_object_t types[] = {GIT_OBJECT_BLOB, GIT_OBJECT_TREE, GIT_OBJECT_COMMIT, GIT_OBJECT_TAG};
	static const size_t sizes[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70000};
	unsigned char *data = malloc(70000);
	assert_non_null(data);
	for (size_t i = 0; i < 70000; i++)
		data[i] = (unsigned char)(i * 131 + 7);
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			git_oid want, got;
			unsigned char raw[20];
			assert_int_equal(git_odb_hash(&want, data, sizes[k], types[t]), 0);
			ps_sha1_object(raw, git_object_type2string(types[t]), data, sizes[k]);
			git_oid_fromraw(&got, raw);
			assert_true(git_oid_equal(&got, &want));
		}
	char hex[41];
	ps_store_blob_id(hex, "hello\n", 6);
	assert_string_equal(hex, "ce013625030ba8dba906f756967f9e9ca394464a"); /* git hash-object */
	free(data);
}

static void objects_loose_and_packed(void **st)
{
	char *dir = tmpdir_new();
	git_repository *r = new_repo(dir, "a.git");
	/* loose: the id is Git's */
	ps_objw *w = NULL;
	git_oid id, want;
	assert_int_equal(ps_objw_new(&w, r, false), 0);
	assert_int_equal(ps_objw_add(w, &id, GIT_OBJECT_BLOB, "hello\n", 6), 0);
	assert_int_equal(ps_objw_finish(w), 0);
	ps_objw_free(w);
	assert_int_equal(git_odb_hash(&want, "hello\n", 6, GIT_OBJECT_BLOB), 0);
	assert_true(git_oid_equal(&id, &want));
	/* packed: readable after the pack is finished, from a fresh open */
	git_oid ids[50];
	char text[50][32];
	assert_int_equal(ps_objw_new(&w, r, true), 0);
	for (int i = 0; i < 50; i++) {
		snprintf(text[i], sizeof(text[i]), "object number %d\n", i);
		assert_int_equal(ps_objw_add(w, &ids[i], GIT_OBJECT_BLOB, text[i], strlen(text[i])), 0);
	}
	/* an empty object and one over a stored block's 65,535 bytes */
	size_t bign = 200000;
	char *big = malloc(bign);
	assert_non_null(big);
	for (size_t i = 0; i < bign; i++)
		big[i] = (char)('a' + i % 23);
	git_oid bigid, emptyid;
	assert_int_equal(ps_objw_add(w, &bigid, GIT_OBJECT_BLOB, big, bign), 0);
	assert_int_equal(ps_objw_add(w, &emptyid, GIT_OBJECT_BLOB, "", 0), 0);
	assert_int_equal(ps_objw_finish(w), 0);
	ps_objw_free(w);
	git_repository_free(r);
	char path[700];
	snprintf(path, sizeof(path), "%s/a.git", dir);
	{ /* stock git reads the pack whole: every entry's zlib stream, CRC and id */
		char cmd[2200];
		snprintf(cmd, sizeof(cmd), "git --git-dir=%s fsck --full --strict --no-dangling 2>&1", path);
		assert_int_equal(system(cmd), 0);
		snprintf(cmd, sizeof(cmd), "git --git-dir=%s verify-pack %s/objects/pack/pack-*.idx >/dev/null", path,
		         path);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(ps_repo_open(&r, path), 0);
	git_blob *bb = NULL;
	assert_int_equal(git_blob_lookup(&bb, r, &bigid), 0);
	assert_int_equal((size_t)git_blob_rawsize(bb), bign);
	assert_memory_equal(git_blob_rawcontent(bb), big, bign);
	git_blob_free(bb);
	assert_int_equal(git_blob_lookup(&bb, r, &emptyid), 0);
	assert_int_equal((size_t)git_blob_rawsize(bb), 0);
	git_blob_free(bb);
	free(big);
	for (int i = 0; i < 50; i++) {
		git_blob *b = NULL;
		assert_int_equal(git_blob_lookup(&b, r, &ids[i]), 0);
		assert_int_equal((size_t)git_blob_rawsize(b), strlen(text[i]));
		assert_memory_equal(git_blob_rawcontent(b), text[i], strlen(text[i]));
		git_blob_free(b);
	}
	git_repository_free(r);
	/* not a repository: an error, not a crash */
	snprintf(path, sizeof(path), "%s/none.git", dir);
	assert_int_equal(ps_repo_open(&r, path), PS_ERROR);
	assert_null(r);
	tmpdir_remove(dir);
}

static int added_cb(void *ctx, const char *path, git_filemode_t mode, const git_oid *id)
{
	char *seen = ctx;
	strcat(seen, path);
	strcat(seen, ";");
	return 0;
}

static int bad_cb(void *ctx, const char *path, const char *reason)
{
	char *seen = ctx;
	strcat(seen, "BAD ");
	strcat(seen, path);
	strcat(seen, ": ");
	strcat(seen, reason);
	strcat(seen, ";");
	return 0;
}

static void trees_refs_and_diff(void **st)
{
	char *dir = tmpdir_new();
	git_repository *r = new_repo(dir, "a.git");
	const char *p1[] = {"changes/tinh/aa/bb/one.json", "plansync.json"};
	const char *t1[] = {"{\"one\":1}", "{\"format\":1}"};
	git_oid c1, c2, c3;
	commit_files(r, REF, p1, t1, 2, &c1);
	assert_true(ref_is(r, REF, &c1));
	const char *p2[] = {"changes/tinh/aa/cc/two.json"};
	const char *t2[] = {"{\"two\":2}"};
	commit_files(r, REF, p2, t2, 1, &c2);
	assert_true(ref_is(r, REF, &c2));
	git_commit *k1 = NULL, *k2 = NULL;
	git_tree *o = NULL, *n = NULL;
	assert_int_equal(git_commit_lookup(&k1, r, &c1), 0);
	assert_int_equal(git_commit_lookup(&k2, r, &c2), 0);
	assert_int_equal(git_commit_tree(&o, k1), 0);
	assert_int_equal(git_commit_tree(&n, k2), 0);
	/* the first file is still there: the tree was built on its base */
	git_tree_entry *e = NULL;
	assert_int_equal(git_tree_entry_bypath(&e, n, "changes/tinh/aa/bb/one.json"), 0);
	git_tree_entry_free(e);
	char seen[1000] = "";
	assert_int_equal(ps_repo_diff_added(r, o, n, NULL, added_cb, bad_cb, seen), 0);
	assert_string_equal(seen, "changes/tinh/aa/cc/two.json;");
	/* a file rewritten is refused, not reported as added */
	const char *t3[] = {"{\"one\":\"other\"}"};
	commit_files(r, REF, p1, t3, 1, &c3);
	git_commit *k3 = NULL;
	git_tree *m = NULL;
	assert_int_equal(git_commit_lookup(&k3, r, &c3), 0);
	assert_int_equal(git_commit_tree(&m, k3), 0);
	seen[0] = '\0';
	assert_int_equal(ps_repo_diff_added(r, n, m, NULL, added_cb, bad_cb, seen), 0);
	assert_non_null(strstr(seen, "BAD changes/tinh/aa/bb/one.json: an existing file was modified"));
	git_tree_free(o);
	git_tree_free(n);
	git_tree_free(m);
	git_commit_free(k1);
	git_commit_free(k2);
	git_commit_free(k3);
	git_repository_free(r);
	tmpdir_remove(dir);
}

static int refbad_cb(void *ctx, const char *branch, const char *hex, const char *reason)
{
	(*(int *)ctx)++;
	return 0;
}

/* A pushes to the shared repository, B fetches it; a push from a history
 * that does not descend from the remote's is refused. */
static void path_remote_push_fetch(void **st)
{
	char *dir = tmpdir_new();
	git_repository *a = new_repo(dir, "a.git"), *b = new_repo(dir, "b.git"), *shared = new_repo(dir, "shared.git");
	char url[700];
	snprintf(url, sizeof(url), "%s/shared.git", dir);
	assert_int_equal(ps_repo_set_remote(a, url), 0);
	assert_int_equal(ps_repo_set_remote(b, url), 0);
	const char *p1[] = {"plansync.json"};
	const char *t1[] = {"{\"format\":1}"};
	git_oid c1, c2, other;
	commit_files(a, REF, p1, t1, 1, &c1);
	assert_int_equal(ps_repo_push(a, NULL, REF, NULL), 0);
	assert_true(ref_is(shared, REF, &c1));
	int bad = 0;
	assert_int_equal(ps_repo_fetch(b, NULL, false, refbad_cb, &bad, NULL, NULL), 0);
	assert_int_equal(bad, 0);
	assert_true(ref_is(b, TRACK, &c1));
	git_commit *k = NULL;
	assert_int_equal(git_commit_lookup(&k, b, &c1), 0); /* the objects came too */
	git_commit_free(k);
	/* a fast-forward goes; a deep fetch brings the same */
	const char *p2[] = {"changes/tinh/aa/bb/x.json"};
	const char *t2[] = {"{}"};
	commit_files(a, REF, p2, t2, 1, &c2);
	assert_int_equal(ps_repo_push(a, NULL, REF, NULL), 0);
	assert_true(ref_is(shared, REF, &c2));
	assert_int_equal(ps_repo_fetch(b, NULL, true, refbad_cb, &bad, NULL, NULL), 0);
	assert_true(ref_is(b, TRACK, &c2));
	/* B writes the same branch from its own history: refused */
	const char *t3[] = {"{\"format\":2}"};
	commit_files(b, REF, p1, t3, 1, &other);
	assert_int_equal(ps_repo_push(b, NULL, REF, NULL), PS_EREJECTED);
	assert_true(ref_is(shared, REF, &c2));
	git_repository_free(a);
	git_repository_free(b);
	git_repository_free(shared);
	tmpdir_remove(dir);
}

static void remote_error_codes(void **st)
{
	char *dir = tmpdir_new();
	git_repository *a = new_repo(dir, "a.git");
	const char *p1[] = {"plansync.json"};
	const char *t1[] = {"{\"format\":1}"};
	git_oid c1;
	commit_files(a, REF, p1, t1, 1, &c1);
	/* no remote configured */
	assert_int_equal(ps_repo_push(a, NULL, REF, NULL), PS_ENOREMOTE);
	assert_int_equal(ps_repo_fetch(a, NULL, false, NULL, NULL, NULL, NULL), PS_ENOREMOTE);
	/* a path that holds nothing, a work tree, a plain directory */
	char url[700];
	snprintf(url, sizeof(url), "%s/missing.git", dir);
	assert_int_equal(ps_repo_set_remote(a, url), PS_ENOREMOTEPATH);
	assert_non_null(strstr(ps_error_last(), "git init --bare"));
	snprintf(url, sizeof(url), "%s", dir);
	assert_int_equal(ps_repo_set_remote(a, url), PS_EINVALID);
	/* a configured path remote gone (unmounted): not reached */
	git_repository *shared = new_repo(dir, "shared.git");
	git_repository_free(shared);
	snprintf(url, sizeof(url), "%s/shared.git", dir);
	assert_int_equal(ps_repo_set_remote(a, url), 0);
	char moved[800];
	snprintf(moved, sizeof(moved), "%s/away.git", dir);
	assert_int_equal(rename(url, moved), 0);
	assert_int_equal(ps_repo_push(a, NULL, REF, NULL), PS_EOFFLINE);
	assert_int_equal(ps_repo_fetch(a, NULL, false, NULL, NULL, NULL, NULL), PS_EOFFLINE);
	assert_non_null(strstr(ps_error_last(), "is not there"));
	/* seeding a path that holds nothing: its own code */
	const char *src[] = {REF};
	assert_int_equal(ps_repo_push_to(a, NULL, url, src, src, 1, NULL, NULL), PS_ENOREMOTEPATH);
	/* a host that does not answer (nothing listens on port 1): not
	 * reached, classified by libgit2's error class, over SSH and HTTP */
	assert_int_equal(ps_repo_set_remote(a, "ssh://git@127.0.0.1:1/srv/plan.git"), 0);
	assert_int_equal(ps_repo_fetch(a, NULL, false, NULL, NULL, NULL, NULL), PS_EOFFLINE);
	assert_non_null(strstr(ps_error_last(), "host unreachable"));
	assert_int_equal(ps_repo_push(a, NULL, REF, NULL), PS_EOFFLINE);
	assert_int_equal(ps_repo_set_remote(a, "http://127.0.0.1:1/plan.git"), 0);
	assert_int_equal(ps_repo_fetch(a, NULL, false, NULL, NULL, NULL, NULL), PS_EOFFLINE);
	assert_non_null(strstr(ps_error_last(), "host unreachable"));
	git_repository_free(a);
	tmpdir_remove(dir);
}

/* The forms a remote may take, checked before anything is stored: a typo
 * is bad input, never later "host unreachable". */
static void remote_url_forms(void **st)
{
	const char *good[] = {"/srv/plan.git",
	                      "plan.git",
	                      "file:///srv/plan.git",
	                      "ssh://git@host/srv/plan.git",
	                      "ssh://host:2222/plan.git",
	                      "git@host:plan.git",
	                      "host:plan.git",
	                      "http://host",
	                      "https://[::1]:8443/plan.git",
	                      "http://u@host/plan.git"};
	const char *bad[] = {"",
	                     "ftp://x/y",
	                     "ssh://",
	                     "ssh://host",
	                     "ssh://@host/p",
	                     "http://[::1",
	                     "http://[]/x",
	                     "http://host:x/",
	                     "http://",
	                     "file://",
	                     "@host:p",
	                     "host:",
	                     "gopher://h/p"};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		if (ps_repo_url_check(good[i]))
			fail_msg("refused %s: %s", good[i], ps_error_last());
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (ps_repo_url_check(bad[i]) != PS_EINVALID)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_non_null(strstr(ps_error_last(), bad[i][0] ? "ssh://user@host/path" : "empty"));
	}
	char *dir = tmpdir_new();
	git_repository *a = new_repo(dir, "a.git");
	assert_int_equal(ps_repo_set_remote(a, "ftp://x/y"), PS_EINVALID);
	git_remote *none = NULL;
	assert_true(git_remote_lookup(&none, a, "origin") < 0); /* nothing stored */
	const char *src[] = {REF};
	assert_int_equal(ps_repo_push_to(a, NULL, "ssh://", src, src, 1, NULL, NULL), PS_EINVALID);
	git_repository_free(a);
	tmpdir_remove(dir);
}

/* A name that does not resolve is "not reached" and says so, whatever the
 * name holds ("404" once read as a missing repository). */
static void dns_failure_not_reached(void **st)
{
	char *dir = tmpdir_new();
	git_repository *a = new_repo(dir, "a.git");
	assert_int_equal(ps_repo_set_remote(a, "https://plansync404.invalid/not-found.git"), 0);
	assert_int_equal(ps_repo_fetch(a, NULL, false, NULL, NULL, NULL, NULL), PS_EOFFLINE);
	assert_non_null(strstr(ps_error_last(), "could not be resolved"));
	assert_null(strstr(ps_error_last(), "no Git repository"));
	/* seeding queues nothing, so its failure does not say so */
	const char *src[] = {REF};
	assert_int_equal(ps_repo_push_to(a, NULL, "http://127.0.0.1:1/plan.git", src, src, 1, NULL, NULL), PS_EOFFLINE);
	assert_null(strstr(ps_error_last(), "queued"));
	git_repository_free(a);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(object_ids_are_gits),     cmocka_unit_test(objects_loose_and_packed),
	    cmocka_unit_test(trees_refs_and_diff),     cmocka_unit_test(path_remote_push_fetch),
	    cmocka_unit_test(remote_error_codes),      cmocka_unit_test(remote_url_forms),
	    cmocka_unit_test(dns_failure_not_reached),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
