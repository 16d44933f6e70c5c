/* test_json.c - canonical output and strict parsing. */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "plansync/json.h"
#include "plansync/error.h"

static void canonical_sorted_and_stable(void **st)
{
	cJSON *a = cJSON_Parse("{\"b\": [1, \"x\", {\"z\": null, \"a\": true}], \"a\": {}}");
	char *s = ps_json_canonical(a);
	assert_string_equal(s, "{\n  \"a\": {},\n  \"b\": [\n    1,\n    \"x\",\n    {\n      \"a\": true,\n      "
	                       "\"z\": null\n    }\n  ]\n}\n");
	cJSON *b = NULL;
	assert_int_equal(ps_json_parse_strict(&b, s, strlen(s), "t"), 0);
	char *s2 = ps_json_canonical(b);
	assert_string_equal(s, s2);
	char *c = ps_json_compact(a);
	assert_string_equal(c, "{\"a\":{},\"b\":[1,\"x\",{\"a\":true,\"z\":null}]}");
	free(s);
	free(s2);
	free(c);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

static void rejects_non_integers(void **st)
{
	cJSON *a = cJSON_Parse("{\"x\": 1.5}");
	assert_null(ps_json_canonical(a));
	cJSON_Delete(a);
	a = cJSON_Parse("{\"x\": 1e300}");
	assert_null(ps_json_canonical(a));
	cJSON_Delete(a);
}

static void strict(void **st)
{
	cJSON *v = NULL;
	static const char dup[] = "{\"a\": 1, \"a\": 2}";
	assert_int_equal(ps_json_parse_strict(&v, dup, sizeof(dup) - 1, "t"), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "twice"));
	static const char nul[] = "{\"a\": 1}\0";
	assert_int_equal(ps_json_parse_strict(&v, nul, sizeof(nul), "t"), PS_EINVALID);
	static const char bad8[] = "{\"a\": \"\xff\"}";
	assert_int_equal(ps_json_parse_strict(&v, bad8, sizeof(bad8) - 1, "t"), PS_EINVALID);
	static const char trail[] = "{\"a\": 1} x";
	assert_int_equal(ps_json_parse_strict(&v, trail, sizeof(trail) - 1, "t"), PS_EINVALID);
	/* a lone surrogate made by an escape, after text without one passed
	 * (each decoded string is checked only when an escape could make it bad) */
	static const char plain[] = "{\"a\": \"\xe1\xba\xa1\"}", lone[] = "{\"a\": \"x\\ud800\"}",
	                  pair[] = "{\"a\": \"\\u1ea1\\ud83d\\ude00\"}";
	assert_int_equal(ps_json_parse_strict(&v, plain, sizeof(plain) - 1, "t"), 0);
	cJSON_Delete(v);
	assert_int_equal(ps_json_parse_strict(&v, lone, sizeof(lone) - 1, "t"), PS_EINVALID);
	assert_int_equal(ps_json_parse_strict(&v, pair, sizeof(pair) - 1, "t"), 0);
	cJSON_Delete(v);
	v = NULL;
	static const char esc0[] = "{\"a\": \"x\\u0000y\"}";
	assert_int_equal(ps_json_parse_strict(&v, esc0, sizeof(esc0) - 1, "t"), PS_EINVALID);
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(ps_json_parse_strict(&v, deep, 200, "t"), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "nested"));
	static const char bad[] = "{\n  \"a\": ,\n}";
	assert_int_equal(ps_json_parse_strict(&v, bad, sizeof(bad) - 1, "t"), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "line 2"));
	static const char ok[] = "{\"a\": [1, 2]}\n";
	assert_int_equal(ps_json_parse_strict(&v, ok, sizeof(ok) - 1, "t"), 0);
	cJSON_Delete(v);
}

static void sticky_buffer(void **st)
{
	ps_buf b = PS_BUF_INIT;
	ps_buf_puts(&b, "abc");
	b.err = PS_ENOMEM;
	ps_buf_puts(&b, "def");
	assert_int_equal(b.len, 3);
	assert_null(ps_buf_detach(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(canonical_sorted_and_stable),
	    cmocka_unit_test(rejects_non_integers),
	    cmocka_unit_test(strict),
	    cmocka_unit_test(sticky_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
