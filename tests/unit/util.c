/* util.c - test helpers: temporary directories, stores, small replicas. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "plansync/ops.h"
#include "plansync/keys.h"
#include "plansync/error.h"

char *tmpdir_new(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[512];
	snprintf(tmpl, sizeof(tmpl), "%s/plansync-test-XXXXXX", base && *base ? base : "/tmp");
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

void tmpdir_remove(char *dir)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

ps_store *store_new(const char *dir, const char *name)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ps_store *s = NULL;
	assert_int_equal(ps_store_open(&s, path, PS_STORE_CREATE), 0);
	return s;
}

uint32_t rnd(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*state >> 33);
}

const char test_plan[] =
    "{\"format\": \"plansync-plan/1\", \"plan\": {\"title\": \"Kế hoạch thử\"}, \"province\": \"tinh\",\n"
    " \"offices\": [{\"id\": \"tinh\", \"name\": \"Tỉnh\", \"kind\": \"province\", \"parent\": null},\n"
    "             {\"id\": \"binh-giang\", \"name\": \"Huyện Bình Giang\", \"kind\": \"district\", \"parent\": "
    "\"tinh\"}],\n"
    " \"programs\": [{\"id\": \"p1\", \"number\": 1, \"title\": \"Kinh tế\"}, {\"id\": \"p2\", \"number\": 2, "
    "\"title\": \"Nông thôn\"}],\n"
    " \"tasks\": [{\"id\": \"p1-t1\", \"program\": \"p1\", \"text\": \"Phục hồi\"},\n"
    "           {\"id\": \"p2-t7\", \"program\": \"p2\", \"text\": \"Nông thôn mới\"}],\n"
    " \"periods\": [{\"id\": \"2021\", \"kind\": \"year\"}, {\"id\": \"2021-q1\", \"kind\": \"quarter\"},\n"
    "             {\"id\": \"2022\", \"kind\": \"year\"}, {\"id\": \"2023\", \"kind\": \"year\"},\n"
    "             {\"id\": \"2024\", \"kind\": \"year\"}, {\"id\": \"2025\", \"kind\": \"year\"}]}\n";

ps_replica *replica_new(const char *dir, const char *name, const char *office, const char *suffix, const char *remote)
{
	char path[700], user[200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(user, sizeof(user), "Cán bộ %s", office);
	ps_init_opts o = {.office = office, .replica = suffix, .remote = remote, .user_name = user};
	ps_replica *r = NULL;
	assert_int_equal(ps_replica_init(&r, path, &o), 0);
	if (ps_replica_is_province(r)) {
		ps_plan_stats st;
		assert_int_equal(ps_plan_import(r, test_plan, strlen(test_plan), &st), 0);
	}
	return r;
}

void trust_root(ps_replica *p)
{
	if (ps_keys_enrol_root(p))
		fail_msg("enrol root: %s", ps_error_last());
}

void trust_enrol(ps_replica *p, ps_replica *d)
{
	char fpr[72], path[800], pub[400] = "";
	assert_int_equal(ps_keys_pin_get(p, fpr), 0);
	assert_int_equal(ps_keys_pin_set(d, fpr), 0);
	snprintf(path, sizeof(path), "%s/key.pub", ps_replica_dir(d));
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(pub, sizeof(pub), f));
	fclose(f);
	ps_keydone done;
	if (ps_keys_approve(&done, p, ps_replica_id(d), NULL, pub))
		fail_msg("enrol %s: %s", ps_replica_id(d), ps_error_last());
}

char *replica_dump(ps_replica *r)
{
	char *d = NULL;
	assert_int_equal(ps_dump(r, &d), 0);
	return d;
}
