/* store_int.h - the store layer's private seam: SQLite types stay here.
 *
 * Only lib/store*.c include this header; the rest of the library calls the
 * functions declared in include/plansync/store.h and never writes SQL.
 *
 * A statement is prepared once per call site, as fossil's
 * db_static_prepare does: the function that runs it declares
 *
 *     static ps_site q = {"SELECT ... WHERE id = ?1"};
 *     sqlite3_stmt *st = ps_store_site(s, &q);
 *
 * The first use numbers the site (process-wide); each connection keeps its
 * prepared statements in an array indexed by that number, grown on demand,
 * so there is no slot limit to outgrow. The statement comes back reset with
 * its bindings cleared. Because one site has one statement per connection,
 * a function must not run its own site again while stepping it (recursion);
 * such a caller, and one-shot SQL (pragmas, migrations), uses
 * sqlite3_prepare_v2 on ps_store_db() with a comment saying why. */
#ifndef PLANSYNC_STORE_INT_H
#define PLANSYNC_STORE_INT_H
#include <sqlite3.h>
#include "plansync/store.h"

typedef struct ps_site {
	const char *sql;
	unsigned id; /* 0 until first use; then 1 + index in each store's array */
} ps_site;

/* The connection's statement for site, reset and unbound; NULL with the
 * error set when it cannot be prepared. */
sqlite3_stmt *ps_store_site(ps_store *s, ps_site *site);
sqlite3 *ps_store_db(ps_store *s);
/* A malloc'd copy of column i's text; NULL when SQLite has none to give
 * (out of memory, or SQL NULL): callers report PS_ENOMEM. */
char *ps_store_text_dup(sqlite3_stmt *st, int i);
/* Run site to its end with up to four text arguments bound in order (a
 * NULL ends them; they need live only for the call): 0, or the store's
 * error with what. */
/* Drop the second copy of change id's bytes (unexported), if it has one:
 * the change is gone, or its row holds repaired bytes itself. */
int ps_store_unexported_drop(ps_store *s, const char *id);
int ps_store_run(ps_store *s, ps_site *site, const char *what, const char *a, const char *b, const char *c,
                 const char *d);
/* 1 when site, with a bound as ?1, yields a row, 0 when not, <0 error. */
int ps_store_exists(ps_store *s, ps_site *site, const char *what, const char *a);
/* The SQL of migration i (from schema i to i + 1; not NUL-terminated, its
 * length in *len) when i < version, else NULL: the schema check builds
 * the schema a replica of that version has (store_check.c). */
const unsigned char *ps_store_migration(int i, int version, size_t *len);
/* The canonical bytes of the change row st is on (id its id, col the
 * column of its stored bytes): those when the row keeps them, else the
 * encoding of its columns and base edges, then in *owned (free()). *bytes
 * NULL and *len 0 when neither gives any (a damaged row: its blob id
 * check says so); <0 only for an error of the store itself. */
int ps_store_row_bytes(ps_store *s, sqlite3_stmt *st, int col, const char *id, const void **bytes, size_t *len,
                       char **owned);
/* The schema version the open replica has (1 only read-only). */
int ps_store_version(const ps_store *s);

#endif
