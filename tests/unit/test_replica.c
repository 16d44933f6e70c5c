/* test_replica.c - creating and opening replicas, the owner rule, the one
 * write path, and a replica that cannot be written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/replica.h"
#include "plansync/store.h"
#include "plansync/text.h"

static ps_replica *mk(const char *dir, const char *office)
{
	ps_init_opts o = {.office = office, .replica = "a1", .user_name = "Người thử"};
	ps_replica *r = NULL;
	int rc = ps_replica_init(&r, dir, &o);
	if (rc)
		fail_msg("init %s: %s", dir, ps_error_last());
	return r;
}

static int count_row(void *ctx, const ps_change_row *row)
{
	(void)row;
	++*(long *)ctx;
	return 0;
}

static long changes(ps_replica *r)
{
	long n = 0;
	assert_int_equal(ps_store_change_rows(ps_replica_store(r), false, 0, count_row, &n), 0);
	return n;
}

static cJSON *fields(const char *json)
{
	cJSON *f = cJSON_Parse(json);
	assert_non_null(f);
	return f;
}

static void create_and_open(void **st)
{
	char *base = tmpdir_new(), dir[600];
	snprintf(dir, sizeof(dir), "%s/r", base);
	ps_replica *r = mk(dir, "binh-giang");
	assert_string_equal(ps_replica_office(r), "binh-giang");
	assert_string_equal(ps_replica_id(r), "binh-giang-a1");
	assert_string_equal(ps_replica_province(r), "tinh");
	assert_string_equal(ps_replica_author(r), "Người thử");
	assert_false(ps_replica_is_province(r));
	ps_replica_free(r);
	/* opened again: the same identity, no fork */
	assert_int_equal(ps_replica_open(&r, dir), 0);
	assert_string_equal(ps_replica_id(r), "binh-giang-a1");
	ps_replica_free(r);
	/* a second init there, a bad office, a missing directory, no database */
	ps_init_opts o = {.office = "binh-giang"};
	assert_int_equal(ps_replica_init(&r, dir, &o), PS_EEXISTS);
	assert_null(r);
	o.office = "Bình Giang";
	snprintf(dir, sizeof(dir), "%s/other", base);
	assert_int_equal(ps_replica_init(&r, dir, &o), PS_EINVALID);
	snprintf(dir, sizeof(dir), "%s/missing", base);
	assert_int_equal(ps_replica_open(&r, dir), PS_ENOREPLICA);
	assert_non_null(strstr(ps_error_last(), "plansync init"));
	assert_int_equal(ps_replica_open(&r, base), PS_ENOREPLICA);
	assert_non_null(strstr(ps_error_last(), "no plansync.db"));
	assert_null(r);
	tmpdir_remove(base);
}

