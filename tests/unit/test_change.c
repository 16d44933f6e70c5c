/* test_change.c - canonical bytes, strict decoding, a corpus of bad files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "plansync/change.h"
#include "plansync/error.h"
#include "plansync/json.h"

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

/* Both decoders give one answer: the same code and words for a refusal,
 * the same change for an acceptance (ps_change_decode reads in one pass
 * and hands what it does not accept to ps_change_decode_tree). */
static int decode_both(const char *m, size_t n, ps_change **out)
{
	ps_change *t = NULL;
	*out = NULL;
	int rc = ps_change_decode(out, m, n);
	char why[700];
	snprintf(why, sizeof(why), "%s", rc ? ps_error_last() : "");
	int rt = ps_change_decode_tree(&t, m, n);
	if (rc != rt || (rc && strcmp(why, ps_error_last()) != 0))
		fail_msg("decoders differ (%d \"%s\" vs %d \"%s\") on:\n%.*s", rc, why, rt, rt ? ps_error_last() : "",
		         (int)n, m);
	if (!rc) {
		char *a = NULL, *b = NULL;
		size_t la, lb;
		assert_int_equal(ps_change_encode(&a, &la, *out), 0);
		assert_int_equal(ps_change_encode(&b, &lb, t), 0);
		assert_int_equal(la, n);
		assert_memory_equal(a, m, n);
		assert_int_equal(lb, n);
		assert_memory_equal(b, m, n);
		free(a);
		free(b);
		/* the compact text the decoder may keep is the writer's */
		char *cf = ps_json_compact((*out)->fields);
		if ((*out)->fields_compact)
			assert_string_equal((*out)->fields_compact, cf);
		free(cf);
	}
	ps_change_free(t);
	return rc;
}

/* Spellings the one-pass reader must refuse exactly as the tree decoder
 * does: escapes, numbers, spacing, order, repeats, depth, types. */
static void one_pass_refuses_alike(void **st)
{
	ps_change *c = sample("Lan", "ghi chú");
	char *good = NULL;
	size_t len;
	assert_int_equal(ps_change_encode(&good, &len, c), 0);
	static const struct {
		const char *from, *to;
	} bad[] = {
	    {"\"percent\": 40", "\"percent\": 040"},
	    {"\"percent\": 40", "\"percent\": +40"},
	    {"\"percent\": 40", "\"percent\": 4e1"},
	    {"\"percent\": 40", "\"percent\": 40.0"},
	    {"\"percent\": 40", "\"percent\": -0"},
	    {"\"percent\": 40", "\"percent\": 9007199254740993"},
	    {"\"percent\": 40", "\"percent\": 99999999999999999999"},
	    {"\"percent\": 40", "\"percent\": null"},
	    {"\"percent\": 40", "\"percent\": true"},
	    {"\"percent\": 40", "\"percent\": nul"},
	    {"\"percent\": 40", "\"percent\": [\n      40\n    ]"},
	    {"\"percent\": 40", "\"percent\": {}"},
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi ch\\u00fa\""},   /* escaped letter */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi\\/chú\""},       /* escaped slash */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi\\u000Achú\""},   /* \n written long */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi\\u001Fchú\""},   /* uppercase hex */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi\\u0000chú\""},   /* NUL */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi\\ud800chú\""},   /* lone surrogate */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi\\u00\""},        /* cut escape */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi\\qchú\""},       /* no such escape */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi\tchú\""},        /* raw tab */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi\x01chú\""},      /* raw control byte */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi \xc3\""},        /* cut UTF-8 */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi \xc0\xaf\""},    /* overlong UTF-8 */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi chu\xcc\x81\""}, /* not NFC, raw */
	    {"\"note\": \"ghi chú\"", "\"note\": \"ghi chú"},
	    {"\"note\": \"ghi chú\",", "\"note\": \"ghi chú\" ,"},
	    {"\"note\": \"ghi chú\"", "\"note\" : \"ghi chú\""},
	    {"\"note\": \"ghi chú\"", "\"note\":\"ghi chú\""},
	    {"\"note\": \"ghi chú\"", "\"nöte\": \"ghi chú\""},
	    {"    \"note\"", "   \"note\""},
	    {"    \"note\"", "\t\"note\""},
	    {"\"note\": \"ghi chú\",\n    \"percent\": 40", "\"percent\": 40,\n    \"note\": \"ghi chú\""},
	    {"\"note\": \"ghi chú\",\n", "\"note\": \"ghi chú\",\n    \"note\": \"ghi chú\",\n"},
	    {"\"QĐ 123/UBND\"\n    ]", "\"QĐ 123/UBND\",\n    ]"},
	    {"\"QĐ 123/UBND\"\n    ]", "\"QĐ 123/UBND\"\n     ]"},
	    {"\"QĐ 123/UBND\"\n    ]", "\"QĐ 123/UBND\"]"},
	    {"[\n      \"QĐ 123/UBND\"\n    ]", "[\n      [\n        [\n          [\n            [\n              "
	                                        "[\n                [\n                  [\n                    "
	                                        "1\n                  ]\n                ]\n              ]\n "
	                                        "           ]\n          ]\n        ]\n      ]\n    ]"},
	    {"\"base\": [\n", "\"base\": [ \n"},
	    {"\"base\": [\n", "\"base\": [\n\n"},
	    {"-tx-kinh-mon-b\"\n  ]", "-tx-kinh-mon-b\",\n  ]"},
	    {"-tx-kinh-mon-b\"\n  ]", "-tx-kinh-mon-b\"]"},
	    {"\"0000000000020000-tx-kinh-mon-b\"", "\"0000000000010000-tx-kinh-mon-a\""}, /* repeated base */
	    {"\"format\": 1,", "\"format\": 01,"},
	    {"\"format\": 1,", "\"format\": \"1\","},
	    {"\"id\": \"", "\"id\":  \""},
	    {"\"op\": \"set\"", "\"op\": \"SET\""},
	    {"\"op\": \"set\"", "\"op\": \"s\\u0065t\""},
	    {"\"author\": \"Lan\"", "\"author\": \"L\\nan\""},
	    {"\"author\": \"Lan\"", "\"author\": null"},
	    {"\"reason\": \"cập nhật\"", "\"reason\": null"},
	    {",\n  \"reason\": \"cập nhật\"", ",\n  \"reason\": \"cập nhật\",\n  \"reason\": \"x\""},
	    {"{\n  \"format\"", "\xef\xbb\xbf{\n  \"format\""}, /* byte order mark */
	    {"{\n  \"format\"", " {\n  \"format\""},
	    {"{\n  \"format\"", "{\r\n  \"format\""},
	    {"\n}\n", "\n}\n "},
	    {"\n}\n", "\n} \n"},
	    {"\n}\n", "\n}\n}\n"},
	    {"\"fields\": {", "\"fields\": ["},
	    {"\"fields\": {", "\"field\": {"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *m = replace(good, bad[i].from, bad[i].to);
		ps_change *d = NULL;
		if (decode_both(m, strlen(m), &d) == 0)
			fail_msg("bad change %zu was accepted:\n%s", i, m);
		assert_null(d);
		free(m);
	}
	/* every prefix of a good file */
	for (size_t n = 0; n < len; n++) {
		ps_change *d = NULL;
		assert_int_not_equal(decode_both(good, n, &d), 0);
	}
	free(good);
	ps_change_free(c);
}

