/* test_store.c - changes stored once, integrity alarm, heads, imported rows
 * stored without their bytes, concurrent writers. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util.h"
#include "plansync/change.h"
#include "plansync/error.h"
#include "store_int.h" /* raw SQL to look inside */

static ps_change *mk(unsigned hlc, const char *note, const char *base)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "note", note);
	ps_change *c = NULL;
	const char *b[1] = {base};
	assert_int_equal(ps_change_new(&c, "x", "x-a", "t", PS_HLC_MAKE(hlc, 0), "progress/x/p1-t1/2021", PS_OP_SET, b,
	                               base ? 1 : 0, f, NULL),
	                 0);
	return c;
}

static int put(ps_store *s, ps_change *c)
{
	char *b;
	size_t n;
	ps_change_encode(&b, &n, c);
	int rc = ps_store_insert_change(s, c, b, n, true, NULL);
	free(b);
	return rc;
}

static void insert_once_and_alarm(void **st)
{
	char *dir = tmpdir_new();
	ps_store *s = store_new(dir, "s.db");
	ps_change *a = mk(1, "one", NULL), *a2 = mk(1, "other bytes", NULL);
	assert_int_equal(put(s, a), 0);
	assert_int_equal(put(s, a), PS_EEXISTS);
	assert_int_equal(put(s, a2), PS_ECONFLICT);
	assert_non_null(strstr(ps_error_last(), "different content"));
	ps_change_free(a);
	ps_change_free(a2);
	ps_store_free(s);
	tmpdir_remove(dir);
}

static void heads(void **st)
{
	char *dir = tmpdir_new();
	ps_store *s = store_new(dir, "s.db");
	ps_change *a = mk(1, "a", NULL);
	ps_change *b = mk(2, "b", a->id);
	ps_change *c = mk(3, "c", a->id);
	char **h;
	size_t n;
	/* out of order: b before a */
	put(s, b);
	put(s, a);
	assert_int_equal(ps_store_heads(s, a->record, &h, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0], b->id);
	ps_strv_free(h, n);
	put(s, c);
	assert_int_equal(ps_store_heads(s, a->record, &h, &n), 0);
	assert_int_equal(n, 2);
	ps_strv_free(h, n);
	ps_change_free(a);
	ps_change_free(b);
	ps_change_free(c);
	ps_store_free(s);
	tmpdir_remove(dir);
}

struct writer {
	const char *dir;
	int id, n, errors;
};

typedef struct seen {
	char ids[8][64];
	int n;
	int stop_after; /* 0: never stop */
} seen;

static int see_change(void *ctx, const char *id, bool set, const char *fields)
{
	seen *w = ctx;
	assert_true(set);
	assert_non_null(strstr(fields, "note"));
	snprintf(w->ids[w->n++], 64, "%s", id);
	return w->stop_after && w->n == w->stop_after ? 7 : 0;
}

static int see_edge(void *ctx, const char *child, const char *parent)
{
	seen *w = ctx;
	snprintf(w->ids[w->n++], 64, "%s<%s", parent, child);
	return 0;
}

static int see_id(void *ctx, const char *id)
{
	seen *w = ctx;
	snprintf(w->ids[w->n++], 64, "%s", id);
	return 0;
}

static int see_record(void *ctx, const char *id, const char *kind)
{
	seen *w = ctx;
	snprintf(w->ids[w->n++], 64, "%s %s", kind, id);
	return 0;
}

