/* test_identity.c - copies of a replica: the instance mark recorded at the
 * first open, a database whose mark differs (as cp -a or a restore makes
 * it) continuing under a new replica id of the same office with
 * replica.previous kept, its own changes exported again on the new branch,
 * the old local ref dropped, and the reason left as a problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <git2.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/identity.h"
#include "plansync/replica.h"
#include "plansync/store.h"
#include "plansync/sync.h"
#include "plansync/views.h"
#include "repo.h"
#include "store_sync.h"

static char *meta(ps_replica *r, const char *key)
{
	char *v = NULL;
	int rc = ps_store_meta_get(ps_replica_store(r), key, &v);
	if (rc == PS_ENOTFOUND)
		return NULL;
	assert_int_equal(rc, 0);
	return v;
}

static void meta_put(ps_replica *r, const char *key, const char *value)
{
	ps_store *s = ps_replica_store(r);
	assert_int_equal(ps_store_begin(s), 0);
	assert_int_equal(ps_store_meta_set(s, key, value), 0);
	assert_int_equal(ps_store_commit(s), 0);
}

static int has_ref(ps_replica *r, const char *id)
{
	char gitdir[700], ref[300];
	snprintf(gitdir, sizeof(gitdir), "%s/repo.git", ps_replica_dir(r));
	snprintf(ref, sizeof(ref), PS_OWN_REF_PREFIX "%s/%s", ps_replica_office(r), id);
	git_repository *repo = NULL;
	git_oid oid;
	assert_int_equal(ps_repo_open(&repo, gitdir), 0);
	int has = git_reference_name_to_id(&oid, repo, ref) == 0;
	git_repository_free(repo);
	return has;
}

static ps_replica *reopen(ps_replica *r)
{
	char dir[700];
	snprintf(dir, sizeof(dir), "%s", ps_replica_dir(r));
	ps_replica_free(r);
	assert_int_equal(ps_replica_open(&r, dir), 0);
	return r;
}

static void mark_recorded(void **st)
{
	char *dir = tmpdir_new(), db[700];
	ps_replica *r = replica_new(dir, "r", "binh-giang", "a1", NULL);
	r = reopen(r);
	char *mark = meta(r, "instance");
	assert_non_null(mark);
	struct stat sb;
	snprintf(db, sizeof(db), "%s/plansync.db", ps_replica_dir(r));
	assert_int_equal(stat(db, &sb), 0);
	char ino[40];
	snprintf(ino, sizeof(ino), "%llu", (unsigned long long)sb.st_ino);
	assert_int_equal(strncmp(mark, ino, strlen(ino)), 0);
	assert_true(mark[strlen(ino)] == ':' || mark[strlen(ino)] == '\0');
	/* the same file opened again: the same id, nothing recorded */
	r = reopen(r);
	assert_string_equal(ps_replica_id(r), "binh-giang-a1");
	assert_null(meta(r, "replica.previous"));
	/* a replica made before the mark existed: the mark is recorded, no fork */
	meta_put(r, "instance", "");
	r = reopen(r);
	assert_string_equal(ps_replica_id(r), "binh-giang-a1");
	char *again = meta(r, "instance");
	assert_string_equal(again, mark);
	ps_problems_view *pv = NULL;
	assert_int_equal(ps_view_problems(&pv, r), 0);
	assert_int_equal(pv->n, 0);
	ps_problems_view_free(pv);
	free(again);
	free(mark);
	ps_replica_free(r);
	tmpdir_remove(dir);
}

static void copy_forks(void **st)
{
	char *dir = tmpdir_new();
	ps_replica *r = replica_new(dir, "r", "tinh", "a1", NULL);
	long exported = 0, again = 0;
	assert_int_equal(ps_sync_export(r, &exported), 0);
	assert_true(exported > 0);
	assert_true(has_ref(r, "tinh-a1"));
	char *real = meta(r, "instance");
	/* cp -a gives the database another inode and birth time */
	meta_put(r, "instance", "1:2.000000000");
	r = reopen(r);
	const char *nid = ps_replica_id(r);
	assert_string_not_equal(nid, "tinh-a1");
	assert_int_equal(strncmp(nid, "tinh-", 5), 0);
	assert_int_equal(strlen(nid), 5 + 6);
	assert_string_equal(ps_replica_office(r), "tinh");
	char *prev = meta(r, "replica.previous"), *mark = meta(r, "instance");
	assert_string_equal(prev, "tinh-a1");
	assert_string_equal(mark, real); /* the mark of the file it now is */
	long long v = 0;
	assert_int_equal(ps_store_meta_get_int(ps_replica_store(r), "rebuild.pending", &v, 0), 0);
	assert_int_equal(v, 1);
	assert_int_equal(ps_store_meta_get_int(ps_replica_store(r), "repo.verify", &v, 0), 0);
	assert_int_equal(v, 1);
	/* the old branch is someone else's: its local ref is gone, the reason kept */
	assert_false(has_ref(r, "tinh-a1"));
	ps_problems_view *pv = NULL;
	assert_int_equal(ps_view_problems(&pv, r), 0);
	assert_int_equal(pv->n, 1);
	assert_string_equal(pv->v[0].branch, "replicas/tinh/tinh-a1");
	assert_non_null(strstr(pv->v[0].reason, "was copied or restored"));
	assert_non_null(strstr(pv->v[0].reason, nid));
	ps_problems_view_free(pv);
	/* every own change goes out again on the new branch */
	char hex[41];
	long long batch;
	bool found = true;
	assert_int_equal(ps_store_export_last(ps_replica_store(r), hex, &batch, &found), 0);
	assert_false(found);
	assert_int_equal(ps_sync_export(r, &again), 0);
	assert_int_equal(again, exported);
	assert_true(has_ref(r, nid));
	/* a second copy keeps the whole line of ids */
	char first[64];
	snprintf(first, sizeof(first), "%s", nid);
	meta_put(r, "instance", "3:4.000000000");
	r = reopen(r);
	assert_string_not_equal(ps_replica_id(r), first);
	char *prev2 = meta(r, "replica.previous"), want[200];
	snprintf(want, sizeof(want), "tinh-a1,%s", first);
	assert_string_equal(prev2, want);
	free(prev2);
	free(prev);
	free(mark);
	free(real);
	ps_replica_free(r);
	tmpdir_remove(dir);
}

/* Forking by hand (a branch holding commits this replica did not write). */
static void fork_direct(void **st)
{
	char *dir = tmpdir_new();
	ps_replica *r = replica_new(dir, "r", "binh-giang", "a1", NULL);
	assert_int_equal(ps_identity_fork(r, "its branch holds a commit it did not write"), 0);
	assert_string_not_equal(ps_replica_id(r), "binh-giang-a1");
	char *prev = meta(r, "replica.previous");
	assert_string_equal(prev, "binh-giang-a1");
	free(prev);
	ps_problems_view *pv = NULL;
	assert_int_equal(ps_view_problems(&pv, r), 0);
	assert_int_equal(pv->n, 1);
	assert_int_equal(
	    strncmp(pv->v[0].reason, "its branch holds a commit it did not write; this replica continues as ", 70), 0);
	ps_problems_view_free(pv);
	/* the new id is what is opened next time, with no second fork */
	char id[64];
	snprintf(id, sizeof(id), "%s", ps_replica_id(r));
	r = reopen(r);
	assert_string_equal(ps_replica_id(r), id);
	ps_replica_free(r);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mark_recorded),
	    cmocka_unit_test(copy_forks),
	    cmocka_unit_test(fork_direct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
