/* integrity.h - is the replica what it was written as (DESIGN §7, §8)?
 *
 * Every change row keeps the Git blob id of its bytes, computed when it was
 * written. An export sends only changes whose bytes still match it and
 * whose bytes still decode to the row's columns; 'plansync check' verifies
 * the whole replica and says, for each fault, how to recover. */
#ifndef PLANSYNC_INTEGRITY_H
#define PLANSYNC_INTEGRITY_H
#include <stdbool.h>
#include "plansync/replica.h"
#include "plansync/store.h"

/* Before an export of the local changes with seq > after: *stop is the seq
 * of the first whose stored bytes fail their check (LLONG_MAX when none).
 * The export takes only seq < *stop, so the damaged change and those after
 * it stay unexported and unharmed; the fault is recorded as a problem and
 * logged with what to do, and put in why (when not NULL; "" when nothing
 * is damaged). */
int ps_integrity_export_stop(ps_store *s, long long after, long long *stop, char *why, size_t wn);

/* One finding of ps_check: what is wrong and the exact commands that
 * recover from it. */
typedef struct ps_check_finding {
	const char *area; /* "database", "change", "state", "git", "branch" */
	char what[1024];
	char fix[3072];
} ps_check_finding;

typedef struct ps_check_opts {
	bool repair; /* rewrite damaged change rows from an intact copy */
} ps_check_opts;

typedef struct ps_check_result {
	ps_check_finding *f;
	size_t n;
	long changes;   /* change rows checked */
	long objects;   /* Git objects read */
	long repaired;  /* change rows rewritten from an intact copy */
	bool state_ok;  /* the state equals a fold of the changes */
	bool state_run; /* false when the replica is read-only */
} ps_check_result;

/* Check the replica: SQLite integrity_check, each change's bytes against
 * its blob id and its columns, the state against a fresh fold (rolled
 * back), the objects our refs need, and our branch against the exports
 * table. 0 when the checks ran (faults are in res), <0 when they could not
 * run. Release res with ps_check_result_release. */
int ps_check(ps_replica *r, const ps_check_opts *o, ps_check_result *res);
void ps_check_result_release(ps_check_result *res);

#endif
