/* fold.c - benchmark of the fold for many concurrent writers of one record.
 *
 *   plansync-bench-fold N [DB]
 *
 * One change at the root, then N changes all based on it (N replicas
 * writing the same record at once, as N branches deliver them), each
 * writing the same fields. Prints the seconds of one ps_fold_record over
 * the N+1 changes, and of inserting them one by one with a fold after each
 * (what an import refolding per branch costs). Not a test: nothing here is timed by ctest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "plansync/change.h"
#include "plansync/error.h"
#include "plansync/fold.h"
#include "plansync/store.h"
#include "store_int.h" /* raw SQL to look inside */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
	fprintf(stderr, "bench-fold: %s: %s\n", what, ps_error_last());
	return 1;
}

static int add(ps_store *s, const char *replica, unsigned ms, const char **base, size_t nb, int v)
{
	char fields[200];
	snprintf(fields, sizeof(fields), "{\"status\":\"on_track\",\"percent\":%d,\"note\":\"n%d\"}", v % 100, v);
	ps_change *c = NULL;
	char *b = NULL;
	size_t n = 0;
	int rc = ps_change_new(&c, "hd-a", replica, "bench", PS_HLC_MAKE(ms, 0), "progress/hd-a/p1-t1/2026-q1",
	                       PS_OP_SET, base, nb, cJSON_Parse(fields), NULL);
	if (!rc)
		rc = ps_change_encode(&b, &n, c);
	if (!rc)
		rc = ps_store_insert_change(s, c, b, n, false, NULL);
	free(b);
	ps_change_free(c);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fprintf(stderr, "usage: plansync-bench-fold N [DB]\n"), 2;
	long n = atol(argv[1]);
	char path[256];
	snprintf(path, sizeof(path), "%s", argc > 2 ? argv[2] : "/tmp/plansync-bench-fold.db");
	unlink(path);
	ps_store *s = NULL;
	if (ps_store_open(&s, path, PS_STORE_CREATE))
		return die("open");
	if (ps_store_begin(s) || add(s, "hd-a-root00", 1000, NULL, 0, 0))
		return die("root");
	char root[PS_CHANGE_ID_MAX + 1];
	ps_change_make_id(root, sizeof(root), PS_HLC_MAKE(1000, 0), "hd-a-root00");
	const char *base[1] = {root};
	for (long i = 0; i < n; i++) {
		char rep[32];
		snprintf(rep, sizeof(rep), "hd-a-r%06ld", i);
		if (add(s, rep, 2000 + (unsigned)(i % 7), base, 1, (int)i))
			return die("insert");
	}
	if (ps_store_commit(s))
		return die("commit");
	if (ps_store_begin(s))
		return die("begin");
	double t0 = now();
	if (ps_fold_record(s, "progress/hd-a/p1-t1/2026-q1"))
		return die("fold");
	double one = now() - t0;
	sqlite3_stmt *st;
	sqlite3_prepare_v2(ps_store_db(s), "SELECT length(changes) FROM conflicts WHERE field = 'note'", -1, &st, NULL);
	long clen = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	ps_store_rollback(s);
	/* As an import that refolds the record after each branch: fold after
	 * every insert (only up to PS_BENCH_REFOLD changes, default 1000). */
	long lim = getenv("PS_BENCH_REFOLD") ? atol(getenv("PS_BENCH_REFOLD")) : 1000;
	double per = -1;
	if (n <= lim) {
		ps_store_free(s);
		unlink(path);
		if (ps_store_open(&s, path, PS_STORE_CREATE) || ps_store_begin(s) ||
		    add(s, "hd-a-root00", 1000, NULL, 0, 0))
			return die("reopen");
		t0 = now();
		for (long i = 0; i < n; i++) {
			char rep[32];
			snprintf(rep, sizeof(rep), "hd-a-r%06ld", i);
			if (add(s, rep, 2000 + (unsigned)(i % 7), base, 1, (int)i) ||
			    ps_fold_record(s, "progress/hd-a/p1-t1/2026-q1"))
				return die("refold");
		}
		per = now() - t0;
		ps_store_rollback(s);
	}
	printf("n %ld fold_seconds %.6f refold_each_seconds %.6f conflict_json_bytes %ld\n", n, one, per, clen);
	ps_store_free(s);
	unlink(path);
	return 0;
}
