/* store.c - the SQLite connection of a replica.
 *
 * Exports open/migrate, transactions with bounded retry, a statement cache,
 * meta settings and the two writes every path shares (the clock, and
 * inserting a change with its base edges, and the Git blob id of its bytes
 * so they can be checked before export). Derived tables are fold.c's.
 * Opens read-only (immutable) when the directory cannot be written, and
 * runs PRAGMA quick_check when SQLite had to recover a WAL left behind by
 * a process that died. Never holds a transaction across network I/O. */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "store_int.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "sha1.h"

extern const unsigned char ps_embedded_schema[];
extern const size_t ps_embedded_schema_len;
extern const unsigned char ps_embedded_schema_2[];
extern const size_t ps_embedded_schema_2_len;

/* Migrations in order: migration i takes the schema from version i to i+1. */
static const struct {
	const unsigned char *sql;
	const size_t *len;
} migrations[] = {
    {ps_embedded_schema, &ps_embedded_schema_len},
    {ps_embedded_schema_2, &ps_embedded_schema_2_len},
};

#define SCHEMA_VERSION  2
#define CACHE_SIZE      64
#define BUSY_TIMEOUT_MS 5000
#define BEGIN_RETRIES   20

struct ps_store {
	sqlite3 *db;
	bool readonly; /* opened immutable: the directory or file is not writable */
	bool full;     /* ... or the disk was full at open */
	bool has_blob; /* changes.blob exists (schema 2); false only read-only on schema 1 */
	bool txn;      /* inside ps_store_begin .. commit/rollback */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[CACHE_SIZE];
	int ncache;
	sqlite3_stmt **stmts; /* by call site: ps_site.id - 1 */
	unsigned nstmts;
};

/* SQLite may roll a transaction back by itself after an error (out of
 * memory, disk full) that a caller did not stop at; a statement run after
 * that would commit on its own, outside the transaction, so none is run
 * until the caller rolls back. */
static bool txn_lost(ps_store *s)
{
	if (!s->txn || !sqlite3_get_autocommit(s->db))
		return false;
	ps_error_set(PS_ERROR, "the database rolled the transaction back after an error (out of memory?); "
	                       "nothing of it was written, try again");
	return true;
}

/* Numbers handed to call sites; process-wide because a site is. */
static unsigned next_site;