/* The reads the fold and a write make, and the derived-table writes. */
static void reads_and_state(void **st)
{
	char *dir = tmpdir_new();
	ps_store *s = store_new(dir, "s.db");
	ps_change *a = mk(1, "a", NULL), *b = mk(2, "b", a->id), *c = mk(3, "c", b->id);
	const char *rec = "progress/x/p1-t1/2021";
	char newest[PS_CHANGE_ID_MAX + 1];
	assert_int_equal(ps_store_record_newest(s, rec, newest), 0);
	assert_string_equal(newest, "");
	assert_int_equal(ps_store_change_known(s, a->id), 0);
	put(s, c);
	put(s, a);
	put(s, b);
	assert_int_equal(ps_store_change_known(s, a->id), 1);
	assert_int_equal(ps_store_record_newest(s, rec, newest), 0);
	assert_string_equal(newest, c->id);
	seen w = {0};
	assert_int_equal(ps_store_record_changes(s, rec, see_change, &w), 0);
	assert_int_equal(w.n, 3); /* in id order, whatever the insert order */
	assert_string_equal(w.ids[0], a->id);
	assert_string_equal(w.ids[2], c->id);
	memset(&w, 0, sizeof(w));
	w.stop_after = 2; /* a callback's non-zero stops the walk and comes back */
	assert_int_equal(ps_store_record_changes(s, rec, see_change, &w), 7);
	assert_int_equal(w.n, 2);
	memset(&w, 0, sizeof(w));
	assert_int_equal(ps_store_record_edges(s, rec, see_edge, &w), 0);
	assert_int_equal(w.n, 2);
	memset(&w, 0, sizeof(w));
	assert_int_equal(ps_store_parents(s, c->id, see_id, &w), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.ids[0], b->id);
	long n = 0;
	assert_int_equal(ps_store_changed_record_count(s, &n), 0);
	assert_int_equal(n, 1);
	/* derived tables: a state row, a conflict settled by a later set */
	assert_int_equal(ps_store_begin(s), 0);
	assert_int_equal(ps_store_state_insert(s, rec, "note", "\"c\"", c->id), 0);
	assert_int_equal(ps_store_conflict_insert(s, rec, "note", "[]"), 0);
	assert_int_equal(ps_store_record_put(s, rec, "progress", false, 3, c->id), 0);
	char *v = NULL;
	assert_int_equal(ps_store_state_value(s, rec, "note", &v), 0);
	assert_string_equal(v, "\"c\"");
	free(v);
	assert_int_equal(ps_store_state_set(s, rec, "note", "\"d\"", c->id), 0);
	assert_int_equal(ps_store_state_value(s, rec, "percent", &v), 0);
	assert_null(v);
	assert_int_equal(ps_store_record_live(s, rec), 1);
	assert_int_equal(ps_store_record_advance(s, rec, "progress", true, 1, c->id), 0);
	assert_int_equal(ps_store_record_live(s, rec), 0);
	assert_int_equal(ps_store_record_put(s, "task/p1-t1", "task", false, 1, a->id), 0);
	memset(&w, 0, sizeof(w));
	assert_int_equal(ps_store_live_records(s, see_record, &w), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.ids[0], "task task/p1-t1");
	/* unplanned: held while the plan lacks the record, released by it */
	assert_int_equal(ps_store_unplanned_note(s, rec, "task/p1-t9"), 0);
	assert_int_equal(ps_store_unplanned_note(s, rec, "task/p1-t1"), 0);
	assert_int_equal(ps_store_commit(s), 0);
	sqlite3_stmt *q;
	sqlite3_prepare_v2(ps_store_db(s), "SELECT group_concat(need) FROM unplanned", -1, &q, NULL);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "task/p1-t9");
	sqlite3_finalize(q);
	assert_int_equal(ps_store_begin(s), 0);
	assert_int_equal(ps_store_unplanned_release(s, "task/p1-t9"), 0);
	assert_int_equal(ps_store_state_clear(s, rec), 0);
	assert_int_equal(ps_store_record_forget(s, rec), 0);
	assert_int_equal(ps_store_commit(s), 0);
	sqlite3_prepare_v2(ps_store_db(s),
	                   "SELECT (SELECT count(*) FROM unplanned) + (SELECT count(*) FROM state) + "
	                   "(SELECT count(*) FROM conflicts) + (SELECT count(*) FROM records WHERE id = ?1)",
	                   -1, &q, NULL);
	sqlite3_bind_text(q, 1, rec, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 0);
	sqlite3_finalize(q);
	ps_change_free(a);
	ps_change_free(b);
	ps_change_free(c);
	ps_store_free(s);
	tmpdir_remove(dir);
}

