/* replica.c - open replicas; the one write path for changes (creating one
 * is replica_init.c's).
 *
 * A replica directory holds plansync.db and repo.git. Every local change
 * goes through ps_replica_write_full(): ownership, validation, base = the
 * record's heads, a clock tick, the canonical bytes, the fold, one
 * transaction. Never touches the network. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "plansync/replica.h"
#include "replica_int.h"
#include "plansync/error.h"
#include "plansync/fold.h"
#include "plansync/identity.h"
#include "plansync/json.h"
#include "plansync/record.h"
#include "repo.h"
#include "plansync/text.h"

struct ps_replica {
	char *dir, *office, *id, *province, *author;
	ps_store *store;
	ps_key *key; /* loaded by ps_replica_key (replica_key.c), dropped on reload */
};

ps_key **ps_replica_key_slot(ps_replica *r)
{
	return &r->key;
}

ps_store *ps_replica_store(ps_replica *r)
{
	return r->store;
}
const char *ps_replica_dir(const ps_replica *r)
{
	return r->dir;
}
const char *ps_replica_office(const ps_replica *r)
{
	return r->office;
}
const char *ps_replica_id(const ps_replica *r)
{
	return r->id;
}
const char *ps_replica_province(const ps_replica *r)
{
	return r->province;
}
const char *ps_replica_author(const ps_replica *r)
{
	return r->author;
}
bool ps_replica_is_province(const ps_replica *r)
{
	return strcmp(r->office, r->province) == 0;
}

void ps_replica_free(ps_replica *r)
{
	if (!r)
		return;
	ps_store_free(r->store);
	ps_key_free(r->key);
	free(r->dir);
	free(r->office);
	free(r->id);
	free(r->province);
	free(r->author);
	free(r);
}

char *ps_replica_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Read the replica's identity and author; again after user.name changes. */
static int load(ps_replica *r)
{
	int rc;
	free(r->office);
	free(r->id);
	free(r->province);
	r->office = r->id = r->province = NULL;
	if ((rc = ps_store_meta_get(r->store, "office", &r->office)) ||
	    (rc = ps_store_meta_get(r->store, "replica", &r->id)) ||
	    (rc = ps_store_meta_get(r->store, "province", &r->province))) {
		if (rc != PS_ENOTFOUND)
			return rc; /* the store said what went wrong (a disk error, a damaged file) */
		char what[200];
		snprintf(what, sizeof(what), "%s", ps_error_last()); /* not formatted into itself */
		/* an init killed half-way: needs a person, like any damage */
		return ps_error_set(PS_EREPAIR,
		                    "%s is not a complete replica (%s): its init was interrupted; nothing in it was "
		                    "written by a person: move it aside (mv %s %s.broken) and run plansync init again",
		                    r->dir, what, r->dir, r->dir);
	}
	free(r->author);
	r->author = NULL;
	if (ps_store_meta_get(r->store, "user.name", &r->author) || !r->author[0]) {
		free(r->author);
		r->author = strdup(r->office);
	}
	return r->author ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
}

int ps_replica_reload(ps_replica *r)
{
	ps_key_free(r->key); /* a new id has a new key */
	r->key = NULL;
	free(r->office);
	free(r->id);
	free(r->province);
	r->office = r->id = r->province = NULL;
	return load(r);
}

int ps_replica_open(ps_replica **out, const char *dir)
{
	return ps_replica_open_flags(out, dir, 0);
}

int ps_replica_open_flags(ps_replica **out, const char *dir, unsigned flags)
{
	*out = NULL;
	struct stat sb;
	if (stat(dir, &sb) != 0 && (errno == EACCES || errno == EPERM))
		return ps_error_set(PS_ERROR,
		                    "cannot open the replica directory %s: permission denied; run plansync as the user "
		                    "who owns it, or give this user access (chmod/chown)",
		                    dir);
	if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
		return ps_error_set(PS_ENOREPLICA,
		                    "%s is a file, not a replica directory; pass -C the directory that holds "
		                    "plansync.db",
		                    dir);
	if (stat(dir, &sb) != 0)
		return ps_error_set(PS_ENOREPLICA,
		                    "replica directory %s does not exist; create one with 'plansync init DIR --office "
		                    "OFFICE' or pass -C DIR",
		                    dir);
	ps_replica *r = calloc(1, sizeof(*r));
	if (!r || !(r->dir = strdup(dir))) {
		free(r);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	char *db = ps_replica_path(dir, "plansync.db");
	int rc;
	if (!db) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	} else if (stat(db, &sb) != 0 && (errno == EACCES || errno == EPERM)) {
		rc =
		    ps_error_set(PS_ERROR,
		                 "cannot read %s: permission denied; run plansync as the user who owns the replica, or "
		                 "give this user access (chmod/chown)",
		                 db);
	} else if (stat(db, &sb) != 0) {
		rc = ps_error_set(PS_ENOREPLICA,
		                  "%s is not a plansync replica (no plansync.db); use -C DIR or set PLANSYNC_DIR", dir);
	} else {
		rc = ps_store_open(&r->store, db, flags & PS_REPLICA_DAMAGED_OK ? PS_STORE_DAMAGED_OK : 0);
		if (!rc)
			rc = load(r);
		if (!rc)
			rc = ps_identity_check(r);
	}
	free(db);
	if (rc) {
		ps_replica_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int ps_replica_random_suffix(char out[7])
{
	unsigned char b[3];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, b, 3) != 3) {
		if (fd >= 0)
			close(fd);
		return ps_error_set(PS_ERROR, "cannot read /dev/urandom");
	}
	close(fd);
	snprintf(out, 7, "%02x%02x%02x", b[0], b[1], b[2]);
	return 0;
}