sqlite3_stmt *ps_store_site(ps_store *s, ps_site *site)
{
	if (txn_lost(s))
		return NULL;
	unsigned id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
	if (!id) {
		unsigned want = __atomic_add_fetch(&next_site, 1, __ATOMIC_RELAXED), seen = 0;
		id = __atomic_compare_exchange_n(&site->id, &seen, want, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
		         ? want
		         : seen;
	}
	if (id > s->nstmts) {
		unsigned n = s->nstmts ? s->nstmts : 32;
		while (n < id)
			n *= 2;
		sqlite3_stmt **v = realloc(s->stmts, n * sizeof(*v));
		if (!v) {
			ps_error_set(PS_ERROR, "out of memory");
			return NULL;
		}
		memset(v + s->nstmts, 0, (n - s->nstmts) * sizeof(*v));
		s->stmts = v;
		s->nstmts = n;
	}
	sqlite3_stmt *st = s->stmts[id - 1];
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (sqlite3_prepare_v3(s->db, site->sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		ps_store_error(s, "preparing a query");
		return NULL;
	}
	s->stmts[id - 1] = st;
	return st;
}

int ps_store_error(ps_store *s, const char *what)
{
	int ext = s && s->db ? sqlite3_extended_errcode(s->db) : 0;
	int sys = s && s->db ? sqlite3_system_errno(s->db) : 0;
	const char *m = s && s->db ? sqlite3_errmsg(s->db) : "no database";
	if ((ext & 0xff) == SQLITE_FULL || ((ext & 0xff) == SQLITE_IOERR && sys == ENOSPC))
		return ps_error_set(PS_ERROR,
		                    "%s: the disk is full; free some space and try again (nothing was written)", what);
	if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED)
		return ps_error_set(PS_EBUSY, "%s: the database stayed busy; try again", what);
	if (ext == SQLITE_READONLY_DBMOVED)
		return ps_error_set(PS_ERROR,
		                    "%s: plansync.db was moved or deleted while in use; stop plansync and the daemon, "
		                    "put the file back, then run 'plansync check'",
		                    what);
	if ((ext & 0xff) == SQLITE_READONLY)
		return ps_error_set(PS_ERROR,
		                    "%s: this replica is read-only (its directory or plansync.db cannot be written); "
		                    "reading works, to write make them writable (chmod -R u+w DIR) or copy the replica",
		                    what);
	if ((ext & 0xff) == SQLITE_CORRUPT || (ext & 0xff) == SQLITE_NOTADB)
		return ps_error_set(
		    PS_EREPAIR, "%s: plansync.db is damaged (%s); run 'plansync check' for how to recover", what, m);
	if ((ext & 0xff) == SQLITE_IOERR || (ext & 0xff) == SQLITE_CANTOPEN)
		return ps_error_set(PS_ERROR,
		                    "%s: disk I/O error on plansync.db or its -wal/-shm files (%s%s%s): a file deleted "
		                    "while in use, a failing disk or a lost mount; stop plansync and the daemon, check "
		                    "the disk, then run 'plansync check'",
		                    what, m, sys ? ": " : "", sys ? strerror(sys) : "");
	return ps_error_set(PS_ERROR, "%s: %s", what, m);
}

bool ps_store_readonly(const ps_store *s)
{
	return s->readonly;
}

sqlite3 *ps_store_db(ps_store *s)
{
	return s->db;
}

sqlite3_stmt *ps_store_stmt(ps_store *s, const char *sql)
{
	if (txn_lost(s))
		return NULL;
	for (int i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].stmt);
			sqlite3_clear_bindings(s->cache[i].stmt);
			return s->cache[i].stmt;
		}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		ps_store_error(s, "preparing a query");
		return NULL;
	}
	if (s->ncache < CACHE_SIZE) {
		s->cache[s->ncache].sql = sql;
		s->cache[s->ncache].stmt = st;
		s->ncache++;
	} else {
		/* Cache full: statements past it are leaked-on-purpose never; the
		 * cache is sized above the number of distinct queries in lib/. */
		sqlite3_finalize(st);
		ps_error_set(PS_ERROR, "statement cache full");
		return NULL;
	}
	return st;
}

int ps_store_exec(ps_store *s, const char *sql)
{
	char *err = NULL;
	if (txn_lost(s))
		return PS_ERROR;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		int rc = ps_store_error(s, "database");
		sqlite3_free(err);
		return rc;
	}
	return 0;
}

int ps_store_begin(ps_store *s)
{
	if (s->full)
		return ps_error_set(PS_ERROR,
		                    "the disk is full: reading works, writing does not; free some space on it "
		                    "and try again (nothing was written)");
	if (s->readonly)
		return ps_error_set(
		    PS_ERROR, "this replica is read-only (its directory or plansync.db cannot be written): reading "
		              "works, writing does not; make them writable (chmod -R u+w DIR) or copy the replica");
	/* busy_timeout already waits inside SQLite; the loop covers the cases
	 * where SQLite returns BUSY at once (a WAL lock held by a checkpoint). */
	for (int i = 0; i < BEGIN_RETRIES; i++) {
		int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK) {
			s->txn = true;
			return 0;
		}
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return ps_store_error(s, "starting a transaction");
		usleep(20000 + (useconds_t)(rand() % 30000));
	}
	return ps_error_set(PS_EBUSY, "the database is busy (another plansync is writing); try again");
}

int ps_store_commit(ps_store *s)
{
	if (txn_lost(s)) {
		s->txn = false;
		return PS_ERROR;
	}
	s->txn = false;
	for (int i = 0; i < BEGIN_RETRIES; i++) {
		int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY) {
			int e = ps_store_error(s, "committing");
			ps_store_rollback(s);
			return e;
		}
		usleep(20000);
	}
	ps_store_rollback(s);
	return ps_error_set(PS_EBUSY, "the database is busy; nothing was written, try again");
}