/* Files the one-pass reader takes, each as the tree decoder does:
 * retire, no base, no reason, escapes the encoder writes, every value type. */
static void one_pass_accepts_alike(void **st)
{
	const char *notes[] = {"x", "a\"b\\c\nd\te\rf\bg\fh\x01i\x1fj\x7fk/", "Đã xong giai đoạn 1", "日本語", ""};
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		ps_change *c = sample(i % 2 ? "Nguyễn Thị Lan" : "Lan", notes[i]);
		char *a = NULL;
		size_t la;
		assert_int_equal(ps_change_encode(&a, &la, c), 0);
		ps_change *d = NULL;
		int rc = decode_both(a, la, &d);
		(void)rc; /* the validation may refuse a note: both alike is the point */
		ps_change_free(d);
		free(a);
		ps_change_free(c);
	}
	cJSON *f = cJSON_CreateObject();
	ps_change *c = NULL, *d = NULL;
	assert_int_equal(ps_change_new(&c, "tx-kinh-mon", "tx-kinh-mon-a", "Lan", PS_HLC_MAKE(0x99, 0),
	                               "progress/tx-kinh-mon/p2-t7/2021", PS_OP_RETIRE, NULL, 0, f, NULL),
	                 0);
	char *a = NULL;
	size_t la;
	assert_int_equal(ps_change_encode(&a, &la, c), 0);
	assert_int_equal(decode_both(a, la, &d), 0);
	assert_int_equal(d->op, PS_OP_RETIRE);
	assert_int_equal(d->nbase, 0);
	assert_null(d->reason);
	free(a);
	ps_change_free(c);
	ps_change_free(d);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* A little fuzzing: random mutations of valid files are refused, or
 * decode to a change that encodes to the same bytes; both decoders agree. */
static void mutations_refused_or_same(void **st)
{
	ps_change *c = sample("Nguyễn Thị Lan", "Đã xong \"giai đoạn 1\"\nvà tiếp");
	char *good = NULL;
	size_t len;
	assert_int_equal(ps_change_encode(&good, &len, c), 0);
	static const char alphabet[] = "{}[],:\" \n\\u0123456789-abcdefnrtlsÄ\x01\x7f";
	char *m = malloc(len + 64);
	size_t accepted = 0;
	for (int i = 0; i < 20000; i++) {
		size_t n = len;
		memcpy(m, good, len);
		for (int k = 1 + (int)(next_rand() % 3); k > 0 && n > 0; k--) {
			size_t at = next_rand() % n;
			switch (next_rand() % 4) {
			case 0:
				m[at] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
				break;
			case 1:
				m[at] ^= (char)(1u << (next_rand() % 8));
				break;
			case 2:
				memmove(m + at, m + at + 1, n - at - 1);
				n--;
				break;
			default:
				memmove(m + at + 1, m + at, n - at);
				m[at] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
				n++;
			}
		}
		ps_change *d = NULL;
		accepted += decode_both(m, n, &d) == 0;
		ps_change_free(d);
	}
	/* the unmutated file; most mutants are refused (a changed letter of
	 * the text is a valid change of its own) */
	ps_change *d = NULL;
	assert_int_equal(decode_both(good, len, &d), 0);
	assert_true(accepted > 0 && accepted < 20000 / 2);
	ps_change_free(d);
	free(m);
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
	    cmocka_unit_test(roundtrip_stable),       cmocka_unit_test(nfc_in_bytes),
	    cmocka_unit_test(corpus_rejected),        cmocka_unit_test(paths),
	    cmocka_unit_test(base_after_own_id),      cmocka_unit_test(one_pass_refuses_alike),
	    cmocka_unit_test(one_pass_accepts_alike), cmocka_unit_test(mutations_refused_or_same),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
