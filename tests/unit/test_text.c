/* test_text.c - UTF-8 validation, NFC, display width, slugs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "plansync/text.h"
#include "plansync/error.h"

static void nfc_applied(void **st)
{
	/* "ệ" decomposed: e + U+0323 dot below + U+0302 circumflex */
	char *out = NULL;
	assert_int_equal(ps_text_clean(&out, "Vi\x65\xcc\xa3\xcc\x82t", 100, false, "t"), 0);
	assert_string_equal(out, "Vi\xe1\xbb\x87t");
	free(out);
}

static void rejects_bad(void **st)
{
	char *out = NULL;
	assert_int_equal(ps_text_clean(&out, "abc\xff", 100, false, "t"), PS_EINVALID);
	assert_int_equal(ps_text_clean(&out,
	                               "a\x01"
	                               "b",
	                               100, false, "t"),
	                 PS_EINVALID);
	assert_int_equal(ps_text_clean(&out, "a\nb", 100, false, "t"), PS_EINVALID);
	assert_int_equal(ps_text_clean(&out, "a\nb", 100, true, "t"), 0);
	free(out);
	assert_int_equal(ps_text_clean(&out, "\xc3\xa9\xc3\xa9\xc3\xa9", 2, false, "t"), PS_EINVALID);
	assert_null(out);
	/* C1 controls (U+0080-U+009F) are refused like C0 ones; U+00A0 is text. */
	assert_int_equal(ps_text_clean(&out,
	                               "ok\xc2\x9b"
	                               "2J",
	                               100, true, "t"),
	                 PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "U+009B"));
	assert_int_equal(ps_text_clean(&out, "a\xc2\x80", 100, true, "t"), PS_EINVALID);
	assert_int_equal(ps_text_clean(&out,
	                               "a\xc2\xa0"
	                               "b",
	                               100, false, "t"),
	                 0);
	free(out);
	assert_false(ps_text_valid_utf8("\xc0\x80", 2));     /* overlong NUL */
	assert_false(ps_text_valid_utf8("\xed\xa0\x80", 3)); /* surrogate */
}

static void width(void **st)
{
	assert_int_equal(ps_text_width("Hải Dương"), 9);
	assert_int_equal(ps_text_width("\xe4\xb8\xad"), 2); /* CJK wide */
	char *f = ps_text_fit("Nguyễn Thị Lan", 6);
	assert_int_equal(ps_text_width(f), 6);
	assert_string_equal(f, "Nguyễ…");
	free(f);
}

static void slugs(void **st)
{
	assert_true(ps_slug_valid("tx-kinh-mon"));
	assert_true(ps_slug_valid("2021-q3"));
	assert_false(ps_slug_valid("Tinh"));
	assert_false(ps_slug_valid("-a"));
	assert_false(ps_slug_valid("a--b"));
	assert_false(ps_slug_valid("a/b"));
	assert_false(ps_slug_valid(".."));
	assert_false(ps_slug_valid(""));
}

/* Every code point ps_text_nfc_stable lets through unnormalised is NFC
 * alone and after each of a few letters (utf8proc's NFC decides); a
 * combining mark, a singleton (U+2126 OHM SIGN) and bad UTF-8 are not. */
static void nfc_stable_ranges(void **st)
{
	static const long ranges[][2] = {{0x1, 0x2FF}, {0x1E00, 0x1EFF}, {0x2010, 0x2027}};
	static const char *const before[] = {"", "a", "A", "ơ", "ạ", "ư", "e"};
	for (size_t r = 0; r < 3; r++)
		for (long cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
			char c[8];
			size_t n = 0;
			if (cp < 0x80) {
				c[n++] = (char)cp;
			} else if (cp < 0x800) {
				c[n++] = (char)(0xC0 | (cp >> 6));
				c[n++] = (char)(0x80 | (cp & 0x3F));
			} else {
				c[n++] = (char)(0xE0 | (cp >> 12));
				c[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				c[n++] = (char)(0x80 | (cp & 0x3F));
			}
			c[n] = '\0';
			for (size_t b = 0; b < sizeof(before) / sizeof(before[0]); b++) {
				char s[16];
				snprintf(s, sizeof(s), "%s%s", before[b], c);
				assert_true(ps_text_nfc_stable(s, strlen(s)));
				char *nfc = ps_text_nfc(s);
				assert_non_null(nfc);
				assert_string_equal(nfc, s);
				free(nfc);
			}
		}
	assert_false(ps_text_nfc_stable("a\xcc\x81", 3));    /* a + U+0301 */
	assert_false(ps_text_nfc_stable("\xe2\x84\xa6", 3)); /* U+2126 */
	assert_false(ps_text_nfc_stable("\xc3\x28", 2));     /* bad UTF-8 */
	assert_true(ps_text_nfc_stable("Huyện Tứ Kỳ – “đạt”", strlen("Huyện Tứ Kỳ – “đạt”")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(nfc_applied), cmocka_unit_test(nfc_stable_ranges),
	    cmocka_unit_test(rejects_bad), cmocka_unit_test(width),
	    cmocka_unit_test(slugs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
