/* test_fold.c - the state is a pure function of the set of changes:
 * order-independent, idempotent, conflicts found through the base chain
 * and cleared by a change whose base covers them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "plansync/change.h"
#include "plansync/fold.h"
#include "plansync/json.h"
#include "plansync/error.h"
#include "store_int.h" /* raw SQL to look inside */

typedef struct spec {
	const char *replica;
	unsigned hlc;
	const char *record;
	const char *fields; /* JSON, NULL for retire */
	int base[4];        /* indexes into the same array, -1 ends */
} spec;

static char ids[64][PS_CHANGE_ID_MAX + 1];

static ps_change *make(const spec *sp, int i)
{
	const char *base[4];
	size_t nb = 0;
	for (int k = 0; k < 4 && sp[i].base[k] >= 0; k++)
		base[nb++] = ids[sp[i].base[k]];
	ps_change *c = NULL;
	char office[64];
	snprintf(office, sizeof(office), "%s", sp[i].replica);
	*strrchr(office, '-') = '\0';
	assert_int_equal(ps_change_new(&c, office, sp[i].replica, "t", PS_HLC_MAKE(sp[i].hlc, 0), sp[i].record,
	                               sp[i].fields ? PS_OP_SET : PS_OP_RETIRE, base, nb,
	                               sp[i].fields ? cJSON_Parse(sp[i].fields) : NULL, NULL),
	                 0);
	snprintf(ids[i], sizeof(ids[i]), "%s", c->id);
	return c;
}

static int insert(ps_store *s, ps_change *c)
{
	char *b = NULL;
	size_t n;
	assert_int_equal(ps_change_encode(&b, &n, c), 0);
	assert_int_equal(ps_store_begin(s), 0);
	/* the incremental path where it applies, the full fold otherwise */
	int rc = ps_fold_insert(s, c, b, n, false, NULL, false, NULL);
	assert_int_equal(ps_store_commit(s), 0);
	free(b);
	return rc;
}

