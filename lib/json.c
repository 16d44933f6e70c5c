/* json.c - canonical JSON output and strict JSON input, over cJSON.
 *
 * Exports the ps_buf byte buffer (sticky error), the canonical writer and
 * the strict parser. cJSON accepts duplicate keys and does not check UTF-8,
 * so the parser checks both itself; it never trusts cJSON's nesting limit
 * alone either. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include "plansync/json.h"
#include "plansync/error.h"
#include "plansync/text.h"

void ps_buf_put(ps_buf *b, const void *data, size_t len)
{
	if (b->err)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *p = realloc(b->ptr, cap);
		if (!p) {
			b->err = PS_ENOMEM;
			return;
		}
		b->ptr = p;
		b->cap = cap;
	}
	memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void ps_buf_puts(ps_buf *b, const char *s)
{
	ps_buf_put(b, s, strlen(s));
}

void ps_buf_printf(ps_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = PS_ERROR;
		return;
	}
	if ((size_t)n < sizeof(tmp)) {
		ps_buf_put(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->err = PS_ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ps_buf_put(b, big, (size_t)n);
	free(big);
}

int ps_buf_error(const ps_buf *b)
{
	return b->err;
}

char *ps_buf_detach(ps_buf *b)
{
	char *p = b->ptr;
	if (b->err) {
		free(p);
		p = NULL;
	} else if (!p) {
		p = calloc(1, 1);
	}
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->err = 0;
	return p;
}

void ps_buf_release(ps_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

void ps_json_write_string(ps_buf *b, const char *s)
{
	ps_buf_put(b, "\"", 1);
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run = p;
	for (; *p; p++) {
		const char *esc = NULL;
		char u[8];
		switch (*p) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		default:
			if (*p < 0x20) {
				snprintf(u, sizeof(u), "\\u%04x", *p);
				esc = u;
			}
		}
		if (esc) {
			ps_buf_put(b, run, (size_t)(p - run));
			ps_buf_puts(b, esc);
			run = p + 1;
		}
	}
	ps_buf_put(b, run, (size_t)(p - run));
	ps_buf_put(b, "\"", 1);
}

static void write_nfc_string(ps_buf *b, const char *s)
{
	if (ps_text_nfc_stable(s, strlen(s))) { /* ids, codes, most Vietnamese text */
		ps_json_write_string(b, s);
		return;
	}
	if (!ps_text_valid_utf8(s, strlen(s))) {
		b->err = PS_EINVALID;
		return;
	}
	utf8proc_uint8_t *nfc = utf8proc_NFC((const utf8proc_uint8_t *)s);
	if (!nfc) {
		b->err = PS_ENOMEM;
		return;
	}
	ps_json_write_string(b, (const char *)nfc);
	free(nfc);
}

static int cmp_key(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

static void indent_to(ps_buf *b, int n)
{
	static const char sp[] = "                                ";
	while (n > 0) {
		int k = n > 16 ? 16 : n;
		ps_buf_put(b, sp, (size_t)k * 2);
		n -= k;
	}
}

/* pretty: one member per line at the given indent, strings normalised to
 * NFC; compact: no spaces, strings as they are (callers pass NFC text). */
static void write_value(ps_buf *b, const cJSON *v, int indent, int pretty)
{
	if (b->err)
		return;
	if (cJSON_IsNull(v)) {
		ps_buf_puts(b, "null");
	} else if (cJSON_IsTrue(v)) {
		ps_buf_puts(b, "true");
	} else if (cJSON_IsFalse(v)) {
		ps_buf_puts(b, "false");
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (!isfinite(d) || d != floor(d) || fabs(d) > PS_JSON_MAX_INT) {
			b->err = PS_EINVALID;
			return;
		}
		ps_buf_printf(b, "%lld", (long long)d);
	} else if (cJSON_IsString(v)) {
		if (pretty)
			write_nfc_string(b, v->valuestring);
		else
			ps_json_write_string(b, v->valuestring);
	} else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		int obj = cJSON_IsObject(v);
		int n = cJSON_GetArraySize(v);
		if (n == 0) {
			ps_buf_puts(b, obj ? "{}" : "[]");
			return;
		}
		const cJSON **items = malloc(sizeof(*items) * (size_t)n);
		if (!items) {
			b->err = PS_ENOMEM;
			return;
		}
		int i = 0;
		for (const cJSON *c = v->child; c; c = c->next)
			items[i++] = c;
		if (obj)
			qsort(items, (size_t)n, sizeof(*items), cmp_key);
		ps_buf_puts(b, obj ? "{" : "[");
		for (i = 0; i < n; i++) {
			if (i)
				ps_buf_puts(b, ",");
			if (pretty) {
				ps_buf_puts(b, "\n");
				indent_to(b, indent + 1);
			}
			if (obj) {
				if (pretty)
					write_nfc_string(b, items[i]->string);
				else
					ps_json_write_string(b, items[i]->string);
				ps_buf_puts(b, pretty ? ": " : ":");
			}
			write_value(b, items[i], indent + 1, pretty);
		}
		if (pretty) {
			ps_buf_puts(b, "\n");
			indent_to(b, indent);
		}
		ps_buf_puts(b, obj ? "}" : "]");
		free(items);
	} else {
		b->err = PS_EINVALID;
	}
}

void ps_json_write(ps_buf *b, const cJSON *v, int indent)
{
	write_value(b, v, indent, 1);
}

