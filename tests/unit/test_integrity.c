/* test_integrity.c - 'plansync check [--repair]' (ps_check) and the check
 * an export runs first: a clean replica has no finding; a changed stored
 * byte, bytes and columns that disagree, a state row that differs from a
 * fresh fold and a missing Git object are each found, with the fix named;
 * repair rewrites a damaged change row from its Git object or its columns
 * and nothing else. The damage is done with SQL and by removing files. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <git2.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/integrity.h"
#include "plansync/replica.h"
#include "plansync/store.h"
#include "plansync/sync.h"
#include "plansync/views.h"
#include "repo.h"
#include "store_int.h" /* raw SQL to look inside */

static void sql(ps_replica *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sql(ps_replica *r, const char *fmt, ...)
{
	char q[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	assert_int_equal(ps_store_exec(ps_replica_store(r), q), 0);
}

/* The seq of the local change that wrote task p1-t1. */
static long long seq_of_task(ps_replica *r)
{
	sqlite3_stmt *q = NULL;
	assert_int_equal(sqlite3_prepare_v2(ps_store_db(ps_replica_store(r)),
	                                    "SELECT min(seq) FROM changes WHERE record = 'task/p1-t1'", -1, &q, NULL),
	                 0);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	long long seq = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	assert_true(seq > 0);
	return seq;
}

static ps_check_result check(ps_replica *r, bool repair)
{
	ps_check_result res;
	ps_check_opts o = {.repair = repair};
	assert_int_equal(ps_check(r, &o, &res), 0);
	return res;
}

static void assert_clean(ps_replica *r)
{
	ps_check_result res = check(r, false);
	for (size_t i = 0; i < res.n; i++)
		print_message("finding %s: %s\n", res.f[i].area, res.f[i].what);
	assert_int_equal(res.n, 0);
	assert_true(res.state_run);
	assert_true(res.state_ok);
	assert_true(res.changes > 0);
	assert_int_equal(res.repaired, 0);
	ps_check_result_release(&res);
}

static void clean_replica(void **st)
{
	char *dir = tmpdir_new();
	ps_replica *r = replica_new(dir, "r", "tinh", "a1", NULL);
	assert_clean(r);
	long exported = 0;
	assert_int_equal(ps_sync_export(r, &exported), 0);
	ps_check_result res = check(r, false);
	assert_int_equal(res.n, 0);
	assert_true(res.objects > 0); /* the branch's objects were read */
	ps_check_result_release(&res);
	long long stop = 0;
	assert_int_equal(ps_integrity_export_stop(ps_replica_store(r), 0, &stop, NULL, 0), 0);
	assert_true(stop == LLONG_MAX);
	ps_replica_free(r);
	tmpdir_remove(dir);
}

/* One byte changed: found, the export stops before it, repair re-encodes
 * it from the columns (they hash to the blob id). */
static void changed_byte(void **st)
{
	char *dir = tmpdir_new();
	ps_replica *r = replica_new(dir, "r", "tinh", "a1", NULL);
	long long seq = seq_of_task(r), stop = 0;
	sql(r,
	    "UPDATE unexported SET bytes = CAST(replace(CAST(bytes AS TEXT), 'p1-t1', 'p1-t2') AS BLOB) WHERE seq = "
	    "%lld",
	    seq);
	ps_check_result res = check(r, false);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.f[0].area, "change");
	assert_non_null(strstr(res.f[0].what, "local change "));
	assert_non_null(strstr(res.f[0].what, "do not match the blob id"));
	assert_non_null(strstr(res.f[0].fix, "check --repair"));
	assert_false(res.state_run); /* a fold over damaged rows says nothing */
	ps_check_result_release(&res);
	/* the export takes only what comes before it, and says why */
	assert_int_equal(ps_integrity_export_stop(ps_replica_store(r), 0, &stop, NULL, 0), 0);
	assert_int_equal(stop, seq);
	ps_problems_view *pv = NULL;
	assert_int_equal(ps_view_problems(&pv, r), 0);
	assert_int_equal(pv->n, 1);
	assert_non_null(strstr(pv->v[0].reason, "was not exported"));
	ps_problems_view_free(pv);
	/* repair: one row rewritten, then nothing to find */
	res = check(r, true);
	assert_int_equal(res.repaired, 1);
	assert_int_equal(res.n, 0);
	ps_check_result_release(&res);
	assert_clean(r);
	assert_int_equal(ps_integrity_export_stop(ps_replica_store(r), 0, &stop, NULL, 0), 0);
	assert_true(stop == LLONG_MAX);
	ps_replica_free(r);
	tmpdir_remove(dir);
}

/* Bytes and columns both damaged: only the Git object is an intact copy. */
static void repair_from_git(void **st)
{
	char *dir = tmpdir_new();
	ps_replica *r = replica_new(dir, "r", "tinh", "a1", NULL);
	char *before = replica_dump(r);
	long long seq = seq_of_task(r);
	/* before any export there is no copy: repair says so (the second copy
	 * of an unexported change's bytes is in unexported) */
	sql(r, "UPDATE unexported SET bytes = x'7b7d' WHERE seq = %lld", seq);
	sql(r, "UPDATE changes SET fields = '{}' WHERE seq = %lld", seq);
	ps_check_result res = check(r, true);
	assert_int_equal(res.repaired, 0);
	assert_int_equal(res.n, 1);
	assert_non_null(strstr(res.f[0].fix, "no intact copy is left here"));
	ps_check_result_release(&res);
	ps_replica_free(r);
	tmpdir_remove(dir);
	/* after an export, the blob in repo.git restores both */
	dir = tmpdir_new();
	r = replica_new(dir, "r", "tinh", "a1", NULL);
	long exported = 0;
	assert_int_equal(ps_sync_export(r, &exported), 0);
	seq = seq_of_task(r);
	sql(r, "UPDATE changes SET bytes = x'7b7d', fields = '{}' WHERE seq = %lld", seq);
	res = check(r, false);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.repaired, 0); /* without --repair nothing is written */
	ps_check_result_release(&res);
	res = check(r, true);
	assert_int_equal(res.repaired, 1);
	assert_int_equal(res.n, 0);
	ps_check_result_release(&res);
	assert_clean(r);
	char *after = replica_dump(r);
	assert_string_equal(after, before);
	free(after);
	free(before);
	ps_replica_free(r);
	tmpdir_remove(dir);
}

