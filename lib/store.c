/* store.c - the SQLite connection of a replica.
 *
 * Exports open/migrate, transactions with bounded retry, statements
 * prepared once per call site (ps_store_site, store_int.h) and the Git
 * blob id of a change's bytes. The tables themselves are read and written
 * by the other store_*.c files, one table group each: store_meta.c
 * (settings, the clock), store_changes.c (the change log), store_state.c
 * (the fold's derived tables), store_check.c (what 'plansync check' and a
 * new replica id record), store_sync.c (exports, own changes),
 * store_import.c (fetched branches, held changes, problems) and
 * store_views.c (the reads the commands show).
 * Opens read-only (immutable) when the directory cannot be written, and
 * runs PRAGMA quick_check when SQLite had to recover a WAL left behind by
 * a process that died. Never holds a transaction across network I/O. */
#include <assert.h>
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
extern const unsigned char ps_embedded_schema_3[];
extern const size_t ps_embedded_schema_3_len;
extern const unsigned char ps_embedded_schema_4[];
extern const size_t ps_embedded_schema_4_len;
extern const unsigned char ps_embedded_schema_5[];
extern const size_t ps_embedded_schema_5_len;

/* Migrations in order: migration i takes the schema from version i to i+1. */
static const struct {
	const unsigned char *sql;
	const size_t *len;
} migrations[] = {
    {ps_embedded_schema, &ps_embedded_schema_len},
    {ps_embedded_schema_2, &ps_embedded_schema_2_len},
    {ps_embedded_schema_3, &ps_embedded_schema_3_len},
    {ps_embedded_schema_4, &ps_embedded_schema_4_len}, /* schema/migrations/004-arrived.sql */
    {ps_embedded_schema_5, &ps_embedded_schema_5_len}, /* 005-signer.sql */
};

#define SCHEMA_VERSION  5
#define BUSY_TIMEOUT_MS 5000
#define TRIM_PAGES      1024 /* free pages (4 MiB) given back to the file system at a time */
#define BEGIN_RETRIES   20

struct ps_store {
	sqlite3 *db;
	bool readonly;        /* opened immutable: the directory or file is not writable */
	bool full;            /* ... or the disk was full at open */
	int version;          /* of the schema as opened: below SCHEMA_VERSION only read-only */
	bool txn;             /* inside ps_store_begin .. commit/rollback */
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
	assert(s && s->db && site && site->sql);
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

int ps_store_run(ps_store *s, ps_site *site, const char *what, const char *a, const char *b, const char *c,
                 const char *d)
{
	sqlite3_stmt *st = ps_store_site(s, site);
	if (!st)
		return PS_ERROR;
	assert(what);
	const char *v[4] = {a, b, c, d};
	for (int i = 0; i < 4 && v[i]; i++)
		sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, what);
}

