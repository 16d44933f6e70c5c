/* test_server_conf.c - gitolite's rules from the key registry: one RW rule
 * per enrolled, not revoked key, anchored on its own branch, no RW+ for
 * the repository, a deny for everything else, key files that are the
 * replicas' own key.pub, stale files removed, and the refusals. (The rules
 * against a real gitolite: tests/e2e/test_gitolite.sh.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/keys.h"
#include "plansync/server_conf.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 65536);
	size_t n = buf ? fread(buf, 1, 65535, f) : 0;
	(void)n;
	fclose(f);
	return buf;
}

/* The first two fields of a key.pub line ("ssh-ed25519 AAAA..."). */
static void key_of(char *out, size_t n, const char *line)
{
	const char *sp = strchr(line, ' ');
	sp = sp ? strchr(sp + 1, ' ') : NULL;
	size_t len = sp ? (size_t)(sp - line) : strcspn(line, "\n");
	snprintf(out, n, "%.*s", (int)len, line);
}

static void rules(void **st)
{
	char *dir = tmpdir_new(), out[700], path[900], want[200], got[200];
	ps_replica *p = replica_new(dir, "tinh", "tinh", "hq", NULL);
	ps_replica *d = replica_new(dir, "d", "binh-giang", "a1", NULL);
	ps_keydone done;
	assert_int_equal(ps_keys_enrol_root(p), 0);
	snprintf(path, sizeof(path), "%s/d/key.pub", dir);
	char *dpub = slurp(path);
	assert_non_null(dpub);
	dpub[strcspn(dpub, "\n")] = '\0';
	assert_int_equal(ps_keys_approve(&done, p, "binh-giang-a1", NULL, dpub), 0);

	snprintf(out, sizeof(out), "%s/rules", dir);
	ps_server_result res;
	assert_int_equal(ps_server_gitolite(&res, p, out, "plansync", "admin"), 0);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.written, 2);
	ps_server_result_release(&res);
	char *conf = slurp(strcat(strcpy(path, out), "/conf/gitolite.conf"));
	assert_non_null(conf);
	const char *bg = strstr(conf, "RW      refs/heads/replicas/binh-giang/binh-giang-a1$   =   binh-giang-a1\n");
	const char *th = strstr(conf, "RW      refs/heads/replicas/tinh/tinh-hq$   =   tinh-hq\n");
	const char *deny = strstr(conf, "-       refs/   =   @all\n");
	const char *repo = strstr(conf, "repo plansync\n");
	assert_non_null(bg);
	assert_non_null(th);
	assert_non_null(deny);
	assert_non_null(repo);
	assert_true(repo < bg && repo < th && bg < deny && th < deny); /* the deny comes last */
	assert_non_null(strstr(conf, "@plansync = binh-giang-a1 tinh-hq\n"));
	/* RW+ only for gitolite-admin, which comes before the repository */
	const char *plus = strstr(conf, "\n    RW+");
	assert_non_null(plus);
	assert_true(plus < repo);
	assert_null(strstr(plus + 3, "\n    RW+"));
	assert_null(strstr(repo, "RW+"));
	free(conf);
	/* the key file is the replica's own key.pub */
	snprintf(path, sizeof(path), "%s/keydir/plansync/binh-giang-a1.pub", out);
	char *kf = slurp(path);
	assert_non_null(kf);
	key_of(want, sizeof(want), dpub);
	key_of(got, sizeof(got), kf);
	assert_string_equal(got, want);
	assert_non_null(strstr(kf, " binh-giang-a1\n"));
	free(kf);

	/* revoked: its file goes, with a stale one of an earlier run */
	snprintf(path, sizeof(path), "%s/keydir/plansync/old-x1.pub", out);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(ps_keys_revoke(&done, p, "binh-giang-a1"), 0);
	assert_int_equal(ps_server_gitolite(&res, p, out, "plansync", "admin"), 0);
	assert_int_equal(res.written, 1);
	assert_int_equal(res.removed, 2);
	assert_non_null(res.keys[0].skipped); /* binh-giang-a1 sorts first */
	ps_server_result_release(&res);
	struct stat sb;
	snprintf(path, sizeof(path), "%s/keydir/plansync/binh-giang-a1.pub", out);
	assert_int_not_equal(stat(path, &sb), 0);
	conf = slurp(strcat(strcpy(path, out), "/conf/gitolite.conf"));
	assert_null(strstr(conf, "binh-giang-a1$"));
	free(conf);

	/* refusals: no enrolled key, --out a file, bad names */
	assert_int_equal(ps_server_gitolite(&res, d, out, "plansync", "admin"), PS_ENOTFOUND);
	assert_non_null(strstr(ps_error_last(), "plansync keys approve"));
	snprintf(path, sizeof(path), "%s/d/key.pub", dir);
	assert_int_equal(ps_server_gitolite(&res, p, path, "plansync", "admin"), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "is a file, not a directory"));
	assert_int_equal(ps_server_gitolite(&res, p, out, "x/../y", "admin"), PS_EINVALID);
	assert_int_equal(ps_server_gitolite(&res, p, out, "plansync.git", "admin"), PS_EINVALID);
	assert_int_equal(ps_server_gitolite(&res, p, out, "plansync", "ad min"), PS_EINVALID);
	assert_int_equal(ps_server_gitolite(&res, p, out, "plansync", "@all"), PS_EINVALID);
	free(dpub);
	ps_replica_free(d);
	ps_replica_free(p);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