void ps_store_rollback(ps_store *s)
{
	s->txn = false;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int schema_version(ps_store *s, int *version)
{
	sqlite3_stmt *st;
	*version = 0;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return ps_store_error(s, "reading the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (*version > SCHEMA_VERSION)
		return ps_error_set(
		    PS_ERROR, "this replica was written by a newer plansync (schema %d); upgrade plansync", *version);
	return 0;
}

static int migrate(ps_store *s)
{
	int version;
	int rc = schema_version(s, &version);
	if (rc)
		return rc;
	s->has_blob = version >= 2;
	if (version == SCHEMA_VERSION)
		return 0;
	if (s->readonly)
		return version >= 1
		           ? 0
		           : ps_error_set(PS_ERROR, "this read-only replica has no tables; make it writable and "
		                                    "open it once, or run 'plansync init' elsewhere");
	if ((rc = ps_store_begin(s)))
		return rc;
	/* again under the write lock: another process may have migrated */
	if ((rc = schema_version(s, &version)) || version == SCHEMA_VERSION) {
		ps_store_rollback(s);
		s->has_blob = !rc;
		return rc;
	}
	for (int i = version; i < SCHEMA_VERSION && !rc; i++) {
		char *sql = malloc(*migrations[i].len + 1);
		if (!sql) {
			ps_store_rollback(s);
			return ps_error_set(PS_ENOMEM, "out of memory");
		}
		memcpy(sql, migrations[i].sql, *migrations[i].len);
		sql[*migrations[i].len] = '\0';
		rc = ps_store_exec(s, sql);
		free(sql);
	}
	if (!rc) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", SCHEMA_VERSION);
		rc = ps_store_exec(s, pragma);
	}
	if (rc) {
		ps_store_rollback(s);
		return rc;
	}
	s->has_blob = true;
	return ps_store_commit(s);
}

/* Set by the SQLite log callback when a connection rebuilt the WAL index
 * from a WAL left behind: the last writer died without closing. */
static volatile int wal_recovered;
static bool tolerate_damage;

static void sqlite_log(void *ctx, int code, const char *msg)
{
	(void)ctx;
	(void)msg;
	if (code == SQLITE_NOTICE_RECOVER_WAL)
		wal_recovered = 1;
}

void ps_store_tolerate_damage(bool on)
{
	tolerate_damage = on;
}

/* The directory holding path, and path itself when it exists, writable? */
static bool writable(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (access(dir, W_OK) != 0)
		return false;
	return access(path, W_OK) == 0 || errno == ENOENT;
}

/* file: URI for path with immutable=1 (nothing can change it while we
 * read: its directory is not writable). */
static char *immutable_uri(const char *path)
{
	size_t n = strlen(path);
	char *u = malloc(3 * n + 32);
	if (!u)
		return NULL;
	char *o = u + sprintf(u, "file:");
	for (const char *p = path; *p; p++)
		o += (*p == '%' || *p == '?' || *p == '#') ? sprintf(o, "%%%02X", (unsigned char)*p)
		                                           : sprintf(o, "%c", *p);
	sprintf(o, "?immutable=1");
	return u;
}

/* PRAGMA quick_check; 0 when "ok", else the first complaint as the error. */
int ps_store_quick_check(ps_store *s, const char *pragma)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, pragma, -1, &st, NULL) != SQLITE_OK)
		return ps_store_error(s, "checking the database");
	int r = sqlite3_step(st);
	char first[300] = "";
	if (r == SQLITE_ROW)
		snprintf(first, sizeof(first), "%s", (const char *)sqlite3_column_text(st, 0));
	for (char *p = first; *p; p++)
		if (*p == '\n')
			*p = ' ';
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return ps_store_error(s, "checking the database");
	if (strcmp(first, "ok") == 0)
		return 0;
	return ps_error_set(PS_EREPAIR, "plansync.db is damaged (%s); run 'plansync check' for how to recover", first);
}

/* Open s->db at path; readonly: immutable, no WAL set-up, no migration
 * past what reading needs. */
