/* change_decode.c - the one-pass decoder of change files (DESIGN §7).
 *
 * Exports ps_change_decode. A change file is accepted only when it is byte
 * for byte what ps_change_encode writes (change.c), so this decoder reads
 * the file against that one layout in a single pass, without a cJSON tree
 * of the whole file and without encoding it again: each literal byte where
 * the encoder puts it, each string with exactly the escapes the encoder
 * writes and already in NFC, object keys strictly sorted, whole numbers as
 * "%lld" prints them; then the checks the reference decoder runs (ids, op,
 * base, ps_change_validate), and the change built as ps_change_new would. The fast path only ever accepts: a byte that
 * does not fit the layout, or a failed check, hands the file to the
 * reference decoder (ps_change_decode_tree in change.c), which refuses it
 * with its own words (or accepts the rare canonical file this reader does
 * not follow, such as text outside the ranges ps_text_nfc_stable knows).
 * Builds with assertions encode what it accepted and compare. Never writes
 * anything. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/change.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/text.h"

/* Containers inside "fields" followed here; deeper ones (the record kinds
 * use none) go to the reference decoder, which bounds the depth itself. */
#define FAST_MAX_DEPTH 6

typedef struct rd {
	const char *p, *end;
	char *w;  /* next free byte of the arena the strings are decoded into */
	bool oom; /* an allocation failed: not the file's fault */
} rd;

static bool lit(rd *r, const char *s, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, s, n) != 0)
		return false;
	r->p += n;
	return true;
}
#define LIT(r, s) lit((r), (s), sizeof(s) - 1)

static bool spaces(rd *r, int indent)
{
	for (int i = 0; i < 2 * indent; i++, r->p++)
		if (r->p >= r->end || *r->p != ' ')
			return false;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; /* the encoder writes lowercase */
}

/* A string as ps_json_write_string writes it: raw bytes from 0x20 up but
 * '"' and '\\', the seven short escapes, \u00xx for the other control
 * bytes; text outside ASCII must be NFC as it is. NULL: not in that form. */
static const char *str(rd *r)
{
	/* locals, not r's fields: a store through o may alias them */
	const char *p = r->p, *end = r->end;
	if (p >= end || *p != '"')
		return NULL;
	p++;
	char *out = r->w, *o = out;
	unsigned high = 0;
	for (;;) {
		const char *run = p;
		while (p < end && (unsigned char)*p >= 0x20 && *p != '"' && *p != '\\')
			high |= (unsigned char)*p++;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p >= end || (unsigned char)*p < 0x20)
			return NULL;
		if (*p == '"')
			break;
		if (end - p < 2)
			return NULL;
		char v;
		switch (p[1]) {
		case '"':
			v = '"';
			break;
		case '\\':
			v = '\\';
			break;
		case 'n':
			v = '\n';
			break;
		case 't':
			v = '\t';
			break;
		case 'r':
			v = '\r';
			break;
		case 'b':
			v = '\b';
			break;
		case 'f':
			v = '\f';
			break;
		case 'u': {
			if (end - p < 6 || p[2] != '0' || p[3] != '0')
				return NULL;
			int hi = hexval(p[4]), lo = hexval(p[5]);
			int c = hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
			/* \u0000 never; the short escapes are written short */
			if (c < 1 || c >= 0x20 || c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f')
				return NULL;
			*o++ = (char)c;
			p += 6;
			continue;
		}
		default:
			return NULL;
		}
		*o++ = v;
		p += 2;
	}
	*o = '\0';
	if ((high & 0x80) && !ps_text_nfc_stable(out, (size_t)(o - out)))
		return NULL;
	r->p = p + 1;
	r->w = o + 1;
	return out;
}

/* A whole number as "%lld" prints it, |n| <= 2^53: no '+', no leading
 * zero, no "-0", no fraction or exponent (the caller checks what follows). */
static bool number(rd *r, double *out)
{
	const char *p = r->p;
	bool neg = p < r->end && *p == '-';
	p += neg;
	if (p >= r->end || *p < '0' || *p > '9' || (*p == '0' && neg))
		return false;
	uint64_t v = 0;
	int nd = 0;
	for (; p < r->end && *p >= '0' && *p <= '9'; p++) {
		if (++nd > 16 || (nd > 1 && v == 0))
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > (uint64_t)PS_JSON_MAX_INT)
		return false;
	*out = neg ? -(double)v : (double)v;
	r->p = p;
	return true;
}

