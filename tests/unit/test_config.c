/* test_config.c - a replica's settings: every documented key is accepted
 * and read back as stored, a refused value leaves the old one, and each
 * bad value is refused with the code and the words a person needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/replica.h"
#include "repo.h"

static void expect(ps_replica *r, const char *key, const char *want)
{
	char *v = NULL;
	assert_int_equal(ps_config_get(r, key, &v), 0);
	assert_string_equal(v, want);
	free(v);
}

/* set refused with code, the stored value unchanged, the message naming why */
static void refused(ps_replica *r, const char *key, const char *value, int code, const char *words)
{
	char *before = NULL, *after = NULL;
	int had = ps_config_get(r, key, &before);
	assert_int_equal(ps_config_set(r, key, value), code);
	if (words && !strstr(ps_error_last(), words))
		fail_msg("%s=%s: \"%s\" lacks \"%s\"", key, value, ps_error_last(), words);
	assert_int_equal(ps_config_get(r, key, &after), had);
	if (!had)
		assert_string_equal(after, before);
	free(before);
	free(after);
}

static void every_key(void **st)
{
	char *dir = tmpdir_new(), remote[700];
	ps_replica *r = replica_new(dir, "r", "binh-giang", "a1", NULL);
	git_repository *bare = NULL;
	snprintf(remote, sizeof(remote), "%s/shared.git", dir);
	assert_int_equal(git_repository_init(&bare, remote, 1), 0);
	git_repository_free(bare);
	const char *fp = "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
	assert_int_equal(strlen(fp), 50);
	char ca[700];
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	FILE *caf = fopen(ca, "w");
	assert_non_null(caf);
	fputs("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", caf);
	fclose(caf);
	const char *const kv[][2] = {
	    {"user.name", "Nguyễn Văn A"},
	    {"remote", remote},
	    {"sync.max_drift", "600"},
	    {"sync.interval", "60"},
	    {"ssh.key", "/k/id_ed25519"},
	    {"ssh.fingerprint", fp},
	    {"ssh.known_hosts", "/k/known"},
	    {"http.credential_helper", "store"},
	    {"http.ca_file", ca},
	};
	size_t n = sizeof(kv) / sizeof(*kv), keys = 0;
	for (const char *const *k = ps_config_keys; *k; k++)
		keys++;
	assert_int_equal(keys, n); /* every documented key is tried here */
	for (size_t i = 0; i < n; i++) {
		if (ps_config_set(r, kv[i][0], kv[i][1]))
			fail_msg("%s=%s: %s", kv[i][0], kv[i][1], ps_error_last());
		expect(r, kv[i][0], kv[i][1]);
	}
	/* user.name is the author of later writes at once */
	assert_string_equal(ps_replica_author(r), "Nguyễn Văn A");
	/* the remote is origin in repo.git too */
	char gitdir[700];
	snprintf(gitdir, sizeof(gitdir), "%s/r/repo.git", dir);
	git_repository *repo = NULL;
	git_remote *origin = NULL;
	assert_int_equal(ps_repo_open(&repo, gitdir), 0);
	assert_int_equal(git_remote_lookup(&origin, repo, "origin"), 0);
	assert_string_equal(git_remote_url(origin), remote);
	git_remote_free(origin);
	git_repository_free(repo);
	/* the bounds themselves are accepted */
	assert_int_equal(ps_config_set(r, "sync.interval", "86400"), 0);
	assert_int_equal(ps_config_set(r, "sync.max_drift", "31536000"), 0);
	assert_int_equal(ps_config_set(r, "sync.interval", "1"), 0);
	/* settings survive a reopen */
	ps_replica_free(r);
	snprintf(gitdir, sizeof(gitdir), "%s/r", dir);
	assert_int_equal(ps_replica_open(&r, gitdir), 0);
	expect(r, "sync.interval", "1");
	expect(r, "ssh.fingerprint", fp);
	assert_string_equal(ps_replica_author(r), "Nguyễn Văn A");
	ps_replica_free(r);
	tmpdir_remove(dir);
}

static void bad_values(void **st)
{
	char *dir = tmpdir_new(), path[700];
	ps_replica *r = replica_new(dir, "r", "binh-giang", "a1", NULL);
	char *v = (char *)"x";
	/* unknown keys, both ways; the message lists the known ones */
	assert_int_equal(ps_config_get(r, "sync.intervall", &v), PS_EINVALID);
	assert_null(v);
	assert_non_null(strstr(ps_error_last(), "unknown setting \"sync.intervall\""));
	assert_non_null(strstr(ps_error_last(), "http.credential_helper"));
	assert_int_equal(ps_config_set(r, "bogus", "1"), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "unknown setting \"bogus\""));
	/* a known key never set */
	assert_int_equal(ps_config_get(r, "ssh.key", &v), PS_ENOTFOUND);
	/* numbers: canonical, in range */
	assert_int_equal(ps_config_set(r, "sync.interval", "300"), 0);
	const char *bad_num[] = {"0", "-5", "86401", "60s", "+60", "060", " 60", "1e3", "", "0x10"};
	for (size_t i = 0; i < sizeof(bad_num) / sizeof(*bad_num); i++)
		refused(r, "sync.interval", bad_num[i], PS_EINVALID,
		        bad_num[i][0] ? "a number of seconds (1 to 86400)" : NULL);
	expect(r, "sync.interval", "300");
	refused(r, "sync.max_drift", "31536001", PS_EINVALID, "sync.max_drift is a number of seconds (1 to 31536000)");
	/* a fingerprint as ssh shows it, or nothing */
	refused(r, "ssh.fingerprint", "MD5:aa:bb", PS_EINVALID, "SHA256: and 43 characters");
	refused(r, "ssh.fingerprint", "SHA256:short", PS_EINVALID, "SHA256: and 43 characters");
	refused(r, "ssh.fingerprint", "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR", PS_EINVALID,
	        "SHA256: and 43 characters");
	/* control characters, a newline, an author no reader takes */
	refused(r, "ssh.key", "/k/a\nb", PS_EINVALID, NULL);
	refused(r, "user.name", "Tên\x01", PS_EINVALID, NULL);
	refused(r, "user.name", "", PS_EINVALID, NULL);
	assert_string_equal(ps_replica_author(r), "Cán bộ binh-giang");
	/* a remote that is no repository, and one that is no URL */
	snprintf(path, sizeof(path), "%s/nothing-here", dir);
	refused(r, "remote", path, PS_ENOREMOTEPATH, NULL);
	refused(r, "remote", "ftp://example.invalid/x.git", PS_EINVALID, NULL);
	/* http.ca_file: a file with a PEM certificate; nothing else is kept */
	refused(r, "http.ca_file", path, PS_EINVALID, "is not a file");
	refused(r, "http.ca_file", dir, PS_EINVALID, "is not a file");
	snprintf(path, sizeof(path), "%s/not-pem.der", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("0\x82\x01 binary", f);
	fclose(f);
	refused(r, "http.ca_file", path, PS_EINVALID, "no certificate in PEM form");
	assert_int_equal(ps_config_get(r, "http.ca_file", &v), PS_ENOTFOUND);
	ps_replica_free(r);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_key),
	    cmocka_unit_test(bad_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