typedef struct got_row {
	const char *id;
	char *bytes, blob[41];
	size_t len;
	int seen;
} got_row;

static int grab_row(void *ctx, const ps_change_row *row)
{
	got_row *g = ctx;
	if (strcmp(row->id, g->id) != 0)
		return 0;
	g->seen++;
	free(g->bytes);
	g->bytes = malloc(row->len + 1);
	memcpy(g->bytes, row->bytes ? row->bytes : "", row->len);
	g->len = row->len;
	snprintf(g->blob, sizeof(g->blob), "%s", row->blob ? row->blob : "");
	return 0;
}

static void sql_exec(ps_store *s, const char *q)
{
	assert_int_equal(sqlite3_exec(ps_store_db(s), q, NULL, NULL, NULL), SQLITE_OK);
}

static long long sql_int(ps_store *s, const char *q)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(ps_store_db(s), q, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Another replica's change is stored without its bytes: they come back
 * from its columns and edges byte for byte (text to normalise, escapes, a
 * number, a reason, a base of two), a row that keeps its bytes (written
 * before) reads as it is, a duplicate and an alarm are still told apart,
 * and damaged columns no longer hash to the blob id. */
static void imported_rows_keep_no_bytes(void **st)
{
	char *dir = tmpdir_new();
	ps_store *s = store_new(dir, "s.db");
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "note", "Hoa\xcc\x80n tha\xcc\x80nh \"9/13\"\n\ttiêu chí \x01 € 𝄞");
	cJSON_AddNumberToObject(f, "percent", 67);
	cJSON_AddBoolToObject(f, "done", 0);
	cJSON_AddNullToObject(f, "status");
	const char *base[2] = {"00000000000f0000-x-b", "0000000000010000-x-a"};
	ps_change *c = NULL, *other = NULL;
	assert_int_equal(ps_change_new(&c, "x", "x-c", "Người nhập", PS_HLC_MAKE(40, 3), "progress/x/p1-t1/2021",
	                               PS_OP_SET, base, 2, f, "lý do: \"sửa\""),
	                 0);
	char *bytes = NULL, blob[41];
	size_t len = 0;
	assert_int_equal(ps_change_encode(&bytes, &len, c), 0);
	ps_store_blob_id(blob, bytes, len);
	assert_int_equal(ps_store_insert_change(s, c, bytes, len, false, NULL), 0);
	assert_int_equal(sql_int(s, "SELECT length(bytes) FROM changes"), 0);
	got_row g = {.id = c->id};
	assert_int_equal(ps_store_change_rows(s, false, 0, grab_row, &g), 0);
	assert_int_equal(g.seen, 1);
	assert_int_equal(g.len, len);
	assert_memory_equal(g.bytes, bytes, len);
	assert_string_equal(g.blob, blob);
	/* the same change again, and other bytes under its id */
	assert_int_equal(ps_store_insert_change(s, c, bytes, len, false, NULL), PS_EEXISTS);
	cJSON *f2 = cJSON_CreateObject();
	cJSON_AddNumberToObject(f2, "percent", 68);
	assert_int_equal(ps_change_new(&other, "x", "x-c", "Người nhập", PS_HLC_MAKE(40, 3), "progress/x/p1-t1/2021",
	                               PS_OP_SET, NULL, 0, f2, NULL),
	                 0);
	char *ob = NULL;
	size_t on = 0;
	assert_int_equal(ps_change_encode(&ob, &on, other), 0);
	assert_int_equal(ps_store_insert_change(s, other, ob, on, false, NULL), PS_ECONFLICT);
	/* a row that keeps its bytes (stored so before) reads as it is */
	sql_exec(s, "UPDATE changes SET bytes = CAST('{}' AS BLOB)");
	assert_int_equal(ps_store_change_rows(s, false, 0, grab_row, &g), 0);
	assert_int_equal(g.len, 2);
	assert_memory_equal(g.bytes, "{}", 2);
	/* a row of schema 1 (bytes, no blob id) is compared by the hash of its
	 * bytes: give the row its columns' encoding as bytes, and no blob id */
	sql_exec(s, "UPDATE changes SET bytes = x''");
	assert_int_equal(ps_store_change_rows(s, false, 0, grab_row, &g), 0);
	assert_int_equal(g.len, len);
	assert_memory_equal(g.bytes, bytes, len);
	sqlite3_stmt *up;
	assert_int_equal(
	    sqlite3_prepare_v2(ps_store_db(s), "UPDATE changes SET bytes = ?1, blob = NULL", -1, &up, NULL), SQLITE_OK);
	sqlite3_bind_blob(up, 1, g.bytes, (int)g.len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(up), SQLITE_DONE);
	sqlite3_finalize(up);
	assert_int_equal(ps_store_insert_change(s, c, bytes, len, false, NULL), PS_EEXISTS);
	assert_int_equal(ps_store_insert_change(s, other, ob, on, false, NULL), PS_ECONFLICT);
	char want[41];
	ps_store_blob_id(want, bytes, len);
	sqlite3_stmt *bq;
	assert_int_equal(sqlite3_prepare_v2(ps_store_db(s), "UPDATE changes SET blob = ?1", -1, &bq, NULL), SQLITE_OK);
	sqlite3_bind_text(bq, 1, want, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(bq), SQLITE_DONE);
	sqlite3_finalize(bq);
	/* damaged columns of a row without bytes: what they encode to is not the blob */
	sql_exec(s, "UPDATE changes SET bytes = x'', fields = replace(fields, '67', '97')");
	assert_int_equal(ps_store_change_rows(s, false, 0, grab_row, &g), 0);
	char got[41];
	ps_store_blob_id(got, g.bytes, g.len);
	assert_string_not_equal(got, blob);
	/* columns that form no change give no bytes, not an error */
	sql_exec(s, "UPDATE changes SET fields = 'not json'");
	assert_int_equal(ps_store_change_rows(s, false, 0, grab_row, &g), 0);
	assert_int_equal(g.len, 0);
	free(g.bytes);
	free(bytes);
	free(ob);
	ps_change_free(c);
	ps_change_free(other);
	ps_store_free(s);
	tmpdir_remove(dir);
}