static char *snapshot(ps_store *s)
{
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(
	        ps_store_db(s),
	        "SELECT coalesce((SELECT group_concat(x, ';') FROM (SELECT record||'|'||field||'|'||value||'|'||change "
	        "AS x FROM state ORDER BY record, field)), '') "
	        "|| '#' || coalesce((SELECT group_concat(x, ';') FROM (SELECT record||'|'||field||'|'||changes AS x "
	        "FROM conflicts ORDER BY record, field)), '') "
	        "|| '#' || coalesce((SELECT group_concat(x, ';') FROM (SELECT "
	        "id||'|'||retired||'|'||changes||'|'||last AS x FROM records ORDER BY id)), '')",
	        -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char *r = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return r;
}

static long conflicts(ps_store *s)
{
	sqlite3_stmt *st;
	sqlite3_prepare_v2(ps_store_db(s), "SELECT count(*) FROM conflicts", -1, &st, NULL);
	sqlite3_step(st);
	long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

#define R "progress/x/p1-t1/2021"
static const spec scenario[] = {
    {"x-a", 1, R, "{\"status\":\"on_track\",\"percent\":10}", {-1}},
    {"x-b", 2, R, "{\"status\":\"delayed\"}", {0, -1}},
    {"x-a", 3, R, "{\"status\":\"done\"}", {0, -1}},    /* concurrent with 1 */
    {"x-b", 4, R, "{\"percent\":50}", {1, -1}},         /* concurrent with 2, other field */
    {"x-a", 5, R, "{\"status\":\"done\"}", {2, 3, -1}}, /* resolves the status conflict */
};

static void conflict_found_and_resolved(void **st)
{
	char *dir = tmpdir_new();
	ps_store *s = store_new(dir, "c.db");
	ps_change *c[5];
	for (int i = 0; i < 5; i++)
		c[i] = make(scenario, i);
	for (int i = 0; i < 4; i++)
		assert_int_equal(insert(s, c[i]), 0);
	char *snap = snapshot(s);
	/* status: the later id wins everywhere, and the conflict is listed */
	assert_non_null(strstr(snap, R "|status|\"done\"|"));
	assert_non_null(strstr(snap, R "|percent|50|"));
	assert_int_equal(conflicts(s), 1);
	assert_non_null(strstr(snap, "#" R "|status|[\""));
	free(snap);
	/* importing again changes nothing */
	char *before = snapshot(s);
	assert_int_equal(insert(s, c[1]), PS_EEXISTS);
	assert_int_equal(ps_store_begin(s), 0);
	assert_int_equal(ps_fold_record(s, R), 0);
	assert_int_equal(ps_store_commit(s), 0);
	char *after = snapshot(s);
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* a change whose base names both clears it */
	assert_int_equal(insert(s, c[4]), 0);
	assert_int_equal(conflicts(s), 0);
	for (int i = 0; i < 5; i++)
		ps_change_free(c[i]);
	ps_store_free(s);
	tmpdir_remove(dir);
}

static void same_value_is_no_conflict(void **st)
{
	static const spec sp[] = {
	    {"x-a", 1, R, "{\"status\":\"on_track\"}", {-1}},
	    {"x-b", 2, R, "{\"status\":\"done\"}", {0, -1}},
	    {"x-a", 3, R, "{\"status\":\"done\"}", {0, -1}},
	};
	char *dir = tmpdir_new();
	ps_store *s = store_new(dir, "c.db");
	for (int i = 0; i < 3; i++) {
		ps_change *c = make(sp, i);
		assert_int_equal(insert(s, c), 0);
		ps_change_free(c);
	}
	assert_int_equal(conflicts(s), 0);
	ps_store_free(s);
	tmpdir_remove(dir);
}

/* Many random histories, each inserted in many random orders. */
static void order_independent(void **st)
{
	char *dir = tmpdir_new();
	uint64_t seed = 42;
	static const char *recs[] = {"progress/x/p1-t1/2021", "progress/x/p1-t2/2021", "task/p1-t1"};
	static const char *reps[] = {"x-a", "x-b", "x-c"};
	static const char *vals[] = {"on_track", "delayed", "done", "at_risk"};
	/* rounds 8-13: some clocks far ahead (later writes name them in their
	 * base with a smaller clock of their own); rounds 12-13 also name later
	 * changes (cycles, as only a hostile writer makes them) */
	for (int round = 0; round < 14; round++) {
		enum { N = 30 };
		spec sp[N];
		char fbuf[N][96];
		for (int i = 0; i < N; i++) {
			int rec = (int)(rnd(&seed) % 3);
			sp[i].replica = reps[rnd(&seed) % 3];
			sp[i].hlc = (unsigned)(i + 1);
			if (round >= 8 && rnd(&seed) % 5 == 0)
				sp[i].hlc = 100000u + (unsigned)i;
			sp[i].record = recs[rec];
			if (rnd(&seed) % 10 == 0 && i > 0) {
				sp[i].fields = NULL;
			} else {
				if (rnd(&seed) % 2)
					snprintf(fbuf[i], sizeof(fbuf[i]), "{\"status\":\"%s\"}", vals[rnd(&seed) % 4]);
				else
					snprintf(fbuf[i], sizeof(fbuf[i]), "{\"status\":\"%s\",\"percent\":%u}",
					         vals[rnd(&seed) % 4], rnd(&seed) % 101);
				sp[i].fields = fbuf[i];
			}
			/* base: a random subset of up to 3 earlier changes of the same record */
			int nb = 0;
			for (int j = i - 1; j >= 0 && nb < 3; j--)
				if (sp[j].record == sp[i].record && rnd(&seed) % 2)
					sp[i].base[nb++] = j;
			if (round >= 12 && nb < 3 && i + 1 < N && rnd(&seed) % 4 == 0)
				sp[i].base[nb++] = i + 1 + (int)(rnd(&seed) % (unsigned)(N - i - 1));
			sp[i].base[nb] = -1;
		}
		for (int i = 0; i < N; i++)
			ps_change_make_id(ids[i], sizeof(ids[i]), PS_HLC_MAKE(sp[i].hlc, 0), sp[i].replica);
		ps_change *c[N];
		for (int i = 0; i < N; i++)
			c[i] = make(sp, i);
		char *ref = NULL;
		for (int perm = 0; perm < 12; perm++) {
			int order[N];
			for (int i = 0; i < N; i++)
				order[i] = i;
			for (int i = N - 1; i > 0 && perm; i--) {
				int j = (int)(rnd(&seed) % (unsigned)(i + 1));
				int t = order[i];
				order[i] = order[j];
				order[j] = t;
			}
			char name[32];
			snprintf(name, sizeof(name), "r%d-p%d.db", round, perm);
			ps_store *s = store_new(dir, name);
			for (int i = 0; i < N; i++)
				assert_int_equal(insert(s, c[order[i]]), 0);
			for (int i = 0; i < N / 3; i++) /* duplicates change nothing */
				assert_int_equal(insert(s, c[order[i]]), PS_EEXISTS);
			char *snap = snapshot(s);
			/* incremental state == state folded from scratch */
			assert_int_equal(ps_store_begin(s), 0);
			assert_int_equal(ps_fold_all(s, NULL, NULL), 0);
			assert_int_equal(ps_store_commit(s), 0);
			char *full = snapshot(s);
			assert_string_equal(snap, full);
			free(full);
			if (!ref)
				ref = snap;
			else {
				assert_string_equal(ref, snap);
				free(snap);
			}
			ps_store_free(s);
		}
		free(ref);
		for (int i = 0; i < N; i++)
			ps_change_free(c[i]);
	}
	tmpdir_remove(dir);
}

/* A write over a change stamped in the future (its own clock is bounded,
 * so smaller) still wins, in either order of arrival, with no conflict;
 * a write concurrent with the future one loses to it by clock as usual. */
static void base_beats_clock(void **st)
{
	static const spec sp[] = {
	    {"x-a", 1, R, "{\"status\":\"on_track\",\"percent\":10}", {-1}},
	    {"x-a", 900000, R, "{\"status\":\"at_risk\",\"note\":\"future\"}", {0, -1}},
	    {"x-a", 5, R, "{\"status\":\"done\"}", {1, -1}},
	    {"x-b", 6, R, "{\"percent\":20}", {0, -1}},
	};
	for (int i = 0; i < 4; i++)
		ps_change_make_id(ids[i], sizeof(ids[i]), PS_HLC_MAKE(sp[i].hlc, 0), sp[i].replica);
	static const int orders[][4] = {{0, 1, 2, 3}, {0, 2, 3, 1}, {2, 3, 1, 0}, {3, 2, 0, 1}};
	char *dir = tmpdir_new();
	char *ref = NULL;
	for (int o = 0; o < 4; o++) {
		char name[16];
		snprintf(name, sizeof(name), "b%d.db", o);
		ps_store *s = store_new(dir, name);
		for (int i = 0; i < 4; i++) {
			ps_change *c = make(sp, orders[o][i]);
			assert_int_equal(insert(s, c), 0);
			ps_change_free(c);
		}
		char *snap = snapshot(s);
		assert_non_null(strstr(snap, R "|status|\"done\"|"));
		assert_non_null(strstr(snap, R "|note|\"future\"|"));
		assert_non_null(strstr(snap, R "|percent|20|")); /* descends from 0, concurrent with the rest */
		assert_int_equal(conflicts(s), 0);
		assert_int_equal(ps_store_begin(s), 0);
		assert_int_equal(ps_fold_all(s, NULL, NULL), 0);
		assert_int_equal(ps_store_commit(s), 0);
		char *full = snapshot(s);
		assert_string_equal(snap, full);
		free(full);
		if (!ref)
			ref = snap;
		else {
			assert_string_equal(ref, snap);
			free(snap);
		}
		ps_store_free(s);
	}
	free(ref);
	tmpdir_remove(dir);
}

static void retire_then_set(void **st)
{
	static const spec sp[] = {
	    {"tinh-a", 1, "task/p1-t1", "{\"text\":\"a\"}", {-1}},
	    {"tinh-a", 2, "task/p1-t1", NULL, {0, -1}},
	    {"tinh-a", 3, "task/p1-t1", "{\"text\":\"b\"}", {1, -1}},
	};
	char *dir = tmpdir_new();
	ps_store *s = store_new(dir, "c.db");
	for (int i = 0; i < 3; i++) {
		ps_change *c = make(sp, i);
		insert(s, c);
		ps_change_free(c);
		char *snap = snapshot(s);
		assert_non_null(strstr(snap, i == 1 ? "task/p1-t1|1|" : "task/p1-t1|0|"));
		free(snap);
	}
	ps_store_free(s);
	tmpdir_remove(dir);
}

/* Many writers, many of them concurrent: the fold's conflicts equal the
 * maximal writers found by brute force over the ancestor closure. */
#define NW 240
static void many_concurrent_writers(void **st)
{
	static const char *const fields[] = {"status", "percent", "note"};
	static const char *const vals[3][3] = {
	    {"\"on_track\"", "\"delayed\"", "\"done\""}, {"10", "50", "90"}, {"\"a\"", "\"b\"", "\"c\""}};
	char *dir = tmpdir_new();
	ps_store *s = store_new(dir, "w.db");
	static unsigned char anc[NW][NW];
	static char id[NW][PS_CHANGE_ID_MAX + 1];
	static int val[NW][3]; /* -1: the change does not write the field */
	memset(anc, 0, sizeof(anc));
	srand(7);
	assert_int_equal(ps_store_begin(s), 0);
	for (int i = 0; i < NW; i++) {
		const char *base[3];
		size_t nb = 0;
		/* the first 40 are a root's children, all concurrent; then a random DAG */
		if (i > 0 && i <= 40) {
			base[nb++] = id[0];
			anc[i][0] = 1;
		} else if (i > 40) {
			int k = 1 + rand() % 3;
			for (int t = 0; t < k; t++) {
				int p = rand() % i, dup = 0;
				for (size_t u = 0; u < nb; u++)
					dup |= strcmp(base[u], id[p]) == 0;
				if (dup)
					continue;
				base[nb++] = id[p];
				for (int a = 0; a < i; a++)
					anc[i][a] |= anc[p][a];
				anc[i][p] = 1;
			}
			/* bases are sorted in a change */
			for (size_t x = 1; x < nb; x++)
				for (size_t y = x; y > 0 && strcmp(base[y - 1], base[y]) > 0; y--) {
					const char *t = base[y];
					base[y] = base[y - 1];
					base[y - 1] = t;
				}
		}
		char js[200] = "{";
		for (int f = 0; f < 3; f++) {
			val[i][f] = (i == 0 || rand() % 2) ? rand() % 3 : -1;
			if (val[i][f] >= 0)
				snprintf(js + strlen(js), sizeof(js) - strlen(js), "%s\"%s\":%s",
				         strlen(js) > 1 ? "," : "", fields[f], vals[f][val[i][f]]);
		}
		strcat(js, "}");
		char rep[32];
		snprintf(rep, sizeof(rep), "x-r%03d", i % 50);
		ps_change *c = NULL;
		assert_int_equal(ps_change_new(&c, "x", rep, "t", PS_HLC_MAKE(1000 + (unsigned)i, 0), R, PS_OP_SET,
		                               base, nb, cJSON_Parse(js), NULL),
		                 0);
		snprintf(id[i], sizeof(id[i]), "%s", c->id);
		char *b = NULL;
		size_t n;
		assert_int_equal(ps_change_encode(&b, &n, c), 0);
		assert_int_equal(ps_store_insert_change(s, c, b, n, false, NULL), 0);
		free(b);
		ps_change_free(c);
	}
	assert_int_equal(ps_fold_record(s, R), 0);
	assert_int_equal(ps_store_commit(s), 0);
	for (int f = 0; f < 3; f++) {
		int win = -1;
		for (int i = 0; i < NW; i++)
			if (val[i][f] >= 0)
				win = i;
		char want[NW * (PS_CHANGE_ID_MAX + 4)] = "[";
		int differ = 0;
		for (int a = 0; a < NW; a++) {
			if (val[a][f] < 0)
				continue;
			int maximal = 1;
			for (int b = a + 1; b < NW && maximal; b++)
				if (val[b][f] >= 0 && anc[b][a])
					maximal = 0;
			if (!maximal)
				continue;
			differ |= val[a][f] != val[win][f];
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s\"%s\"",
			         strlen(want) > 1 ? "," : "", id[a]);
		}
		strcat(want, "]");
		sqlite3_stmt *q;
		assert_int_equal(
		    sqlite3_prepare_v2(ps_store_db(s), "SELECT changes FROM conflicts WHERE field = ?1", -1, &q, NULL),
		    SQLITE_OK);
		sqlite3_bind_text(q, 1, fields[f], -1, SQLITE_STATIC);
		int row = sqlite3_step(q);
		assert_int_equal(row, differ ? SQLITE_ROW : SQLITE_DONE);
		if (differ)
			assert_string_equal((const char *)sqlite3_column_text(q, 0), want);
		sqlite3_finalize(q);
	}
	ps_store_free(s);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(conflict_found_and_resolved),
	    cmocka_unit_test(same_value_is_no_conflict),
	    cmocka_unit_test(order_independent),
	    cmocka_unit_test(retire_then_set),
	    cmocka_unit_test(base_beats_clock),
	    cmocka_unit_test(many_concurrent_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
