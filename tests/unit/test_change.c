/* test_change.c - canonical bytes, strict decoding, a corpus of bad files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "plansync/change.h"
#include "plansync/error.h"

static ps_change *sample(const char *author, const char *note)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "status", "on_track");
	cJSON_AddNumberToObject(f, "percent", 40);
	cJSON_AddStringToObject(f, "note", note);
	cJSON *ev = cJSON_AddArrayToObject(f, "evidence");
	cJSON_AddItemToArray(ev, cJSON_CreateString("QĐ 123/UBND"));
	const char *base[] = {"0000000000020000-tx-kinh-mon-b", "0000000000010000-tx-kinh-mon-a"};
	ps_change *c = NULL;
	assert_int_equal(ps_change_new(&c, "tx-kinh-mon", "tx-kinh-mon-a", author, PS_HLC_MAKE(0x1234, 1),
	                               "progress/tx-kinh-mon/p2-t7/2021", PS_OP_SET, base, 2, f, "cập nhật"),
	                 0);
	return c;
}

static void roundtrip_stable(void **st)
{
	ps_change *c = sample("Nguyễn Thị Lan", "Đã xong \"giai đoạn 1\"\nvà tiếp");
	char *a = NULL, *b = NULL;
	size_t la, lb;
	assert_int_equal(ps_change_encode(&a, &la, c), 0);
	ps_change *d = NULL;
	assert_int_equal(ps_change_decode(&d, a, la), 0);
	assert_int_equal(ps_change_encode(&b, &lb, d), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_string_equal(d->id, "0000000012340001-tx-kinh-mon-a");
	assert_int_equal(d->nbase, 2);
	assert_string_equal(d->base[0], "0000000000010000-tx-kinh-mon-a"); /* sorted */
	/* the documented layout: fixed key order, two-space indent, newline at end */
	assert_true(strncmp(a, "{\n  \"format\": 1,\n  \"id\": ", 24) == 0);
	assert_int_equal(a[la - 1], '\n');
	assert_non_null(strstr(a, "\"fields\": {\n    \"evidence\": [\n      \"QĐ 123/UBND\"\n    ],\n    \"note\""));
	free(a);
	free(b);
	ps_change_free(c);
	ps_change_free(d);
}

static void nfc_in_bytes(void **st)
{
	/* author typed with combining marks: stored as NFC */
	ps_change *c = sample("Nguye\xcc\x82\xcc\x83n", "x");
	char *a = NULL;
	size_t la;
	assert_int_equal(ps_change_encode(&a, &la, c), 0);
	assert_non_null(strstr(a, "\"author\": \"Nguy\xe1\xbb\x85n\""));
	free(a);
	ps_change_free(c);
}

static char *replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	assert_non_null(p);
	size_t n = strlen(s) - strlen(from) + strlen(to);
	char *r = malloc(n + 1);
	memcpy(r, s, (size_t)(p - s));
	strcpy(r + (p - s), to);
	strcat(r, p + strlen(from));
	return r;
}

