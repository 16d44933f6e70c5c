/* change.c - build, encode and strictly decode change files (DESIGN §3, §7).
 *
 * The encoder is the definition of the canonical bytes; the decoder accepts
 * a file only when re-encoding what it read reproduces the input exactly,
 * which rejects every alternative spelling (key order, spacing, escapes,
 * non-NFC text, duplicate keys) with one rule. That decoder, over a cJSON
 * tree, is the reference: ps_change_decode (change_decode.c) reads the
 * canonical layout in one pass and hands it every file it does not accept,
 * so every refusal is worded here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/change.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/record.h"
#include "plansync/text.h"

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void ps_change_free(ps_change *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->office);
	free(c->replica);
	free(c->author);
	free(c->record);
	free(c->reason);
	for (size_t i = 0; i < c->nbase; i++)
		free(c->base[i]);
	free(c->base);
	cJSON_Delete(c->fields);
	free(c->fields_compact);
	free(c);
}

void ps_change_make_id(char *out, size_t size, ps_hlc hlc, const char *replica)
{
	char h[17];
	ps_hlc_format(hlc, h);
	snprintf(out, size, "%s-%s", h, replica);
}

bool ps_replica_id_valid(const char *replica, const char *office)
{
	size_t ol = strlen(office), rl = strlen(replica);
	if (!ps_slug_valid(replica) || rl <= ol + 1 || rl - ol - 1 > 32)
		return false;
	if (strncmp(replica, office, ol) != 0 || replica[ol] != '-')
		return false;
	for (const char *p = replica + ol + 1; *p; p++)
		if (*p == '-')
			return false;
	return true;
}

bool ps_change_id_valid(const char *id)
{
	size_t n = strlen(id);
	ps_hlc h;
	char hex[17];
	if (n < 19 || n > PS_CHANGE_ID_MAX || id[16] != '-')
		return false;
	memcpy(hex, id, 16);
	hex[16] = '\0';
	return ps_hlc_parse(&h, hex) && ps_slug_valid(id + 17);
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void ps_change_path(char *out, const char *office, const char *id)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t h = fnv1a(id);
	size_t ol = strlen(office), il = strlen(id);
	if (8 + ol + 7 + il + 5 >= PS_CHANGE_PATH_MAX) { /* cut as snprintf cuts */
		snprintf(out, PS_CHANGE_PATH_MAX, "changes/%s/%02x/%02x/%s.json", office, (unsigned)(h >> 24),
		         (unsigned)((h >> 16) & 0xff), id);
		return;
	}
	/* one path per change read: built by hand, a tenth of snprintf's cost */
	char *p = out;
	memcpy(p, "changes/", 8);
	memcpy(p += 8, office, ol);
	p += ol;
	*p++ = '/';
	*p++ = hex[h >> 28];
	*p++ = hex[(h >> 24) & 0xf];
	*p++ = '/';
	*p++ = hex[(h >> 20) & 0xf];
	*p++ = hex[(h >> 16) & 0xf];
	*p++ = '/';
	memcpy(p, id, il);
	memcpy(p + il, ".json", 6);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ps_change_new(ps_change **out, const char *office, const char *replica, const char *author, ps_hlc hlc,
                  const char *record, ps_op op, const char *const *base, size_t nbase, cJSON *fields,
                  const char *reason)
{
	*out = NULL;
	ps_change *c = calloc(1, sizeof(*c));
	if (!c) {
		cJSON_Delete(fields);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	c->fields = fields ? fields : cJSON_CreateObject();
	int nfc = c->fields ? ps_json_nfc(c->fields) : 0;
	if (nfc) {
		ps_change_free(c);
		return nfc == PS_ENOMEM ? ps_error_set(PS_ENOMEM, "out of memory")
		                        : ps_error_set(PS_EINVALID, "a field holds text that is not valid UTF-8");
	}
	char id[PS_CHANGE_ID_MAX + 1];
	ps_change_make_id(id, sizeof(id), hlc, replica);
	c->id = strdup(id);
	c->office = xstrdup(office);
	c->replica = xstrdup(replica);
	/* NFC here, so what a writer validates is the text it will encode */
	if ((author && !ps_text_valid_utf8(author, strlen(author))) ||
	    (reason && !ps_text_valid_utf8(reason, strlen(reason)))) {
		ps_change_free(c);
		return ps_error_set(PS_EINVALID, "the author or reason is not valid UTF-8 text");
	}
	c->author = author ? ps_text_nfc(author) : NULL;
	c->record = xstrdup(record);
	c->reason = reason ? ps_text_nfc(reason) : NULL;
	c->hlc = hlc;
	c->op = op;
	if (nbase) {
		c->base = calloc(nbase, sizeof(char *));
		size_t got = 0;
		for (size_t i = 0; c->base && i < nbase; i++)
			got += (c->base[i] = strdup(base[i])) != NULL;
		c->nbase = c->base ? nbase : 0;
		if (got == nbase) { /* else out of memory, below: qsort must not see NULL */
			qsort(c->base, nbase, sizeof(char *), cmp_str);
			size_t w = 0;
			for (size_t i = 0; i < nbase; i++) {
				if (w && c->base[i] && strcmp(c->base[i], c->base[w - 1]) == 0) {
					free(c->base[i]);
					continue;
				}
				c->base[w++] = c->base[i];
			}
			c->nbase = w;
		}
	}
	int ok = c->fields && c->id && c->office && c->replica && c->author && c->record && (!reason || c->reason) &&
	         (!nbase || c->base);
	for (size_t i = 0; ok && i < c->nbase; i++)
		ok = c->base[i] != NULL;
	if (!ok) {
		ps_change_free(c);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

int ps_change_check_author(const char *author)
{
	if (!author[0])
		return ps_error_set(PS_EINVALID, "the author (user.name) is empty; set one with 'plansync config "
		                                 "user.name NAME'");
	return ps_text_check(author, PS_CHANGE_AUTHOR_MAX, false, "the author (user.name)");
}

int ps_change_check_reason(const char *reason)
{
	return ps_text_check(reason, PS_CHANGE_REASON_MAX, true, "the reason");
}

int ps_change_validate(const ps_change *c)
{
	int rc;
	ps_record_id rid;
	if ((rc = ps_change_check_author(c->author)) || (c->reason && (rc = ps_change_check_reason(c->reason))) ||
	    (rc = ps_record_parse(&rid, c->record)))
		return rc;
	if ((c->op == PS_OP_SET && cJSON_GetArraySize(c->fields) == 0) ||
	    (c->op == PS_OP_RETIRE && cJSON_GetArraySize(c->fields) != 0))
		return ps_error_set(PS_EINVALID, "change %s: a set needs fields and a retire has none", c->id);
	if (c->nbase > PS_CHANGE_MAX_BASE)
		return ps_error_set(PS_EINVALID, "change %s: base names %zu changes, at most %d allowed", c->id,
		                    c->nbase, PS_CHANGE_MAX_BASE);
	return ps_record_check_fields(&rid, c->fields);
}

static void member(ps_buf *b, const char *key, int last)
{
	(void)last;
	ps_buf_puts(b, "  ");
	ps_json_write_string(b, key);
	ps_buf_puts(b, ": ");
}

static void member_string(ps_buf *b, const char *key, const char *val)
{
	member(b, key, 0);
	cJSON tmp;
	memset(&tmp, 0, sizeof(tmp));
	tmp.type = cJSON_String;
	tmp.valuestring = (char *)val;
	ps_json_write(b, &tmp, 1);
	ps_buf_puts(b, ",\n");
}

int ps_change_encode(char **out, size_t *len, const ps_change *c)
{
	*out = NULL;
	ps_buf b = PS_BUF_INIT;
	char hlc[17];
	ps_hlc_format(c->hlc, hlc);
	ps_buf_puts(&b, "{\n");
	member(&b, "format", 0);
	ps_buf_printf(&b, "%d,\n", PS_CHANGE_FORMAT);
	member_string(&b, "id", c->id);
	member_string(&b, "office", c->office);
	member_string(&b, "replica", c->replica);
	member_string(&b, "author", c->author);
	member_string(&b, "hlc", hlc);
	member_string(&b, "record", c->record);
	member_string(&b, "op", c->op == PS_OP_SET ? "set" : "retire");
	member(&b, "base", 0);
	if (c->nbase == 0) {
		ps_buf_puts(&b, "[],\n");
	} else {
		ps_buf_puts(&b, "[\n");
		for (size_t i = 0; i < c->nbase; i++) {
			ps_buf_puts(&b, "    ");
			ps_json_write_string(&b, c->base[i]);
			ps_buf_puts(&b, i + 1 < c->nbase ? ",\n" : "\n");
		}
		ps_buf_puts(&b, "  ],\n");
	}
	member(&b, "fields", 0);
	ps_json_write(&b, c->fields, 1);
	if (c->reason) {
		ps_buf_puts(&b, ",\n");
		member(&b, "reason", 1);
		cJSON tmp;
		memset(&tmp, 0, sizeof(tmp));
		tmp.type = cJSON_String;
		tmp.valuestring = c->reason;
		ps_json_write(&b, &tmp, 1);
	}
	ps_buf_puts(&b, "\n}\n");
	if (ps_buf_error(&b)) {
		int e = ps_buf_error(&b);
		ps_buf_release(&b);
		return ps_error_set(
		    e, "change %s cannot be encoded (a value is not text, a whole number, true, false or null)", c->id);
	}
	*len = b.len;
	*out = ps_buf_detach(&b);
	return 0;
}

static const char *get_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int ps_change_decode_tree(ps_change **out, const char *data, size_t len)
{
	*out = NULL;
	if (len > PS_CHANGE_MAX_BYTES)
		return ps_error_set(PS_EINVALID, "change file is %zu bytes, over the %d byte limit", len,
		                    PS_CHANGE_MAX_BYTES);
	cJSON *root = NULL;
	int rc = ps_json_parse_strict(&root, data, len, "change file");
	if (rc)
		return rc;
	ps_change *c = NULL;
	static const char *const keys[] = {"format", "id", "office", "replica", "author", "hlc",
	                                   "record", "op", "base",   "fields",  "reason", NULL};
	rc = PS_EINVALID;
	if (!cJSON_IsObject(root)) {
		ps_error_set(rc, "change file is not a JSON object");
		goto done;
	}
	for (const cJSON *m = root->child; m; m = m->next) {
		int known = 0;
		for (int i = 0; keys[i]; i++)
			known |= strcmp(keys[i], m->string) == 0;
		if (!known) {
			ps_error_set(rc, "change file has an unknown key \"%s\"", m->string);
			goto done;
		}
	}
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
	if (!cJSON_IsNumber(fmt) || fmt->valuedouble != PS_CHANGE_FORMAT) {
		ps_error_set(rc, "change file has format %s; this plansync reads format %d (upgrade plansync if newer)",
		             cJSON_IsNumber(fmt) ? "other" : "missing", PS_CHANGE_FORMAT);
		goto done;
	}
	const char *id = get_str(root, "id"), *office = get_str(root, "office"), *replica = get_str(root, "replica"),
	           *author = get_str(root, "author"), *hlcs = get_str(root, "hlc"), *record = get_str(root, "record"),
	           *op = get_str(root, "op"), *reason = get_str(root, "reason");
	const cJSON *base = cJSON_GetObjectItemCaseSensitive(root, "base");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(root, "fields");
	if (!id || !office || !replica || !author || !hlcs || !record || !op || !cJSON_IsArray(base) ||
	    !cJSON_IsObject(fields) || (cJSON_GetObjectItemCaseSensitive(root, "reason") && !reason)) {
		ps_error_set(rc, "change file lacks a required key or has one of the wrong type");
		goto done;
	}
	ps_hlc hlc;
	if (!ps_hlc_parse(&hlc, hlcs)) {
		ps_error_set(rc, "change file: hlc \"%.40s\" is not 16 hex digits", hlcs);
		goto done;
	}
	if (!ps_slug_valid(office) || !ps_replica_id_valid(replica, office)) {
		ps_error_set(rc, "change file: office \"%.64s\" or replica \"%.64s\" is not a valid id", office,
		             replica);
		goto done;
	}
	char want[PS_CHANGE_ID_MAX + 1];
	ps_change_make_id(want, sizeof(want), hlc, replica);
	if (strcmp(want, id) != 0) {
		ps_error_set(rc, "change file: id \"%.100s\" does not match its hlc and replica", id);
		goto done;
	}
	ps_op o;
	if (strcmp(op, "set") == 0)
		o = PS_OP_SET;
	else if (strcmp(op, "retire") == 0)
		o = PS_OP_RETIRE;
	else {
		ps_error_set(rc, "change file: op \"%.20s\" is not set or retire", op);
		goto done;
	}
	int nb = cJSON_GetArraySize(base);
	if (nb > PS_CHANGE_MAX_BASE) {
		ps_error_set(rc, "change file: base names %d changes, at most %d allowed", nb, PS_CHANGE_MAX_BASE);
		goto done;
	}
	const char *bv[PS_CHANGE_MAX_BASE];
	int i = 0;
	for (const cJSON *e = base->child; e; e = e->next, i++) {
		/* A base id may be larger than the change's own: a bounded clock
		 * writes over a change stamped in the future (fold.c). */
		if (!cJSON_IsString(e) || !ps_change_id_valid(e->valuestring) || strcmp(e->valuestring, id) == 0) {
			ps_error_set(rc, "change file: base entry %d is not the id of another change", i + 1);
			goto done;
		}
		bv[i] = e->valuestring;
	}
	cJSON *fcopy = cJSON_Duplicate(fields, 1);
	if (!fcopy) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = ps_change_new(&c, office, replica, author, hlc, record, o, bv, (size_t)nb, fcopy, reason)) != 0)
		goto done;
	/* the writer's own check, on the same (NFC) text: what one accepts the
	 * other does; a file that is not NFC fails the re-encoding below */
	if ((rc = ps_change_validate(c)) != 0) {
		char why[600];
		snprintf(why, sizeof(why), "%s", ps_error_last());
		ps_error_set(rc, "change file: %s", why);
		goto done;
	}
	char *again = NULL;
	size_t alen2 = 0;
	if ((rc = ps_change_encode(&again, &alen2, c)) != 0)
		goto done;
	if (alen2 != len || memcmp(again, data, len) != 0) {
		rc = ps_error_set(
		    PS_EINVALID,
		    "change file is not in canonical form (key order, spacing, escapes, NFC or sorted base)");
		free(again);
		goto done;
	}
	free(again);
	rc = 0;
done:
	cJSON_Delete(root);
	if (rc) {
		ps_change_free(c);
		return rc;
	}
	*out = c;
	return 0;
}