static void owner_rule(void **st)
{
	char *base = tmpdir_new(), d1[600], d2[600];
	snprintf(d1, sizeof(d1), "%s/district", base);
	snprintf(d2, sizeof(d2), "%s/province", base);
	ps_replica *dist = mk(d1, "binh-giang"), *prov = mk(d2, "tinh");
	static const struct {
		const char *record, *fields;
		int district, province;
	} cases[] = {
	    {"progress/binh-giang/p1-t1/2024", "{\"status\":\"on_track\"}", 0, PS_ENOTOWNER},
	    {"progress/tu-ky/p1-t1/2024", "{\"status\":\"on_track\"}", PS_ENOTOWNER, PS_ENOTOWNER},
	    {"review/binh-giang/p1-t1/2024", "{\"decision\":\"accepted\"}", PS_ENOTOWNER, 0},
	    {"task/p1-t1", "{\"title\":\"x\"}", PS_ENOTOWNER, 0},
	    {"plan/header", "{\"title\":\"x\"}", PS_ENOTOWNER, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long before = changes(dist);
		assert_int_equal(
		    ps_replica_write(dist, cases[i].record, PS_OP_SET, fields(cases[i].fields), NULL, false, NULL),
		    cases[i].district);
		if (cases[i].district)
			assert_non_null(strstr(ps_error_last(), "it belongs to"));
		assert_int_equal(changes(dist), before + (cases[i].district == 0));
		before = changes(prov);
		assert_int_equal(
		    ps_replica_write(prov, cases[i].record, PS_OP_SET, fields(cases[i].fields), NULL, false, NULL),
		    cases[i].province);
		assert_int_equal(changes(prov), before + (cases[i].province == 0));
	}
	ps_replica_free(dist);
	ps_replica_free(prov);
	tmpdir_remove(base);
}

static void write_path(void **st)
{
	char *base = tmpdir_new(), dir[600];
	snprintf(dir, sizeof(dir), "%s/r", base);
	ps_replica *r = mk(dir, "binh-giang");
	const char *rec = "progress/binh-giang/p1-t1/2024";
	char *id = NULL;
	assert_int_equal(ps_replica_record_live(r, rec), 0);
	assert_int_equal(
	    ps_replica_write(r, rec, PS_OP_SET, fields("{\"status\":\"on_track\",\"percent\":10}"), NULL, false, &id),
	    0);
	assert_non_null(id);
	assert_non_null(strstr(id, "-binh-giang-a1"));
	assert_int_equal(ps_replica_record_live(r, rec), 1);
	char *v = NULL;
	assert_int_equal(ps_store_state_value(ps_replica_store(r), rec, "percent", &v), 0);
	assert_string_equal(v, "10");
	free(v);
	/* the same values again: nothing to write */
	assert_int_equal(ps_replica_write(r, rec, PS_OP_SET, fields("{\"percent\":10}"), NULL, false, NULL),
	                 PS_EEXISTS);
	assert_int_equal(changes(r), 1);
	/* a bad value, a bad id: nothing written */
	assert_int_equal(ps_replica_write(r, rec, PS_OP_SET, fields("{\"percent\":101}"), NULL, false, NULL),
	                 PS_EINVALID);
	assert_int_equal(
	    ps_replica_write(r, "progress/binh-giang/P1/2024", PS_OP_SET, fields("{\"percent\":1}"), NULL, false, NULL),
	    PS_EINVALID);
	assert_int_equal(changes(r), 1);
	/* the next write names the first as its base */
	char *id2 = NULL;
	assert_int_equal(ps_replica_write(r, rec, PS_OP_SET, fields("{\"percent\":20}"), NULL, false, &id2), 0);
	char **heads = NULL;
	size_t nh = 0;
	assert_int_equal(ps_store_heads(ps_replica_store(r), rec, &heads, &nh), 0);
	assert_int_equal(nh, 1);
	assert_string_equal(heads[0], id2);
	assert_true(strcmp(id, id2) < 0);
	ps_strv_free(heads, nh);
	/* retire, then retire again */
	assert_int_equal(ps_replica_write(r, rec, PS_OP_RETIRE, NULL, "entered twice", false, NULL), 0);
	assert_int_equal(ps_replica_record_live(r, rec), 0);
	assert_int_equal(ps_replica_write(r, rec, PS_OP_RETIRE, NULL, NULL, false, NULL), PS_EEXISTS);
	assert_int_equal(changes(r), 3);
	/* config: unknown keys refused, user.name becomes the author */
	assert_int_equal(ps_config_set(r, "colour", "red"), PS_EINVALID);
	assert_int_equal(ps_config_set(r, "sync.interval", "0"), PS_EINVALID);
	assert_int_equal(ps_config_set(r, "user.name", "Trần Văn A"), 0);
	assert_string_equal(ps_replica_author(r), "Trần Văn A");
	char *got = NULL;
	assert_int_equal(ps_config_get(r, "user.name", &got), 0);
	assert_string_equal(got, "Trần Văn A");
	free(got);
	free(id);
	free(id2);
	ps_replica_free(r);
	tmpdir_remove(base);
}

/* In a child without root's rights (root writes anything): the replica's
 * directory and database are not writable. 0 when reads work and a write
 * is refused with the read-only message. */
static int readonly_child(const char *dir)
{
	if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
		return 10;
	ps_replica *r = NULL;
	if (ps_replica_open(&r, dir) != 0)
		return 11;
	int rc = 0;
	if (!ps_store_readonly(ps_replica_store(r)))
		rc = 12;
	else if (ps_replica_record_live(r, "progress/binh-giang/p1-t1/2024") != 1)
		rc = 13;
	else if (ps_replica_write(r, "progress/binh-giang/p1-t1/2024", PS_OP_SET, cJSON_Parse("{\"percent\":5}"), NULL,
	                          false, NULL) != PS_ERROR ||
	         !strstr(ps_error_last(), "read-only"))
		rc = 14;
	ps_replica_free(r);
	return rc;
}

static void read_only(void **st)
{
	char *base = tmpdir_new(), dir[600], db[700];
	snprintf(dir, sizeof(dir), "%s/r", base);
	ps_replica *r = mk(dir, "binh-giang");
	assert_int_equal(ps_replica_write(r, "progress/binh-giang/p1-t1/2024", PS_OP_SET, fields("{\"percent\":1}"),
	                                  NULL, false, NULL),
	                 0);
	ps_replica_free(r); /* checkpoints the WAL into plansync.db */
	snprintf(db, sizeof(db), "%s/plansync.db", dir);
	assert_int_equal(chmod(base, 0755), 0);
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(chmod(db, 0444), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(readonly_child(dir));
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	chmod(dir, 0755);
	tmpdir_remove(base);
}

/* -C naming a file: said to be a file, not missing. A failed init (a
 * remote URL it cannot use, a missing path) leaves nothing, and discard
 * removes only what init made. */
static void file_dir_and_discard(void **st)
{
	char *base = tmpdir_new(), dir[600], path[700];
	snprintf(dir, sizeof(dir), "%s/r", base);
	ps_replica *r = mk(dir, "binh-giang");
	ps_replica_free(r);
	snprintf(path, sizeof(path), "%s/plansync.db", dir);
	assert_int_equal(ps_replica_open(&r, path), PS_ENOREPLICA);
	assert_non_null(strstr(ps_error_last(), "is a file"));
	assert_null(strstr(ps_error_last(), "does not exist"));
	/* a URL it cannot use: refused before the directory is made */
	ps_init_opts o = {.office = "binh-giang", .remote = "ftp://x/y"};
	snprintf(dir, sizeof(dir), "%s/bad-url", base);
	assert_int_equal(ps_replica_init(&r, dir, &o), PS_EINVALID);
	struct stat sb;
	assert_int_equal(stat(dir, &sb), -1);
	/* a missing path remote: no empty directory left behind */
	snprintf(path, sizeof(path), "%s/no-such.git", base);
	o.remote = path;
	assert_int_equal(ps_replica_init(&r, dir, &o), PS_ENOREMOTEPATH);
	assert_int_equal(stat(dir, &sb), -1);
	/* discard: what init made goes; a directory that existed with
	 * content stays with that content */
	snprintf(dir, sizeof(dir), "%s/kept", base);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	o.remote = NULL;
	assert_int_equal(ps_replica_init(&r, dir, &o), 0);
	assert_int_equal(ps_replica_discard(r, false), 0);
	assert_int_equal(stat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/plansync.db", dir);
	assert_int_equal(stat(path, &sb), -1);
	snprintf(path, sizeof(path), "%s/repo.git", dir);
	assert_int_equal(stat(path, &sb), -1);
	/* one it made goes entirely */
	snprintf(dir, sizeof(dir), "%s/made", base);
	assert_int_equal(ps_replica_init(&r, dir, &o), 0);
	assert_int_equal(ps_replica_discard(r, true), 0);
	assert_int_equal(stat(dir, &sb), -1);
	tmpdir_remove(base);
}

/* Numeric settings: one rule (no space, no '+', no leading zero), and what
 * is stored is the number. */
static void numeric_settings(void **st)
{
	char *base = tmpdir_new(), dir[600];
	snprintf(dir, sizeof(dir), "%s/r", base);
	ps_replica *r = mk(dir, "binh-giang");
	const char *bad[] = {" 5", "+9", "010", "5 ", "", "-5", "0", "86401", "5s", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (ps_config_set(r, "sync.interval", bad[i]) != PS_EINVALID)
			fail_msg("sync.interval \"%s\" accepted", bad[i]);
	assert_int_equal(ps_config_set(r, "sync.max_drift", "+60"), PS_EINVALID);
	assert_int_equal(ps_config_set(r, "sync.interval", "86400"), 0);
	char *got = NULL;
	assert_int_equal(ps_config_get(r, "sync.interval", &got), 0);
	assert_string_equal(got, "86400");
	free(got);
	long v = 7;
	assert_true(ps_number_parse("0", 0, 100, &v) && v == 0);
	assert_true(ps_number_parse("-3", -5, 5, &v) && v == -3);
	assert_false(ps_number_parse("-0", -5, 5, &v));
	assert_false(ps_number_parse("-3", 0, 5, &v));
	assert_false(ps_number_parse("00", 0, 5, &v));
	assert_int_equal(v, -3);
	ps_replica_free(r);
	tmpdir_remove(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_and_open),      cmocka_unit_test(owner_rule),
	    cmocka_unit_test(write_path),           cmocka_unit_test(read_only),
	    cmocka_unit_test(file_dir_and_discard), cmocka_unit_test(numeric_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