static void corpus_rejected(void **st)
{
	ps_change *c = sample("Lan", "ghi chú");
	char *good = NULL;
	size_t len;
	assert_int_equal(ps_change_encode(&good, &len, c), 0);
	static const struct {
		const char *from, *to;
	} bad[] = {
	    {"\"format\": 1", "\"format\": 2"},
	    {"\"format\": 1", "\"format\": 1.0"},
	    {"\"format\": 1,\n", ""},
	    {"\"status\": \"on_track\"", "\"status\": \"finished\""},
	    {"\"percent\": 40", "\"percent\": 140"},
	    {"\"percent\": 40", "\"percent\": -1"},
	    {"\"percent\": 40", "\"percent\": \"40\""},
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi chu\\u0301\""}, /* not NFC */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi \\u0063hú\""},  /* needless escape */
	    {"\"op\": \"set\"", "\"op\": \"delete\""},
	    {"\"op\": \"set\"", "\"op\": \"retire\""}, /* retire with fields */
	    {"\"record\": \"progress/tx-kinh-mon/p2-t7/2021\"", "\"record\": \"progress/../p2-t7/2021\""},
	    {"\"record\": \"progress/tx-kinh-mon/p2-t7/2021\"", "\"record\": \"secret/x\""},
	    {"\"hlc\": \"0000000012340001\"", "\"hlc\": \"0000000012340002\""}, /* id mismatch */
	    {"\"replica\": \"tx-kinh-mon-a\"", "\"replica\": \"binh-giang-a\""},
	    {"\"author\": \"Lan\"", "\"author\": \"\""},
	    {"{\n  \"format\"", "{\n  \"extra\": 1,\n  \"format\""},
	    {"\"reason\": \"cập nhật\"", "\"reason\": 5"},
	    {"  \"id\"", "   \"id\""}, /* spacing */
	    {"\"office\": \"tx-kinh-mon\",\n  \"replica\": \"tx-kinh-mon-a\"",
	     "\"replica\": \"tx-kinh-mon-a\",\n  \"office\": \"tx-kinh-mon\""},
	    {"\"0000000000010000-tx-kinh-mon-a\",\n    \"0000000000020000-tx-kinh-mon-b\"",
	     "\"0000000000020000-tx-kinh-mon-b\",\n    \"0000000000010000-tx-kinh-mon-a\""},
	    {"\"0000000000020000-tx-kinh-mon-b\"", "\"0000000012340001-tx-kinh-mon-a\""}, /* base names itself */
	    {"\"0000000000010000-tx-kinh-mon-a\"", "\"nonsense\""},
	    {"\"status\": \"on_track\"", "\"status\": \"on_track\",\n    \"status\": \"done\""},
	    {"\"evidence\": [", "\"Evidence\": ["},
	    {"\"evidence\": [", "\"colour\": ["},
	    {"\n}\n", "\n}\n\n"},
	    {"\n}\n", "\n}"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *m = replace(good, bad[i].from, bad[i].to);
		ps_change *d = NULL;
		int rc = ps_change_decode(&d, m, strlen(m));
		if (rc == 0)
			fail_msg("bad change %zu was accepted:\n%s", i, m);
		assert_null(d);
		free(m);
	}
	/* NUL inside, invalid UTF-8, over the size cap, not JSON */
	char *m = strdup(good);
	m[30] = '\0';
	ps_change *d = NULL;
	assert_int_equal(ps_change_decode(&d, m, len), PS_EINVALID);
	free(m);
	m = replace(good, "ghi chú", "ghi \xff");
	assert_int_equal(ps_change_decode(&d, m, strlen(m)), PS_EINVALID);
	free(m);
	char *big = malloc(PS_CHANGE_MAX_BYTES + 2);
	memset(big, ' ', PS_CHANGE_MAX_BYTES + 1);
	assert_int_equal(ps_change_decode(&d, big, PS_CHANGE_MAX_BYTES + 1), PS_EINVALID);
	free(big);
	assert_int_equal(ps_change_decode(&d, "[]", 2), PS_EINVALID);
	/* and the original is fine */
	assert_int_equal(ps_change_decode(&d, good, len), 0);
	ps_change_free(d);
	free(good);
	ps_change_free(c);
}

static void paths(void **st)
{
	char p[PS_CHANGE_PATH_MAX];
	ps_change_path(p, "tx-kinh-mon", "0000000012340001-tx-kinh-mon-a");
	assert_true(strncmp(p, "changes/tx-kinh-mon/", 20) == 0);
	assert_int_equal(p[22], '/');
	assert_int_equal(p[25], '/');
	assert_string_equal(p + 26, "0000000012340001-tx-kinh-mon-a.json");
	assert_true(ps_replica_id_valid("tx-kinh-mon-a1", "tx-kinh-mon"));
	assert_false(ps_replica_id_valid("tx-kinh-mon", "tx-kinh-mon"));
	assert_false(ps_replica_id_valid("binh-giang-a1", "tx-kinh-mon"));
	assert_false(ps_replica_id_valid("tx-kinh-mon-a-b", "tx-kinh-mon"));
}

/* A bounded clock writes over a change stamped in the future: the base
 * names a larger id than the change's own, and readers accept it. */
static void base_after_own_id(void **st)
{
	const char *base[] = {"01b82b85db780000-tx-kinh-mon-a"};
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "status", "done");
	ps_change *c = NULL, *d = NULL;
	assert_int_equal(ps_change_new(&c, "tx-kinh-mon", "tx-kinh-mon-a", "Lan", PS_HLC_MAKE(0x1234, 1),
	                               "progress/tx-kinh-mon/p2-t7/2021", PS_OP_SET, base, 1, f, NULL),
	                 0);
	char *a = NULL;
	size_t la;
	assert_int_equal(ps_change_encode(&a, &la, c), 0);
	assert_int_equal(ps_change_decode(&d, a, la), 0);
	assert_string_equal(d->base[0], base[0]);
	free(a);
	ps_change_free(c);
	ps_change_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(roundtrip_stable),  cmocka_unit_test(nfc_in_bytes),
	    cmocka_unit_test(corpus_rejected),   cmocka_unit_test(paths),
	    cmocka_unit_test(base_after_own_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