static void *write_loop(void *p)
{
	struct writer *w = p;
	char path[600];
	snprintf(path, sizeof(path), "%s/w.db", w->dir);
	ps_store *s = NULL;
	if (ps_store_open(&s, path, 0)) {
		w->errors = w->n;
		return NULL;
	}
	for (int i = 0; i < w->n; i++) {
		char key[32];
		snprintf(key, sizeof(key), "k%d-%d", w->id, i);
		if (ps_store_begin(s) || ps_store_meta_set(s, key, "v") || ps_store_commit(s))
			w->errors++;
	}
	ps_store_free(s);
	return NULL;
}

static void concurrent_writers(void **st)
{
	char *dir = tmpdir_new();
	ps_store *s = store_new(dir, "w.db");
	pthread_t t[4];
	struct writer w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct writer){dir, i, 200, 0};
		pthread_create(&t[i], NULL, write_loop, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].errors, 0);
	}
	sqlite3_stmt *q;
	sqlite3_prepare_v2(ps_store_db(s), "SELECT count(*) FROM meta WHERE key LIKE 'k%'", -1, &q, NULL);
	sqlite3_step(q);
	assert_int_equal(sqlite3_column_int(q, 0), 800);
	sqlite3_finalize(q);
	ps_store_free(s);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(insert_once_and_alarm), cmocka_unit_test(heads),
	    cmocka_unit_test(reads_and_state),       cmocka_unit_test(imported_rows_keep_no_bytes),
	    cmocka_unit_test(concurrent_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