char *ps_json_canonical(const cJSON *v)
{
	ps_buf b = PS_BUF_INIT;
	write_value(&b, v, 0, 1);
	ps_buf_puts(&b, "\n");
	return ps_buf_detach(&b);
}

int ps_json_compact_to(char **out, const cJSON *v)
{
	ps_buf b = PS_BUF_INIT;
	write_value(&b, v, 0, 0);
	int err = ps_buf_error(&b);
	*out = ps_buf_detach(&b);
	if (err == PS_EINVALID)
		return ps_error_set(PS_EINVALID, "a value JSON cannot store exactly (a fraction or a huge number)");
	return *out ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
}

char *ps_json_compact(const cJSON *v)
{
	char *s;
	ps_json_compact_to(&s, v);
	return s;
}

/* Duplicate keys, depth, and (when utf8) each decoded string's UTF-8. */
static int check_tree(const cJSON *v, int depth, bool utf8, const char *what)
{
	if (depth > PS_JSON_MAX_DEPTH)
		return ps_error_set(PS_EINVALID, "%s: nested more than %d levels deep", what, PS_JSON_MAX_DEPTH);
	if (cJSON_IsObject(v)) {
		for (const cJSON *c = v->child; c; c = c->next)
			for (const cJSON *d = c->next; d; d = d->next)
				if (strcmp(c->string, d->string) == 0)
					return ps_error_set(PS_EINVALID, "%s: key \"%s\" appears twice", what,
					                    c->string);
	}
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		for (const cJSON *c = v->child; c; c = c->next) {
			int rc = check_tree(c, depth + 1, utf8, what);
			if (rc)
				return rc;
		}
	if (utf8 && cJSON_IsString(v) && !ps_text_valid_utf8(v->valuestring, strlen(v->valuestring)))
		return ps_error_set(PS_EINVALID, "%s: a string is not valid UTF-8 (or holds \\u0000)", what);
	return 0;
}

static void line_col(const char *data, const char *at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const char *p = data; p < at; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)*p & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

int ps_json_parse_strict(cJSON **out, const char *data, size_t len, const char *what)
{
	*out = NULL;
	if (memchr(data, '\0', len))
		return ps_error_set(PS_EINVALID, "%s: contains a NUL byte", what);
	if (!ps_text_valid_utf8(data, len))
		return ps_error_set(PS_EINVALID, "%s: not valid UTF-8", what);
	/* Cheap depth bound before cJSON recurses. */
	int depth = 0, in_str = 0;
	/* A string decoded from valid UTF-8 is valid UTF-8 unless a \u escape
	 * made it (a lone surrogate): only then is each string checked again. */
	bool escapes = false;
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (in_str) {
			if (c == '\\' && i + 5 < len && !memcmp(data + i + 1, "u0000", 5))
				return ps_error_set(PS_EINVALID, "%s: a string holds \\u0000", what);
			if (c == '\\')
				escapes |= i + 1 < len && data[++i] == 'u';
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > PS_JSON_MAX_DEPTH)
				return ps_error_set(PS_EINVALID, "%s: nested more than %d levels deep", what,
				                    PS_JSON_MAX_DEPTH);
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	const char *end = NULL;
	cJSON *v = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (!v) {
		/* cJSON answers NULL for bad syntax and for out of memory alike: a
		 * second parse gets past a passing shortage, and an allocation the
		 * size of the text fails in a lasting one (not the file's fault). */
		v = cJSON_ParseWithLengthOpts(data, len, &end, 0);
		void *probe = v ? NULL : cJSON_malloc(len + 64);
		if (!v && !probe)
			return ps_error_set(PS_ENOMEM, "out of memory reading %s", what);
		cJSON_free(probe);
	}
	if (!v) {
		const char *at = cJSON_GetErrorPtr();
		int line = 0, col = 0;
		if (at && at >= data && at <= data + len)
			line_col(data, at, &line, &col);
		return ps_error_set(PS_EINVALID, "%s: malformed JSON at line %d, column %d", what, line, col);
	}
	while (end && end < data + len && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
		end++;
	if (end != data + len) {
		int line, col;
		line_col(data, end, &line, &col);
		cJSON_Delete(v);
		return ps_error_set(PS_EINVALID, "%s: unexpected bytes after the JSON value at line %d, column %d",
		                    what, line, col);
	}
	int rc = check_tree(v, 0, escapes, what);
	if (rc) {
		cJSON_Delete(v);
		return rc;
	}
	*out = v;
	return 0;
}

static int nfc_replace(char **str)
{
	if (ps_text_nfc_stable(*str, strlen(*str)))
		return 0;
	if (!ps_text_valid_utf8(*str, strlen(*str)))
		return PS_EINVALID;
	char *n = (char *)utf8proc_NFC((const utf8proc_uint8_t *)*str);
	if (!n)
		return PS_ENOMEM;
	char *copy = cJSON_malloc(strlen(n) + 1); /* cJSON frees with its own allocator */
	if (!copy) {
		free(n);
		return PS_ENOMEM;
	}
	strcpy(copy, n);
	free(n);
	cJSON_free(*str);
	*str = copy;
	return 0;
}

int ps_json_nfc(cJSON *v)
{
	int rc = 0;
	if (v->string && !(v->type & cJSON_StringIsConst))
		rc = nfc_replace(&v->string);
	if (!rc && cJSON_IsString(v) && v->valuestring)
		rc = nfc_replace(&v->valuestring);
	for (cJSON *c = v->child; c && !rc; c = c->next)
		rc = ps_json_nfc(c);
	return rc;
}
