/* query_status.c - the typed reads of a replica's condition: status
 * (identity, counts, delivery, clock, daemon, last sync) and problems
 * (branches and files import refused, reports held for the plan), declared
 * in views.h.
 *
 * Counts and rows come from lib/store_views.c, settings from the meta
 * table. Never writes, never writes SQL, knows nothing of how a view is
 * shown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/views.h"
#include "plansync/keys.h"
#include "plansync/daemon.h"
#include "plansync/error.h"
#include "store_views.h"
#include "view_mem.h"

static int64_t sec_ms(long long s)
{
	return (int64_t)s * 1000;
}

static int status_fill(ps_status_view *v, ps_replica *r)
{
	ps_store *s = ps_replica_store(r);
	ps_view_mem *m = v->mem;
	v->office = ps_view_mem_str(m, ps_replica_office(r));
	v->replica = ps_view_mem_str(m, ps_replica_id(r));
	v->province = ps_view_mem_str(m, ps_replica_province(r));
	v->user = ps_view_mem_str(m, ps_replica_author(r));
	char *val = NULL;
	if (ps_store_meta_get(s, "remote", &val) == 0)
		v->remote = ps_view_mem_str(m, val);
	free(val);
	val = NULL;
	long long delivered = 0;
	ps_store_meta_get_int(s, "delivered_batch", &delivered, 0);
	/* Own changes stamped beyond wall clock + drift (written while this
	 * machine's clock was ahead): readers hold them back until then. */
	char from[PS_CHANGE_ID_MAX + 1];
	ps_hlc_format(PS_HLC_MAKE(ps_now_ms() + ps_store_clock_ahead_ms(s) + 1, 0), from);
	ps_sv_counts c;
	int rc = ps_store_counts(&c, s, from, delivered);
	if (rc)
		return rc;
	v->records = c.records;
	v->changes = c.changes;
	v->branches = c.branches;
	v->conflicts = c.conflicts;
	v->problems = c.problems;
	v->held = c.held;
	v->unplanned = c.unplanned;
	if ((rc = ps_keys_held_count(r, &v->enrolment_held)))
		return rc;
	v->own.total = c.own_total;
	v->own.not_exported = c.own_not_exported;
	v->own.committed = c.own_total - c.own_not_exported;
	v->own.delivered = c.own_delivered;
	v->own.not_delivered = c.own_total - c.own_delivered;
	v->own.future = c.own_future;
	v->own.future_until = c.own_future ? (int64_t)PS_HLC_MS((ps_hlc)c.own_future_until) : 0;
	pid_t pid = ps_daemon_running(ps_replica_dir(r));
	v->daemon.running = pid != 0;
	v->daemon.pid = pid ? (long)pid : -1;
	v->daemon.failures = -1;
	long long next = 0, failures = 0;
	ps_store_meta_get_int(s, "daemon.next_at", &next, 0);
	ps_store_meta_get_int(s, "daemon.failures", &failures, 0);
	if (pid && next) {
		v->daemon.next_attempt = sec_ms(next);
		v->daemon.failures = (long)failures;
	}
	long long at = 0, ok = 0;
	v->last_sync.export_ms = v->last_sync.push_ms = v->last_sync.fetch_ms = v->last_sync.import_ms = -1;
	ps_store_meta_get_int(s, "last_sync_at", &at, 0);
	ps_store_meta_get_int(s, "last_sync_ok", &ok, 0);
	if (at) {
		v->last_sync.time = sec_ms(at);
		v->last_sync.ok = ok != 0;
		if (ps_store_meta_get(s, "last_sync_result", &val) == 0)
			v->last_sync.message = ps_view_mem_str(m, val);
		free(val);
		val = NULL;
		long st[4];
		if (ps_store_meta_get(s, "last_sync_stages", &val) == 0 &&
		    sscanf(val, "%ld %ld %ld %ld", &st[0], &st[1], &st[2], &st[3]) == 4) {
			v->last_sync.export_ms = st[0];
			v->last_sync.push_ms = st[1];
			v->last_sync.fetch_ms = st[2];
			v->last_sync.import_ms = st[3];
		}
		free(val);
		ps_error_clear();
	} else {
		v->last_sync.message = "never synced";
	}
	return 0;
}

int ps_view_status(ps_status_view **out, ps_replica *r)
{
	*out = NULL;
	ps_status_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	return ps_view_done(status_fill(v, r), v, out);
}

void ps_status_view_free(ps_status_view *v)
{
	ps_view_release(v);
}

static int add_problem(void *ctx, const ps_sv_problem *row)
{
	ps_problems_view *v = ctx;
	ps_problem_row *p = ps_view_mem_push(v->mem, &v->v, &v->n, sizeof(*p));
	if (!p)
		return ps_error_set(PS_ENOMEM, "out of memory");
	p->time = sec_ms(row->at);
	p->reason = ps_view_mem_str(v->mem, row->reason);
	if (!strcmp(row->branch, PS_PROBLEM_OWN)) {
		/* One of this replica's own changes: stored with its id as the path. */
		p->change = ps_view_mem_str(v->mem, row->path);
		return 0;
	}
	p->branch = ps_view_mem_str(v->mem, row->branch);
	p->commit = row->commit && *row->commit ? ps_view_mem_str(v->mem, row->commit) : NULL;
	p->path = row->path && *row->path ? ps_view_mem_str(v->mem, row->path) : NULL; /* a branch-level problem */
	return 0;
}

/* Reports held because the plan lacks what they name: not a fault of the
 * file (the plan may arrive later), listed so a person can act. */
static int add_unplanned(void *ctx, const ps_sv_unplanned *row)
{
	ps_problems_view *v = ctx;
	ps_problem_row *p = ps_view_mem_push(v->mem, &v->v, &v->n, sizeof(*p));
	if (!p)
		return ps_error_set(PS_ENOMEM, "out of memory");
	char why[600], branch[300];
	snprintf(why, sizeof(why),
	         "held: the plan this replica knows does not have %s; it shows once the province's plan has "
	         "it (check the id with the office that wrote it)",
	         row->needs);
	snprintf(branch, sizeof(branch), "replicas/%s/%s", row->office, row->replica);
	p->branch = ps_view_mem_str(v->mem, branch);
	p->record = ps_view_mem_str(v->mem, row->record);
	p->reason = ps_view_mem_str(v->mem, why);
	return 0;
}

int ps_view_problems(ps_problems_view **out, ps_replica *r)
{
	*out = NULL;
	ps_problems_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	ps_store *s = ps_replica_store(r);
	int rc = ps_store_problems(s, add_problem, v);
	if (!rc)
		rc = ps_store_unplanned(s, add_unplanned, v);
	return ps_view_done(rc, v, out);
}

void ps_problems_view_free(ps_problems_view *v)
{
	ps_view_release(v);
}