static cJSON *value(rd *r, int indent, int depth);

/* An object or array at indent, after its opening byte; members one a line
 * at indent + 1, keys strictly increasing (sorted, no repeats). */
static cJSON *container(rd *r, bool obj, int indent, int depth)
{
	char close = obj ? '}' : ']';
	if (depth > FAST_MAX_DEPTH)
		return NULL;
	cJSON *v = obj ? cJSON_CreateObject() : cJSON_CreateArray();
	if (!v) {
		r->oom = true;
		return NULL;
	}
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return v;
	}
	const char *prev = NULL;
	for (;;) {
		const char *key = NULL;
		if (!LIT(r, "\n") || !spaces(r, indent + 1))
			goto bad;
		if (obj && (!(key = str(r)) || !LIT(r, ": ") || (prev && strcmp(prev, key) >= 0)))
			goto bad;
		cJSON *item = value(r, indent + 1, depth);
		if (!item)
			goto bad;
		if (obj ? !cJSON_AddItemToObject(v, key, item) : !cJSON_AddItemToArray(v, item)) {
			cJSON_Delete(item);
			r->oom = true;
			goto bad;
		}
		prev = key;
		if (LIT(r, ","))
			continue;
		if (LIT(r, "\n") && spaces(r, indent) && r->p < r->end && *r->p == close) {
			r->p++;
			return v;
		}
		goto bad;
	}
bad:
	cJSON_Delete(v);
	return NULL;
}

static cJSON *value(rd *r, int indent, int depth)
{
	cJSON *v = NULL;
	double d;
	if (r->p >= r->end)
		return NULL;
	switch (*r->p) {
	case '{':
	case '[':
		r->p++;
		return container(r, r->p[-1] == '{', indent, depth + 1);
	case '"': {
		const char *s = str(r);
		if (!s)
			return NULL;
		v = cJSON_CreateString(s);
		break;
	}
	case 'n':
		if (!LIT(r, "null"))
			return NULL;
		v = cJSON_CreateNull();
		break;
	case 't':
		if (!LIT(r, "true"))
			return NULL;
		v = cJSON_CreateTrue();
		break;
	case 'f':
		if (!LIT(r, "false"))
			return NULL;
		v = cJSON_CreateFalse();
		break;
	default:
		if (!number(r, &d))
			return NULL;
		v = cJSON_CreateNumber(d);
	}
	r->oom |= !v;
	return v;
}

/* The compact text of the canonical value from..to (what ps_json_compact
 * writes of it): the same bytes without the line breaks and indents and
 * the space after each ':', which are all the whitespace outside strings;
 * strings are written alike by both (ps_json_write_string of NFC text). */