static void state_differs(void **st)
{
	char *dir = tmpdir_new();
	ps_replica *r = replica_new(dir, "r", "tinh", "a1", NULL);
	sql(r, "UPDATE state SET value = '\"sai\"' WHERE record = 'task/p1-t1' AND field = 'text'");
	char *v = NULL;
	assert_int_equal(ps_store_state_value(ps_replica_store(r), "task/p1-t1", "text", &v), 0);
	assert_string_equal(v, "\"sai\"");
	free(v);
	ps_check_result res = check(r, true);
	assert_true(res.state_run);
	assert_false(res.state_ok);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.f[0].area, "state");
	/* counted both ways: the stored row and the folded one */
	assert_string_equal(res.f[0].what, "2 rows of the state differ from a fold of the stored changes");
	assert_non_null(strstr(res.f[0].fix, "rebuild"));
	assert_int_equal(res.repaired, 0);
	ps_check_result_release(&res);
	/* the check's fold was rolled back: the state is as it was */
	assert_int_equal(ps_store_state_value(ps_replica_store(r), "task/p1-t1", "text", &v), 0);
	assert_string_equal(v, "\"sai\"");
	free(v);
	/* a row gone is one row */
	sql(r, "UPDATE state SET value = '\"Phục hồi\"' WHERE record = 'task/p1-t1' AND field = 'text'");
	assert_clean(r);
	sql(r, "DELETE FROM state WHERE record = 'task/p1-t1' AND field = 'text'");
	res = check(r, false);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.f[0].what, "1 rows of the state differ from a fold of the stored changes");
	ps_check_result_release(&res);
	ps_replica_free(r);
	tmpdir_remove(dir);
}

static int rm_object(const char *repodir, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1], path[900];
	git_oid_tostr(hex, sizeof(hex), id);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", repodir, hex, hex + 2);
	return unlink(path);
}

static void missing_object(void **st)
{
	char *dir = tmpdir_new(), gitdir[700];
	ps_replica *r = replica_new(dir, "r", "tinh", "a1", NULL);
	long exported = 0;
	assert_int_equal(ps_sync_export(r, &exported), 0);
	snprintf(gitdir, sizeof(gitdir), "%s/repo.git", ps_replica_dir(r));
	git_repository *repo = NULL;
	git_oid tip;
	git_commit *c = NULL;
	assert_int_equal(ps_repo_open(&repo, gitdir), 0);
	assert_int_equal(git_reference_name_to_id(&tip, repo, PS_OWN_REF_PREFIX "tinh/tinh-a1"), 0);
	assert_int_equal(git_commit_lookup(&c, repo, &tip), 0);
	git_oid tree = *git_commit_tree_id(c);
	git_commit_free(c);
	git_repository_free(repo);
	/* the root tree of the branch's tip, a loose object */
	assert_int_equal(rm_object(gitdir, &tree), 0);
	ps_check_result res = check(r, true);
	assert_true(res.n >= 1);
	assert_string_equal(res.f[0].area, "git");
	assert_non_null(strstr(res.f[0].what, "Git tree "));
	assert_non_null(strstr(res.f[0].what, "cannot be read"));
	assert_non_null(strstr(res.f[0].fix, "fetch --refetch origin"));
	assert_int_equal(res.repaired, 0);
	ps_check_result_release(&res);
	/* the tip commit itself: the exports table names a commit not there */
	assert_int_equal(rm_object(gitdir, &tip), 0);
	res = check(r, false);
	bool branch = false;
	for (size_t i = 0; i < res.n; i++)
		if (strcmp(res.f[i].area, "branch") == 0) {
			branch = true;
			assert_non_null(strstr(res.f[i].what, "is not in repo.git"));
		}
	assert_true(branch);
	ps_check_result_release(&res);
	ps_replica_free(r);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(clean_replica), cmocka_unit_test(changed_byte),   cmocka_unit_test(repair_from_git),
	    cmocka_unit_test(state_differs), cmocka_unit_test(missing_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
