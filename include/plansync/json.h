/* json.h - the one place that talks to cJSON.
 *
 * Canonical form: UTF-8 in NFC, object keys sorted bytewise (or in the
 * order given for the top level of a change), one member or element per
 * line, two-space indent, empty containers as {} and [], integers only
 * (|n| <= 2^53), trailing newline. The same value always gives the same
 * bytes.  Strict parse: valid UTF-8, no NUL, no duplicate keys, no bytes
 * after the value, depth and size limits. */
#ifndef PLANSYNC_JSON_H
#define PLANSYNC_JSON_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdbool.h>

#define PS_JSON_MAX_DEPTH 16
#define PS_JSON_MAX_INT   9007199254740992.0

/* A growable byte buffer with a sticky error: after one failed append all
 * later appends do nothing and ps_buf_error() says so. */
typedef struct ps_buf {
	char *ptr;
	size_t len, cap;
	int err;
} ps_buf;
#define PS_BUF_INIT                                                                                                    \
	{                                                                                                              \
		NULL, 0, 0, 0                                                                                          \
	}
void ps_buf_put(ps_buf *b, const void *data, size_t len);
void ps_buf_puts(ps_buf *b, const char *s);
void ps_buf_printf(ps_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ps_buf_error(const ps_buf *b);
/* Gives the caller the NUL-terminated string (free()); the buffer is reset. */
char *ps_buf_detach(ps_buf *b);
void ps_buf_release(ps_buf *b);

/* Append v in canonical form at the given indent level (no trailing
 * newline). Strings are NFC-normalised on the way out. */
void ps_json_write(ps_buf *b, const cJSON *v, int indent);
/* Canonical text of v with a trailing newline (free()), NULL on OOM or an
 * unrepresentable value (non-integer number). */
char *ps_json_canonical(const cJSON *v);
/* Compact text (sorted keys, no newlines), used for values stored in SQLite
 * and compared for equality; strings are written as they are, so callers
 * pass NFC text (ps_change_new normalises a change's fields). free(). */
char *ps_json_compact(const cJSON *v);
/* Same, telling why it failed: PS_ENOMEM, or PS_EINVALID for a number that
 * has no exact text (a fraction, beyond 2^53). */
int ps_json_compact_to(char **out, const cJSON *v);
/* Strict parse of len bytes; *out to release with cJSON_Delete. */
int ps_json_parse_strict(cJSON **out, const char *data, size_t len, const char *what);
/* Normalise every string (and key) in v to NFC in place. */
int ps_json_nfc(cJSON *v);
/* JSON string literal of s, for hand-built output. */
void ps_json_write_string(ps_buf *b, const char *s);

#endif