static char *compact(const char *from, const char *to)
{
	char *out = malloc((size_t)(to - from) + 1), *o = out;
	if (!out)
		return NULL;
	bool in = false;
	for (const char *p = from; p < to; p++) {
		if (in) {
			if (*p == '\\')
				*o++ = *p++;
			else if (*p == '"')
				in = false;
		} else if (*p == ' ' || *p == '\n') {
			continue;
		} else {
			in = *p == '"';
		}
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

/* The change of what fast() read: what ps_change_new would build from the
 * same values, without its work (the text is NFC and valid UTF-8, the base
 * sorted without repeats, the id made of hlc and replica: all checked on
 * the way in). fields is taken over on success only. */
static int build(ps_change **out, const char *id, const char *office, const char *replica, const char *author,
                 ps_hlc hlc, const char *record, ps_op op, const char *const *base, size_t nbase, cJSON *fields,
                 const char *reason)
{
	ps_change *c = calloc(1, sizeof(*c));
	if (!c)
		return ps_error_set(PS_ENOMEM, "out of memory");
	bool ok = (c->id = strdup(id)) && (c->office = strdup(office)) && (c->replica = strdup(replica)) &&
	          (c->author = strdup(author)) && (c->record = strdup(record)) &&
	          (!reason || (c->reason = strdup(reason))) && (!nbase || (c->base = calloc(nbase, sizeof(char *))));
	for (size_t i = 0; ok && i < nbase; i++, c->nbase++)
		ok = (c->base[i] = strdup(base[i])) != NULL;
	if (!ok) {
		ps_change_free(c);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	c->hlc = hlc;
	c->op = op;
	c->fields = fields;
	*out = c;
	return 0;
}

/* 0 and *out: the file is canonical and valid; 1: not followed here (the
 * reference decoder decides); PS_ENOMEM. */
static int fast(ps_change **out, const char *data, size_t len)
{
	*out = NULL;
	char *arena = malloc(len + 1); /* decoded strings never outgrow their quoted form */
	if (!arena)
		return ps_error_set(PS_ENOMEM, "out of memory");
	rd r = {data, data + len, arena, false};
	rd *R = &r;
	cJSON *fields = NULL;
	const char *base[PS_CHANGE_MAX_BASE];
	size_t nbase = 0;
	const char *id, *office, *replica, *author, *hlcs, *record, *op, *reason = NULL;
	int rc = 1;
	if (!LIT(R, "{\n  \"format\": 1,\n  \"id\": ") || !(id = str(R)) || !LIT(R, ",\n  \"office\": ") ||
	    !(office = str(R)) || !LIT(R, ",\n  \"replica\": ") || !(replica = str(R)) ||
	    !LIT(R, ",\n  \"author\": ") || !(author = str(R)) || !LIT(R, ",\n  \"hlc\": ") || !(hlcs = str(R)) ||
	    !LIT(R, ",\n  \"record\": ") || !(record = str(R)) || !LIT(R, ",\n  \"op\": ") || !(op = str(R)) ||
	    !LIT(R, ",\n  \"base\": ["))
		goto done;
	if (!LIT(R, "]")) {
		do {
			if (nbase == PS_CHANGE_MAX_BASE || !LIT(R, "\n    ") || !(base[nbase] = str(R)) ||
			    !ps_change_id_valid(base[nbase]) || strcmp(base[nbase], id) == 0 ||
			    (nbase && strcmp(base[nbase - 1], base[nbase]) >= 0))
				goto done;
			nbase++;
		} while (LIT(R, ","));
		if (!LIT(R, "\n  ]"))
			goto done;
	}
	if (!LIT(R, ",\n  \"fields\": {"))
		goto done;
	const char *fstart = R->p - 1;
	if (!(fields = container(R, true, 1, 2)))
		goto done;
	const char *fend = R->p;
	if (LIT(R, ",\n  \"reason\": ") && !(reason = str(R)))
		goto done;
	if (!LIT(R, "\n}\n") || R->p != R->end)
		goto done;
	/* ps_hlc_parse takes 16 lowercase hex digits only, which is what
	 * ps_hlc_format writes: the id must be those, '-', the replica */
	ps_hlc hlc;
	size_t rl = strlen(replica);
	if (!ps_hlc_parse(&hlc, hlcs) || !ps_slug_valid(office) || !ps_replica_id_valid(replica, office) ||
	    strlen(id) != 17 + rl || memcmp(id, hlcs, 16) != 0 || id[16] != '-' || memcmp(id + 17, replica, rl) != 0)
		goto done;
	bool set = strcmp(op, "set") == 0;
	if (!set && strcmp(op, "retire") != 0)
		goto done;
	if ((rc = build(out, id, office, replica, author, hlc, record, set ? PS_OP_SET : PS_OP_RETIRE, base, nbase,
	                fields, reason)))
		goto done;
	fields = NULL; /* taken over */
	if (!((*out)->fields_compact = compact(fstart, fend))) {
		R->oom = true;
		rc = 1;
		goto done;
	}
	if (ps_change_validate(*out)) {
		ps_change_free(*out);
		*out = NULL;
		rc = 1;
		goto done;
	}
#ifndef NDEBUG
	char *again = NULL;
	size_t alen = 0;
	if (ps_change_encode(&again, &alen, *out) == 0)
		assert(alen == len && memcmp(again, data, len) == 0);
	free(again);
	char *cf = ps_json_compact((*out)->fields);
	assert(!cf || strcmp(cf, (*out)->fields_compact) == 0);
	free(cf);
#endif
	rc = 0;
done:
	cJSON_Delete(fields);
	free(arena);
	if (R->oom && rc) {
		ps_change_free(*out);
		*out = NULL;
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	}
	return rc;
}

int ps_change_decode(ps_change **out, const char *data, size_t len)
{
	*out = NULL;
	int rc = len <= PS_CHANGE_MAX_BYTES ? fast(out, data, len) : 1;
	return rc == 1 ? ps_change_decode_tree(out, data, len) : rc;
}
