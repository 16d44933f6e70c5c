/* replica.c - open and create replicas; the one write path for changes.
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
};

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
	free(r->dir);
	free(r->office);
	free(r->id);
	free(r->province);
	free(r->author);
	free(r);
}

static char *path_join(const char *dir, const char *name)
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
	char *db = path_join(dir, "plansync.db");
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

static int dir_is_empty_or_missing(const char *dir)
{
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return mkdir(dir, 0755) == 0 ? 0 : ps_error_set(PS_ERROR, "cannot create %s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return ps_error_set(PS_EEXISTS, "%s exists and is not a directory; choose another path", dir);
	char *db = path_join(dir, "plansync.db");
	int exists = db && stat(db, &sb) == 0;
	/* An init killed before it stored the office left a database no
	 * command can use: say so, rather than send the user to -C DIR. */
	ps_store *st = NULL;
	char *office = NULL;
	bool incomplete =
	    exists && ps_store_open(&st, db, 0) == 0 && ps_store_meta_get(st, "office", &office) == PS_ENOTFOUND;
	free(office);
	ps_store_free(st);
	free(db);
	if (incomplete)
		return ps_error_set(
		    PS_EREPAIR,
		    "%s is not a complete replica: its init was interrupted; nothing in it was written by "
		    "a person: move it aside (mv %s %s.broken) and run plansync init again",
		    dir, dir, dir);
	if (exists)
		return ps_error_set(
		    PS_EEXISTS, "%s is already a replica; use it with -C %s, or choose an empty directory", dir, dir);
	char *git = path_join(dir, "repo.git");
	exists = git && stat(git, &sb) == 0;
	free(git);
	if (exists)
		return ps_error_set(PS_EEXISTS, "%s already holds repo.git; choose an empty directory", dir);
	return 0;
}

/* What ps_replica_init and a first sync make in dir, removed; dir too
 * when made_dir and it is then empty (rmdir fails on anything else). */
static int remove_made(const char *dir, bool made_dir)
{
	static const char *const made[] = {"plansync.db",         "plansync.db-wal", "plansync.db-shm",
	                                   "plansync.db-journal", "sync.lock",       "repo.git"};
	int rc = 0;
	for (size_t i = 0; i < sizeof(made) / sizeof(*made); i++) {
		char *p = path_join(dir, made[i]);
		if (!p || ps_repo_rm_rf(p) != 0)
			rc = ps_error_set(PS_ERROR,
			                  "cannot remove %s/%s: %s; remove it by hand before running init again", dir,
			                  made[i], p ? strerror(errno) : "out of memory");
		free(p);
	}
	if (!rc && made_dir && rmdir(dir) != 0 && errno != ENOENT)
		rc = ps_error_set(PS_ERROR, "cannot remove %s: %s", dir, strerror(errno));
	return rc;
}

int ps_replica_discard(ps_replica *r, bool made_dir)
{
	if (!r)
		return 0;
	char *dir = strdup(ps_replica_dir(r));
	ps_replica_free(r);
	if (!dir)
		return ps_error_set(PS_ENOMEM, "out of memory");
	int rc = remove_made(dir, made_dir);
	free(dir);
	return rc;
}

/* Two inits of one directory at the same instant: the first to create
 * sync.lock (O_EXCL) goes on, holding a lock on it until the replica is
 * made; the other stops before it makes or removes anything, so neither
 * undoes the other's replica. A sync.lock nobody holds is what an init
 * killed at its start left: taken over when the directory still holds no
 * replica. *fd gets the descriptor to close when init is done. */
