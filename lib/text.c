/* text.c - Unicode handling through utf8proc: validation, NFC, width.
 * Every string a person types or a file carries is checked here before it
 * can reach a change. Never guesses an encoding: invalid UTF-8 is an error. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include "plansync/text.h"
#include "plansync/error.h"

bool ps_text_valid_utf8(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0;
	while (i < len) {
		if (p[i] && p[i] < 0x80) { /* ASCII, most of any text here: no call */
			i++;
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0 || cp == 0)
			return false;
		i += (size_t)n;
	}
	return true;
}

static bool stable(utf8proc_int32_t cp)
{
	return (cp > 0 && cp < 0x300) || (cp >= 0x1E00 && cp <= 0x1EFF) || (cp >= 0x2010 && cp <= 0x2027);
}

bool ps_text_nfc_stable(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0;
	while (i < len) {
		if (p[i] < 0x80 && p[i]) { /* most of a change file: no call */
			i++;
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0 || !stable(cp))
			return false;
		i += (size_t)n;
	}
	return true;
}

int ps_text_check(const char *s, size_t max_bytes, bool allow_newline, const char *what)
{
	size_t len = strlen(s);
	if (!ps_text_valid_utf8(s, len))
		return ps_error_set(PS_EINVALID, "%s is not valid UTF-8 text; save the input as UTF-8 and try again",
		                    what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && !(allow_newline && (*p == '\n' || *p == '\t'))) || *p == 0x7f)
			return ps_error_set(PS_EINVALID, "%s contains a control character (U+%04X); remove it", what,
			                    (unsigned)*p);
		/* C1 controls U+0080-U+009F (0xC2 0x80-0x9F in valid UTF-8): U+009B
		 * is CSI, an escape sequence to some terminals. */
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			return ps_error_set(PS_EINVALID, "%s contains a control character (U+%04X); remove it", what,
			                    (unsigned)p[1]);
	}
	if (len > max_bytes)
		return ps_error_set(PS_EINVALID,
		                    "%s is too long: %zu bytes in UTF-8 (NFC), at most %zu allowed; shorten it", what,
		                    len, max_bytes);
	return 0;
}

char *ps_text_nfc(const char *s)
{
	if (!ps_text_valid_utf8(s, strlen(s)))
		return NULL;
	return (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);
}

int ps_text_clean(char **out, const char *in, size_t max_bytes, bool allow_newline, const char *what)
{
	*out = NULL;
	if (!ps_text_valid_utf8(in, strlen(in)))
		return ps_error_set(PS_EINVALID, "%s is not valid UTF-8 text; save the input as UTF-8 and try again",
		                    what);
	char *nfc = ps_text_nfc(in);
	if (!nfc)
		return ps_error_set(PS_ENOMEM, "out of memory normalising %s", what);
	int rc = ps_text_check(nfc, max_bytes, allow_newline, what);
	if (rc) {
		free(nfc);
		return rc;
	}
	*out = nfc;
	return 0;
}

size_t ps_text_width(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t w = 0;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	while (*p && (n = utf8proc_iterate(p, -1, &cp)) > 0) {
		int cw = utf8proc_charwidth(cp);
		w += cw > 0 ? (size_t)cw : 0;
		p += n;
	}
	return w;
}

char *ps_text_fit(const char *s, size_t cols)
{
	if (ps_text_width(s) <= cols)
		return strdup(s);
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t w = 0, bytes = 0;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	while (p[bytes] && (n = utf8proc_iterate(p + bytes, -1, &cp)) > 0) {
		int cw = utf8proc_charwidth(cp);
		if (w + (size_t)(cw > 0 ? cw : 0) + 1 > cols)
			break;
		w += (size_t)(cw > 0 ? cw : 0);
		bytes += (size_t)n;
	}
	char *r = malloc(bytes + 4);
	if (!r)
		return NULL;
	memcpy(r, s, bytes);
	memcpy(r + bytes, "\xe2\x80\xa6", 4); /* … */
	return r;
}

bool ps_slug_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		if (c == '-' && s[i + 1] == '-')
			return false;
	}
	return true;
}

bool ps_number_parse(const char *s, long min, long max, long *out)
{
	const char *d = s + (s[0] == '-' && min < 0);
	if (d[0] < '0' || d[0] > '9' || (d[0] == '0' && (d[1] || d != s)))
		return false;
	for (const char *p = d; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	errno = 0;
	long n = strtol(s, NULL, 10);
	if (errno == ERANGE || n < min || n > max)
		return false;
	*out = n;
	return true;
}
