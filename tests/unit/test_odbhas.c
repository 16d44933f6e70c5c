/* test_odbhas.c - whether a repository has an object (odbhas.c, which
 * searches the pack indexes itself and lists loose objects a directory at
 * a time), checked against stock git: every object `git cat-file
 * --batch-all-objects` lists is there, packed or loose; ids git does not
 * have are not; an index whose pack is gone holds nothing; objects behind
 * objects/info/alternates are found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <git2.h>
#include "util.h"
#include "odbhas.h"

/* A shell command; $D is the test's directory. */
static void sh(const char *cmd)
{
	assert_int_equal(system(cmd), 0);
}

/* Every id git lists for repo: each must be there. Returns how many. */
static size_t check_all_listed(ps_odbhas *h, const char *repo)
{
	char cmd[1024], line[128];
	snprintf(cmd, sizeof(cmd), "git --git-dir=%s cat-file --batch-all-objects --batch-check='%%(objectname)'",
	         repo);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		git_oid id;
		line[strcspn(line, "\n")] = '\0';
		assert_int_equal(git_oid_fromstr(&id, line), 0);
		if (ps_odbhas_has(h, &id) != 1)
			fail_msg("%s: git has %s, odbhas says no", repo, line);
		n++;
	}
	assert_int_equal(pclose(f), 0);
	return n;
}

static void packed_loose_absent(void **state)
{
	(void)state;
	char *dir = tmpdir_new(), path[1024];
	setenv("D", dir, 1);
	/* 300 blobs packed by fast-import, 3 more loose */
	sh("git init -q --bare $D/r.git && cd $D && for i in $(seq 1 300); do printf 'blob\\ndata <<E\\nx%d\\nE\\n' "
	   "$i; done "
	   "| git --git-dir=$D/r.git fast-import --quiet && for i in a b c; do echo loose-$i | git --git-dir=$D/r.git "
	   "hash-object -w --stdin >/dev/null; done");
	sh("echo x7 | git --git-dir=$D/r.git hash-object -w --stdin >/dev/null; git init -q --bare $D/other.git && "
	   "echo "
	   "only-other | git --git-dir=$D/other.git hash-object -w --stdin > $D/other.id");
	snprintf(path, sizeof(path), "%s/r.git", dir);
	git_repository *repo = NULL;
	ps_odbhas *h = NULL;
	assert_int_equal(git_repository_open(&repo, path), 0);
	assert_int_equal(ps_odbhas_new(&h, repo), 0);
	assert_int_equal(check_all_listed(h, path), 303); /* git writes no loose x7: it is packed */
	/* not there: an id of another repository, a made-up id */
	char line[64];
	snprintf(path, sizeof(path), "%s/other.id", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	git_oid id;
	assert_int_equal(git_oid_fromstr(&id, line), 0);
	assert_int_equal(ps_odbhas_has(h, &id), 0);
	assert_int_equal(git_oid_fromstr(&id, "00000000000000000000000000000000000000ff"), 0);
	assert_int_equal(ps_odbhas_has(h, &id), 0);
	assert_int_equal(git_oid_fromstr(&id, "ffffffffffffffffffffffffffffffffffffffff"), 0);
	assert_int_equal(ps_odbhas_has(h, &id), 0);
	ps_odbhas_free(h);
	h = NULL;
	/* an index whose pack is gone: git finds none of its objects, nor do we */
	sh("cd $D/r.git/objects/pack && for p in pack-*.pack; do mv $p $p.away; done; cd $D && test \"$(echo x1 | git "
	   "--git-dir=$D/r.git hash-object --stdin | git --git-dir=$D/r.git cat-file --batch-check | grep -c "
	   "missing)\" = 1");
	assert_int_equal(ps_odbhas_new(&h, repo), 0);
	snprintf(path, sizeof(path), "%s/r.git", dir);
	assert_int_equal(check_all_listed(h, path), 3); /* the loose ones only */
	git_oid x1;
	assert_int_equal(git_odb_hash(&x1, "x1\n", 3, GIT_OBJECT_BLOB), 0);
	assert_int_equal(ps_odbhas_has(h, &x1), 0);
	ps_odbhas_free(h);
	h = NULL;
	/* alternates: the other repository's object is found, as git finds it */
	sh("cd $D/r.git/objects/pack && for p in *.away; do mv $p ${p%.away}; done; echo $D/other.git/objects > "
	   "$D/r.git/objects/info/alternates; git --git-dir=$D/r.git cat-file -e $(cat $D/other.id)");
	assert_int_equal(ps_odbhas_new(&h, repo), 0);
	assert_int_equal(git_oid_fromstr(&id, line), 0);
	assert_int_equal(ps_odbhas_has(h, &id), 1);
	snprintf(path, sizeof(path), "%s/r.git", dir);
	assert_int_equal(check_all_listed(h, path), 304);
	ps_odbhas_free(h);
	git_repository_free(repo);
	tmpdir_remove(dir);
}

int main(void)
{
	git_libgit2_init();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(packed_loose_absent),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return rc;
}