static int claim_dir(const char *dir, int *fd)
{
	*fd = -1;
	char *lock = path_join(dir, "sync.lock");
	if (!lock)
		return ps_error_set(PS_ENOMEM, "out of memory");
	int f = open(lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (f < 0 && errno == EEXIST)
		f = open(lock, O_RDWR | O_CLOEXEC);
	int e = errno;
	free(lock);
	if (f < 0)
		return ps_error_set(PS_ERROR, "cannot create %s/sync.lock: %s", dir, strerror(e));
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		close(f);
		return ps_error_set(PS_EEXISTS,
		                    "another plansync process is creating or using a replica in %s; use that one, or "
		                    "choose another directory",
		                    dir);
	}
	int rc = dir_is_empty_or_missing(dir); /* again, under the lock */
	if (rc) {
		close(f);
		return rc;
	}
	*fd = f;
	return 0;
}

int ps_replica_init(ps_replica **out, const char *dir, const ps_init_opts *o)
{
	*out = NULL;
	const char *province = o->province ? o->province : "tinh";
	if (!o->office || !ps_slug_valid(o->office))
		return ps_error_set(
		    PS_EINVALID,
		    "office \"%s\" is not a valid office id (lowercase letters, digits and '-', such as tx-kinh-mon)",
		    o->office ? o->office : "");
	if (!ps_slug_valid(province))
		return ps_error_set(PS_EINVALID, "province \"%s\" is not a valid office id", province);
	char rid[128];
	if (o->replica && strncmp(o->replica, o->office, strlen(o->office)) == 0 &&
	    o->replica[strlen(o->office)] == '-')
		snprintf(rid, sizeof(rid), "%s", o->replica);
	else if (o->replica)
		snprintf(rid, sizeof(rid), "%s-%s", o->office, o->replica);
	else {
		char sfx[7];
		int rc = ps_replica_random_suffix(sfx);
		if (rc)
			return rc;
		snprintf(rid, sizeof(rid), "%s-%s", o->office, sfx);
	}
	if (!ps_replica_id_valid(rid, o->office))
		return ps_error_set(
		    PS_EINVALID,
		    "replica id \"%s\" is not valid: it is the office, '-', and 1-32 lowercase letters or digits", rid);
	char *author = NULL;
	if (o->user_name) {
		int rc = ps_text_clean(&author, o->user_name, PS_CHANGE_AUTHOR_MAX, false, "the user name");
		if (!rc && (rc = ps_change_check_author(author)))
			free(author);
		if (rc)
			return rc;
	}
	struct stat sb;
	bool made_dir = stat(dir, &sb) != 0;
	int rc = o->remote ? ps_repo_url_check(o->remote) : 0;
	if (!rc)
		rc = dir_is_empty_or_missing(dir);
	int lockfd = -1;
	if (!rc)
		rc = claim_dir(dir, &lockfd);
	if (rc) {
		free(author);
		return rc;
	}
	char *gitdir = path_join(dir, "repo.git"), *db = path_join(dir, "plansync.db");
	git_repository *repo = NULL;
	ps_store *store = NULL;
	if (!gitdir || !db) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = ps_repo_init(&repo, gitdir)))
		goto fail;
	if (o->remote && (rc = ps_repo_set_remote(repo, o->remote)))
		goto fail;
	if ((rc = ps_store_open(&store, db, PS_STORE_CREATE)))
		goto fail;
	if ((rc = ps_store_begin(store)))
		goto fail;
	if ((rc = ps_store_meta_set(store, "office", o->office)) || (rc = ps_store_meta_set(store, "replica", rid)) ||
	    (rc = ps_store_meta_set(store, "province", province)) ||
	    (author && (rc = ps_store_meta_set(store, "user.name", author))) ||
	    (o->remote && (rc = ps_store_meta_set(store, "remote", o->remote)))) {
		ps_store_rollback(store);
		goto fail;
	}
	if ((rc = ps_store_commit(store)))
		goto fail;
	ps_store_free(store);
	git_repository_free(repo);
	free(gitdir);
	free(db);
	free(author);
	rc = ps_replica_open(out, dir);
	close(lockfd);
	return rc;
fail:
	ps_store_free(store);
	git_repository_free(repo);
	/* Leave nothing half-made behind: a later init must be able to run. */
	remove_made(dir, made_dir);
	close(lockfd);
	free(gitdir);
	free(db);
	free(author);
	return rc;
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
