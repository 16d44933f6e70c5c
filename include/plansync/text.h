/* text.h - Unicode text: validation, NFC, display width, slugs.
 * Every string that enters a change passes ps_text_clean() first. */
#ifndef PLANSYNC_TEXT_H
#define PLANSYNC_TEXT_H
#include <stddef.h>
#include <stdbool.h>

/* The one rule for text in a change, applied by writers and readers alike
 * to the same NFC bytes (DESIGN §10): valid UTF-8, no NUL, no control
 * characters but \n and \t (when allow_newline), at most max_bytes bytes.
 * what names the text in the error message. */
int ps_text_check(const char *s, size_t max_bytes, bool allow_newline, const char *what);
/* NFC copy of s (free()); NULL when s is not valid UTF-8 or out of memory. */
char *ps_text_nfc(const char *s);
/* What a person typed, normalised: *out is a new NFC copy (free()) that
 * passes ps_text_check with the same arguments. */
int ps_text_clean(char **out, const char *in, size_t max_bytes, bool allow_newline, const char *what);
/* True when the len bytes at s are valid UTF-8 with no NUL. */
bool ps_text_valid_utf8(const char *s, size_t len);
/* True when s is valid UTF-8 that is NFC as it is because every code point
 * is in a range no normalisation touches (below U+0300: ASCII, Latin-1,
 * Latin Extended-A/B with ơ and ư; U+1E00-U+1EFF: the precomposed
 * Vietnamese letters; U+2010-U+2027: dashes, quotes, ellipsis). False
 * says nothing: the caller normalises. */
bool ps_text_nfc_stable(const char *s, size_t len);
/* Columns the string takes on a terminal (wide characters count 2). */
size_t ps_text_width(const char *s);
/* Copy of s cut to at most cols display columns, "…" marking a cut. */
char *ps_text_fit(const char *s, size_t cols);
/* The one rule for a whole number a person types or a setting holds
 * (options, config values, a progress percent): '-' only when min < 0,
 * then digits, no leading zero ("0" itself is fine), no space, no '+',
 * within min..max. True with *out set (its canonical text is "%ld"),
 * else false and *out untouched. */
bool ps_number_parse(const char *s, long min, long max, long *out);
/* [a-z0-9] then [a-z0-9-], at most 63 bytes, no "--" at either end. */
bool ps_slug_valid(const char *s);

#endif