int ps_replica_record_live(ps_replica *r, const char *record)
{
	return ps_store_record_live(r->store, record);
}

/* A value as a person reads it: strings bare, cut to 60 columns. */
static void show_value(ps_buf *b, const char *compact)
{
	if (!compact) {
		ps_buf_puts(b, "(none)");
		return;
	}
	cJSON *v = cJSON_Parse(compact);
	const char *s = cJSON_IsString(v) ? v->valuestring : compact;
	char *fit = ps_text_fit(s, 60);
	char *nl;
	while (fit && (nl = strchr(fit, '\n')))
		*nl = ' ';
	ps_buf_puts(b, fit ? fit : "");
	free(fit);
	cJSON_Delete(v);
}

/* The base being built by base_past_future. */
typedef struct base_ctx {
	char ***heads;
	size_t *n;
} base_ctx;

/* Add parent p to the base unless it is there already or the base is full. */
static int add_parent(void *ctx, const char *p)
{
	base_ctx *b = ctx;
	if (*b->n >= PS_CHANGE_MAX_BASE)
		return 1; /* full: stop, not an error */
	for (size_t k = 0; k < *b->n; k++)
		if (strcmp((*b->heads)[k], p) == 0)
			return 0;
	char **nh = realloc(*b->heads, (*b->n + 1) * sizeof(char *));
	if (!nh)
		return ps_error_set(PS_ENOMEM, "out of memory");
	*b->heads = nh;
	if (!(nh[*b->n] = strdup(p)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	(*b->n)++;
	return 0;
}

/* A head stamped in the future (written while this machine's clock was
 * ahead; see ps_store_future_from) is held back by every reader until then,
 * and a base naming only it would leave readers without the chain to what
 * it superseded: its bases are named too, and those of every future-stamped
 * change so named, down the whole future chain to the first change stamped
 * in the past (within the base limit). A reader that has released only the
 * oldest future changes then still sees the new change supersede each of
 * them. Past changes are not expanded: readers hold none of them back. */
static int base_past_future(ps_store *s, char ***heads, size_t *n)
{
	char from[PS_CHANGE_ID_MAX + 1];
	ps_store_future_from(s, from);
	base_ctx b = {heads, n};
	for (size_t i = 0; i < *n; i++) { /* *n grows: parents added are expanded in turn */
		if (strcmp((*heads)[i], from) < 0)
			continue;
		int rc = ps_store_parents(s, (*heads)[i], add_parent, &b);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int ps_replica_write_full(ps_replica *r, const char *record, ps_op op, cJSON *fields, const char *reason, bool in_txn,
                          bool keep_equal, char **id_out)
{
	assert(r && record);
	if (id_out)
		*id_out = NULL;
	if (!fields)
		fields = cJSON_CreateObject();
	if (!fields)
		return ps_error_set(PS_ENOMEM, "out of memory");
	ps_record_id rid;
	char *why = NULL, *summary = NULL, *bytes = NULL;
	char **heads = NULL;
	size_t nheads = 0, len = 0;
	ps_change *c = NULL;
	ps_buf sb = PS_BUF_INIT;
	int began = 0;
	int rc = ps_record_parse(&rid, record);
	if (rc)
		goto out;
	const char *owner = ps_record_owner(&rid, r->province);
	if (strcmp(owner, r->office) != 0) {
		rc = ps_error_set(PS_ENOTOWNER, "office %s may not write %s: it belongs to %s", r->office, record,
		                  owner);
		goto out;
	}
	/* fields in NFC first: limits are judged on the bytes that will be
	 * written (ps_change_validate below checks the built change again) */
	if ((rc = ps_json_nfc(fields)) != 0) {
		rc = rc == PS_ENOMEM ? ps_error_set(PS_ENOMEM, "out of memory")
		                     : ps_error_set(PS_EINVALID, "a field holds text that is not valid UTF-8");
		goto out;
	}
	if (op == PS_OP_SET && (rc = ps_record_check_fields(&rid, fields)))
		goto out;
	if (reason && (rc = ps_text_clean(&why, reason, PS_CHANGE_REASON_MAX, true, "the reason")))
		goto out;
	if (!in_txn) {
		if ((rc = ps_store_begin(r->store)))
			goto out;
		began = 1;
	}
	int live = ps_replica_record_live(r, record);
	if (live < 0) {
		rc = live;
		goto out;
	}
	char label[PS_RECORD_ID_MAX + 1];
	ps_record_label(label, sizeof(label), record);
	ps_buf_printf(&sb, "%s: %s", r->office, label);
	if (op == PS_OP_RETIRE) {
		cJSON_Delete(fields);
		fields = cJSON_CreateObject();
		if (!live && !keep_equal) {
			rc = ps_error_set(PS_EEXISTS, "%s does not exist or is already retired", record);
			goto out;
		}
		ps_buf_puts(&sb, ": retired");
	} else {
		int first = 1;
		cJSON *f = fields->child;
		while (f) {
			cJSON *next = f->next;
			char *now = NULL, *old = NULL;
			int crc = ps_json_compact_to(&now, f);
			if (!crc && (rc = ps_store_state_value(r->store, record, f->string, &old))) {
				free(now);
				goto out;
			}
			if (crc) {
				rc = crc == PS_ENOMEM
				         ? crc
				         : ps_error_set(PS_EINVALID, "field %s has a value that cannot be stored",
				                        f->string);
				goto out;
			}
			if (!keep_equal && live && old && strcmp(old, now) == 0) {
				cJSON_Delete(cJSON_DetachItemViaPointer(fields, f));
			} else {
				ps_buf_printf(&sb, "%s %s ", first ? ":" : ";", f->string);
				show_value(&sb, old);
				ps_buf_puts(&sb, " \xe2\x86\x92 ");
				show_value(&sb, now);
				first = 0;
			}
			free(now);
			free(old);
			f = next;
		}
		if (!fields->child) {
			rc = ps_error_set(PS_EEXISTS, "%s already has these values; nothing to change", record);
			goto out;
		}
	}
	if (ps_buf_error(&sb)) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto out;
	}
	summary = ps_buf_detach(&sb);
	if ((rc = ps_store_heads(r->store, record, &heads, &nheads)) ||
	    (rc = base_past_future(r->store, &heads, &nheads)))
		goto out;
	if (nheads > PS_CHANGE_MAX_BASE) {
		rc = ps_error_set(PS_ECONFLICT, "%s has %zu concurrent versions; resolve some first", record, nheads);
		goto out;
	}
	ps_hlc hlc;
	if ((rc = ps_store_hlc_tick(r->store, r->id, &hlc)))
		goto out;
	rc = ps_change_new(&c, r->office, r->id, r->author, hlc, record, op, (const char *const *)heads, nheads, fields,
	                   why);
	fields = NULL;
	if (rc || (rc = ps_change_validate(c)))
		goto out;
	if ((rc = ps_change_encode(&bytes, &len, c)))
		goto out;
	if (len > PS_CHANGE_MAX_BYTES) {
		rc = ps_error_set(PS_EINVALID,
		                  "this change would be %zu bytes, over the %d byte limit; shorten the text", len,
		                  PS_CHANGE_MAX_BYTES);
		goto out;
	}
	if ((rc = ps_fold_insert(r->store, c, bytes, len, true, summary, false, NULL)))
		goto out;
	/* The id is copied before the commit: once written, the write succeeded. */
	char *idc = id_out ? strdup(c->id) : NULL;
	if (id_out && !idc) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto out;
	}
	if (began) {
		began = 0;
		if ((rc = ps_store_commit(r->store))) {
			free(idc);
			goto out;
		}
	}
	if (id_out)
		*id_out = idc;
out:
	if (began)
		ps_store_rollback(r->store);
	cJSON_Delete(fields);
	ps_change_free(c);
	ps_strv_free(heads, nheads);
	ps_buf_release(&sb);
	free(summary);
	free(bytes);
	free(why);
	return rc;
}

int ps_replica_write(ps_replica *r, const char *record, ps_op op, cJSON *fields, const char *reason, bool in_txn,
                     char **id_out)
{
	return ps_replica_write_full(r, record, op, fields, reason, in_txn, false, id_out);
}