static int open_db(ps_store *s, const char *path, bool create)
{
	char *uri = s->readonly ? immutable_uri(path) : NULL;
	if (s->readonly && !uri)
		return ps_error_set(PS_ENOMEM, "out of memory");
	int flags = (s->readonly ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI : SQLITE_OPEN_READWRITE) |
	            (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
	wal_recovered = 0;
	int orc = sqlite3_open_v2(uri ? uri : path, &s->db, flags, NULL);
	free(uri);
	if (orc != SQLITE_OK)
		return ps_error_set(create ? PS_ERROR : PS_ENOTFOUND, "cannot open %s: %s", path,
		                    s->db ? sqlite3_errmsg(s->db) : "out of memory");
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	int rc = ps_store_exec(s, s->readonly ? "PRAGMA cache_size=-8000;"
	                                      : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
	                                        "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-8000;");
	if (!rc)
		rc = migrate(s);
	/* Reading the schema version rebuilt the WAL index if a writer died. */
	if (!rc && wal_recovered && !tolerate_damage)
		rc = ps_store_quick_check(s, "PRAGMA quick_check(1)");
	return rc;
}

static bool disk_full(ps_store *s)
{
	int ext = s->db ? sqlite3_extended_errcode(s->db) : 0;
	return (ext & 0xff) == SQLITE_FULL || ((ext & 0xff) == SQLITE_IOERR && sqlite3_system_errno(s->db) == ENOSPC);
}

/* A WAL with frames in it: an immutable open would not see them. */
static bool wal_has_frames(const char *path)
{
	char wal[PATH_MAX];
	struct stat sb;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	return stat(wal, &sb) == 0 && sb.st_size > 32;
}

int ps_store_open(ps_store **out, const char *path, bool create)
{
	*out = NULL;
	static int log_set;
	if (!log_set) { /* SQLITE_MISUSE when SQLite already started: then no check */
		log_set = 1;
		sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
	}
	ps_store *s = calloc(1, sizeof(*s));
	if (!s)
		return ps_error_set(PS_ENOMEM, "out of memory");
	s->readonly = !create && !writable(path);
	int rc = open_db(s, path, create);
	/* A full disk cannot take the -wal and -shm files a read needs: read
	 * the file as it is, when no WAL holds newer pages. */
	if (rc && !create && !s->readonly && disk_full(s) && !wal_has_frames(path)) {
		sqlite3_close(s->db);
		s->db = NULL;
		s->readonly = s->full = true;
		rc = open_db(s, path, create);
	}
	if (rc) {
		ps_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void ps_store_free(ps_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].stmt);
	for (unsigned i = 0; i < s->nstmts; i++)
		sqlite3_finalize(s->stmts[i]);
	free(s->stmts);
	sqlite3_close(s->db);
	free(s);
}

/* PS_ENOTFOUND without touching the error message: absent is normal. */
static int meta_lookup(ps_store *s, const char *key, char **out)
{
	*out = NULL;
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT value FROM meta WHERE key = ?1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		return *out ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return PS_ENOTFOUND;
	return ps_store_error(s, "reading settings");
}

int ps_store_meta_get(ps_store *s, const char *key, char **out)
{
	int rc = meta_lookup(s, key, out);
	if (rc == PS_ENOTFOUND)
		return ps_error_set(PS_ENOTFOUND, "%s is not set", key);
	return rc;
}

int ps_store_meta_set(ps_store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = value ? ps_store_stmt(s, "INSERT INTO meta(key, value) VALUES (?1, ?2) "
	                                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
	                         : ps_store_stmt(s, "DELETE FROM meta WHERE key = ?1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : ps_store_error(s, "writing settings");
}

int ps_store_meta_get_int(ps_store *s, const char *key, long long *out, long long dflt)
{
	char *v = NULL;
	int rc = meta_lookup(s, key, &v);
	if (rc == PS_ENOTFOUND) {
		*out = dflt;
		return 0;
	}
	if (rc)
		return rc;
	*out = strtoll(v, NULL, 10);
	free(v);
	return 0;
}

int ps_store_meta_set_int(ps_store *s, const char *key, long long value)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", value);
	return ps_store_meta_set(s, key, buf);
}

void ps_store_future_from(ps_store *s, char out[17])
{
	long long seen = 0;
	if (ps_store_meta_get_int(s, "seen.remote_ms", &seen, 0))
		seen = 0;
	uint64_t now = ps_now_ms();
	if (seen > 0 && (uint64_t)seen > now)
		now = (uint64_t)seen;
	ps_hlc_format(PS_HLC_MAKE(now + ps_store_clock_ahead_ms(s) + 1, 0), out);
}

int ps_store_note_remote_clock(ps_store *s, ps_hlc seen)
{
	long long cur = 0;
	int rc = ps_store_meta_get_int(s, "seen.remote_ms", &cur, 0);
	if (rc || (long long)PS_HLC_MS(seen) <= cur)
		return rc;
	return ps_store_meta_set_int(s, "seen.remote_ms", (long long)PS_HLC_MS(seen));
}

uint64_t ps_store_clock_ahead_ms(ps_store *s)
{
	long long v;
	if (ps_store_meta_get_int(s, "sync.max_drift", &v, PS_HLC_DEFAULT_DRIFT_S) || v <= 0 ||
	    v > PS_HLC_DEFAULT_DRIFT_S)
		v = PS_HLC_DEFAULT_DRIFT_S;
	return (uint64_t)v * 1000;
}

/* 1 when a change with this id is stored, 0 when not, <0 on error. */
static int id_taken(ps_store *s, ps_hlc h, const char *replica)
{
	char id[PS_CHANGE_ID_MAX + 1];
	ps_change_make_id(id, sizeof(id), h, replica);
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT 1 FROM changes WHERE id = ?1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ps_store_error(s, "looking up a change");
	return rc == SQLITE_ROW;
}

int ps_store_hlc_tick(ps_store *s, const char *replica, ps_hlc *out)
{
	long long last;
	int rc = ps_store_meta_get_int(s, "hlc", &last, 0);
	if (rc)
		return rc;
	uint64_t now = ps_now_ms(), ahead = ps_store_clock_ahead_ms(s);
	ps_hlc h = ps_hlc_tick((ps_hlc)last, now, ahead);
	/* A clock that was reset (it had been ahead of a wrong wall clock) may
	 * come back to a value an earlier change of ours carries: step past. */
	while ((rc = id_taken(s, h, replica)) == 1)
		h = ps_hlc_tick(h, now, UINT64_MAX - now);
	if (rc < 0)
		return rc;
	if ((rc = ps_store_meta_set_int(s, "hlc", (long long)h)))
		return rc;
	*out = h;
	return 0;
}

int ps_store_hlc_observe(ps_store *s, ps_hlc seen)
{
	long long last;
	int rc = ps_store_meta_get_int(s, "hlc", &last, 0);
	if (rc)
		return rc;
	ps_hlc h = ps_hlc_observe((ps_hlc)last, seen, ps_now_ms(), ps_store_clock_ahead_ms(s));
	if (h == (ps_hlc)last)
		return 0;
	return ps_store_meta_set_int(s, "hlc", (long long)h);
}

void ps_store_blob_id(char out[41], const void *bytes, size_t len)
{
	ps_sha1 h;
	char hdr[32];
	unsigned char d[20];
	int n = snprintf(hdr, sizeof(hdr), "blob %zu", len);
	ps_sha1_init(&h);
	ps_sha1_update(&h, hdr, (size_t)n + 1); /* with its NUL, as Git hashes it */
	ps_sha1_update(&h, bytes, len);
	ps_sha1_final(&h, d);
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

bool ps_store_has_blob_ids(const ps_store *s)
{
	return s->has_blob;
}

/* The id is known already: same bytes is a duplicate, other bytes an alarm. */
static int known_change(ps_store *s, const ps_change *c, const char *bytes, size_t len)
{
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT bytes FROM changes WHERE id = ?1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int same = rc == SQLITE_ROW && (size_t)sqlite3_column_bytes(st, 0) == len &&
	           memcmp(sqlite3_column_blob(st, 0), bytes, len) == 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return ps_store_error(s, "looking up a change");
	if (same)
		return PS_EEXISTS;
	return ps_error_set(PS_ECONFLICT, "change %s is already known with different content (integrity alarm)", c->id);
}

/* A base naming a larger id (written over a future-stamped change) marks
 * the record: its fold cannot rely on parents sorting first. */
static int note_backref(ps_store *s, const ps_change *c)
{
	size_t i;
	for (i = 0; i < c->nbase && strcmp(c->base[i], c->id) < 0; i++)
		;
	if (i == c->nbase)
		return 0;
	sqlite3_stmt *st = ps_store_stmt(s, "INSERT OR IGNORE INTO backrefs(record) VALUES (?1)");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, c->record, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : ps_store_error(s, "storing a change's base");
}

int ps_store_has_backrefs(ps_store *s, const char *record)
{
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT 1 FROM backrefs WHERE record = ?1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ps_store_error(s, "reading a record's history");
	return rc == SQLITE_ROW;
}

int ps_store_insert_change(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local,
                           const char *summary)
{
	return ps_store_insert_change_ex(s, c, bytes, len, local, summary, true);
}

int ps_store_insert_change_ex(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local,
                              const char *summary, bool heads)
{
	int rc;
	char *fields = ps_json_compact(c->fields);
	if (!fields)
		return ps_error_set(PS_ENOMEM, "out of memory");
	sqlite3_stmt *st =
	    ps_store_stmt(s, "INSERT INTO changes(id, record, office, replica, author, hlc, op, fields, "
	                     "reason, bytes, local, summary, blob) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13) "
	                     "ON CONFLICT(id) DO NOTHING");
	char blob[41];
	ps_store_blob_id(blob, bytes, len);
	if (!st) {
		free(fields);
		return PS_ERROR;
	}
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->office, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->replica, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->author, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)c->hlc);
	sqlite3_bind_text(st, 7, c->op == PS_OP_SET ? "set" : "retire", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, fields, -1, SQLITE_STATIC);
	if (c->reason)
		sqlite3_bind_text(st, 9, c->reason, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, bytes, (int)len, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, local ? 1 : 0);
	if (summary)
		sqlite3_bind_text(st, 12, summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, blob, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(fields);
	if (rc != SQLITE_DONE)
		return ps_store_error(s, "storing a change");
	if (sqlite3_changes(ps_store_db(s)) == 0)
		return known_change(s, c, bytes, len);
	st = ps_store_stmt(s, "INSERT OR IGNORE INTO edges(child, parent) VALUES (?1, ?2)");
	sqlite3_stmt *dh = ps_store_stmt(s, "DELETE FROM heads WHERE record = ?1 AND id = ?2");
	if (!st || !dh)
		return PS_ERROR;
	for (size_t i = 0; i < c->nbase; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->base[i], -1, SQLITE_STATIC);
		sqlite3_reset(dh);
		sqlite3_bind_text(dh, 1, c->record, -1, SQLITE_STATIC);
		sqlite3_bind_text(dh, 2, c->base[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE || (heads && sqlite3_step(dh) != SQLITE_DONE)) {
			sqlite3_reset(st);
			sqlite3_reset(dh);
			return ps_store_error(s, "storing a change's base");
		}
	}
	sqlite3_reset(st);
	sqlite3_reset(dh);
	if ((rc = note_backref(s, c)))
		return rc;
	if (!heads)
		return 0;
	/* A head unless a change that arrived earlier already names it. */
	st = ps_store_stmt(
	    s, "INSERT INTO heads(record, id) SELECT ?1, ?2 WHERE NOT EXISTS "
	       "(SELECT 1 FROM edges e JOIN changes k ON k.id = e.child WHERE e.parent = ?2 AND k.record = ?1)");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, c->record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : ps_store_error(s, "noting the record's latest change");
}

int ps_store_delete_change(ps_store *s, const char *id)
{
	sqlite3_stmt *de = ps_store_stmt(s, "DELETE FROM edges WHERE child = ?1");
	sqlite3_stmt *dc = ps_store_stmt(s, "DELETE FROM changes WHERE id = ?1");
	if (!de || !dc)
		return PS_ERROR;
	sqlite3_bind_text(de, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(dc, 1, id, -1, SQLITE_STATIC);
	int e1 = sqlite3_step(de), e2 = sqlite3_step(dc);
	sqlite3_reset(de);
	sqlite3_reset(dc);
	return e1 == SQLITE_DONE && e2 == SQLITE_DONE ? 0 : ps_store_error(s, "removing a change");
}

int ps_store_replace_change(ps_store *s, const ps_change *c, const char *bytes, size_t len, char **old_record)
{
	*old_record = NULL;
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT record, local, office, replica FROM changes WHERE id = ?1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return ps_store_error(s, "looking up a change");
	}
	int ours = sqlite3_column_int(st, 1) != 0 || strcmp((const char *)sqlite3_column_text(st, 2), c->office) != 0 ||
	           strcmp((const char *)sqlite3_column_text(st, 3), c->replica) != 0;
	*old_record = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (!*old_record)
		return ps_error_set(PS_ENOMEM, "out of memory");
	if (ours)
		return ps_error_set(PS_ECONFLICT,
		                    "change %s is already known with different content from another writer "
		                    "(integrity alarm); kept as it was",
		                    c->id);
	int rc = ps_store_delete_change(s, c->id);
	if (!rc)
		rc = ps_store_insert_change_ex(s, c, bytes, len, false, NULL, false);
	if (!rc)
		rc = ps_store_rebuild_heads_for(s, c->record);
	if (!rc && strcmp(*old_record, c->record) != 0)
		rc = ps_store_rebuild_heads_for(s, *old_record);
	return rc;
}

int ps_store_set_head(ps_store *s, const char *record, const char *id)
{
	sqlite3_stmt *d = ps_store_stmt(s, "DELETE FROM heads WHERE record = ?1");
	sqlite3_stmt *i = ps_store_stmt(s, "INSERT INTO heads(record, id) VALUES (?1, ?2)");
	if (!d || !i)
		return PS_ERROR;
	sqlite3_bind_text(d, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(i, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(i, 2, id, -1, SQLITE_STATIC);
	int e1 = sqlite3_step(d), e2 = e1 == SQLITE_DONE ? sqlite3_step(i) : e1;
	sqlite3_reset(d);
	sqlite3_reset(i);
	return e1 == SQLITE_DONE && e2 == SQLITE_DONE ? 0 : ps_store_error(s, "noting the record's latest change");
}

int ps_store_rebuild_heads_for(ps_store *s, const char *record)
{
	sqlite3_stmt *d = ps_store_stmt(s, "DELETE FROM heads WHERE record = ?1");
	sqlite3_stmt *i =
	    ps_store_stmt(s, "INSERT INTO heads(record, id) SELECT c.record, c.id FROM changes c WHERE c.record = ?1 "
	                     "AND NOT EXISTS (SELECT 1 FROM edges e JOIN changes k ON k.id = e.child "
	                     "WHERE e.parent = c.id AND k.record = ?1)");
	if (!d || !i)
		return PS_ERROR;
	sqlite3_bind_text(d, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(i, 1, record, -1, SQLITE_STATIC);
	int e1 = sqlite3_step(d), e2 = e1 == SQLITE_DONE ? sqlite3_step(i) : e1;
	sqlite3_reset(d);
	sqlite3_reset(i);
	return e1 == SQLITE_DONE && e2 == SQLITE_DONE ? 0
	                                              : ps_store_error(s, "recomputing the record's latest changes");
}

int ps_store_rebuild_heads(ps_store *s)
{
	return ps_store_exec(s, "DELETE FROM heads; INSERT INTO heads(record, id) SELECT c.record, c.id FROM changes c "
	                        "WHERE NOT EXISTS (SELECT 1 FROM edges e JOIN changes k ON k.id = e.child "
	                        "WHERE e.parent = c.id AND k.record = c.record)");
}

void ps_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int ps_store_heads(ps_store *s, const char *record, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT id FROM heads WHERE record = ?1 ORDER BY id");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	char **v = NULL;
	size_t cnt = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **nv = realloc(v, sizeof(char *) * (cnt + 1));
		if (!nv)
			break;
		v = nv;
		v[cnt] = strdup((const char *)sqlite3_column_text(st, 0));
		if (!v[cnt])
			break;
		cnt++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ps_strv_free(v, cnt);
		return rc == SQLITE_ROW ? ps_error_set(PS_ENOMEM, "out of memory") : ps_store_error(s, "reading heads");
	}
	*out = v;
	*n = cnt;
	return 0;
}