int ps_store_exists(ps_store *s, ps_site *site, const char *what, const char *a)
{
	sqlite3_stmt *st = ps_store_site(s, site);
	if (!st)
		return PS_ERROR;
	assert(a && what);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	if (e != SQLITE_ROW && e != SQLITE_DONE)
		return ps_store_error(s, what);
	return e == SQLITE_ROW;
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
	/* A table or index of the schema gone (dropped by a tool, a migration
	 * cut short): the replica needs repair, and check says how. */
	if (ext == SQLITE_ERROR && (strncmp(m, "no such table", 13) == 0 || strncmp(m, "no such index", 13) == 0))
		return ps_error_set(
		    PS_EREPAIR,
		    "%s: plansync.db lacks part of its schema (%s); run 'plansync check' for how to recover", what, m);
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

char *ps_store_text_dup(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	return t ? strdup(t) : NULL;
}

sqlite3 *ps_store_db(ps_store *s)
{
	return s->db;
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
		/* jitter per process: an unseeded rand() gave every process the same waits */
		usleep(20000 + (useconds_t)(((unsigned)getpid() * 2654435761u + (unsigned)i * 40503u) % 30000u));
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
	/* Prepared for this call, not a call site: it runs before and after a
	 * migration changes the schema, once or twice per open. */
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
	s->version = version;
	if (version == SCHEMA_VERSION)
		return 0;
	if (s->readonly) {
		if (version < 1)
			return ps_error_set(PS_ERROR, "this read-only replica has no tables; make it writable and "
			                              "open it once, or run 'plansync init' elsewhere");
		/* Read as it is. Before schema 3 every change keeps its bytes in
		 * changes; an empty private table lets the same statements read
		 * it (a temporary table: nothing of plansync.db is written). */
		if (version < 3 && sqlite3_exec(s->db,
		                                "PRAGMA temp_store = MEMORY; CREATE TEMP TABLE unexported(seq INTEGER "
		                                "PRIMARY KEY, bytes BLOB NOT NULL, summary TEXT)",
		                                NULL, NULL, NULL) != SQLITE_OK)
			return ps_store_error(s, "reading an older replica");
		return 0;
	}
	if ((rc = ps_store_begin(s)))
		return rc;
	/* again under the write lock: another process may have migrated */
	if ((rc = schema_version(s, &version)) || version == SCHEMA_VERSION) {
		ps_store_rollback(s);
		s->version = version;
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
	s->version = SCHEMA_VERSION;
	return ps_store_commit(s);
}

/* Set by the SQLite log callback when a connection rebuilt the WAL index
 * from a WAL left behind: the last writer died without closing. SQLite's
 * log callback is process-wide (sqlite3_config), so this cannot live in
 * the connection; per thread, it belongs to the open running in it. */
static _Thread_local int wal_recovered;

static void sqlite_log(void *ctx, int code, const char *msg)
{
	(void)ctx;
	(void)msg;
	if (code == SQLITE_NOTICE_RECOVER_WAL)
		wal_recovered = 1;
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
int ps_store_quick_check(ps_store *s, bool full)
{
	sqlite3_stmt *st;
	/* Prepared for this call: a check runs once per open or per
	 * 'plansync check'. */
	const char *pragma = full ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(1)";
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
static int open_db(ps_store *s, const char *path, bool create, bool damaged_ok)
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
		return ps_error_set(PS_ERROR,
		                    "cannot open %s: %s; check that the file and its directory can be read and written "
		                    "by this user (ls -l, chmod/chown)",
		                    path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	/* A 4 MiB page cache: an import of 100,000 changes in one transaction
	 * took no longer than with 8 (its inserts land near the end of each
	 * index) and peaked 4 MiB lower. The WAL goes back to at most 4 MiB
	 * after a checkpoint: a daemon that imported a whole history in one
	 * transaction would otherwise keep a WAL as large as the database. */
	/* A new database can give free pages back (ps_store_trim); the mode
	 * is set before its first table or never. */
	int rc = create ? ps_store_exec(s, "PRAGMA auto_vacuum=INCREMENTAL;") : 0;
	if (!rc)
		rc = ps_store_exec(s, s->readonly ? "PRAGMA cache_size=-4000;"
		                                  : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
		                                    "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-4000; "
		                                    "PRAGMA journal_size_limit=4194304;");
	if (!rc)
		rc = migrate(s);
	/* Reading the schema version rebuilt the WAL index if a writer died. */
	if (!rc && wal_recovered && !damaged_ok)
		rc = ps_store_quick_check(s, false);
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

int ps_store_open(ps_store **out, const char *path, unsigned flags)
{
	*out = NULL;
	bool create = flags & PS_STORE_CREATE, damaged_ok = flags & PS_STORE_DAMAGED_OK;
	/* Process-wide like the callback it guards: installed once. */
	static int log_set;
	if (!log_set) { /* SQLITE_MISUSE when SQLite already started: then no check */
		log_set = 1;
		sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
	}
	ps_store *s = calloc(1, sizeof(*s));
	if (!s)
		return ps_error_set(PS_ENOMEM, "out of memory");
	s->readonly = !create && !writable(path);
	int rc = open_db(s, path, create, damaged_ok);
	/* A full disk cannot take the -wal and -shm files a read needs: read
	 * the file as it is, when no WAL holds newer pages. */
	if (rc && !create && !s->readonly && disk_full(s) && !wal_has_frames(path)) {
		sqlite3_close(s->db);
		s->db = NULL;
		s->readonly = s->full = true;
		rc = open_db(s, path, create, damaged_ok);
	}
	if (rc) {
		ps_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void ps_store_trim(ps_store *s)
{
	if (s->readonly || s->txn)
		return;
	sqlite3_stmt *st = NULL;
	int free_pages = 0;
	/* Prepared for this call: it runs once per export that freed pages. */
	if (sqlite3_prepare_v2(s->db, "PRAGMA freelist_count", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		free_pages = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	/* Pages on the free list are used again by the next writes; after a
	 * large export (the second copies of a whole batch) the file keeps
	 * them, unless it was made with auto_vacuum (replicas made before
	 * schema 3 were not: there the pragma does nothing). Moving pages
	 * costs ~0.15 ms each here, so at most TRIM_PAGES a call (the write
	 * lock held ~0.15 s), called by the daemon when a cycle moved
	 * nothing. Best effort: a full disk or a busy database leaves them
	 * for next time. */
	if (free_pages >= TRIM_PAGES) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA incremental_vacuum(%d)", TRIM_PAGES);
		sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	}
	ps_error_clear();
}

void ps_store_free(ps_store *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nstmts; i++)
		sqlite3_finalize(s->stmts[i]);
	free(s->stmts);
	sqlite3_close(s->db);
	free(s);
}

void ps_store_blob_id(char out[41], const void *bytes, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[20];
	ps_sha1_object(d, "blob", bytes, len);
	for (int k = 0; k < 20; k++) {
		out[2 * k] = hex[d[k] >> 4];
		out[2 * k + 1] = hex[d[k] & 15];
	}
	out[40] = '\0';
}

bool ps_store_has_blob_ids(const ps_store *s)
{
	return s->version >= 2;
}

const unsigned char *ps_store_migration(int i, int version, size_t *len)
{
	*len = 0;
	if (i < 0 || i >= version || i >= SCHEMA_VERSION)
		return NULL;
	*len = *migrations[i].len;
	return migrations[i].sql;
}

int ps_store_version(const ps_store *s)
{
	return s->version;
}
