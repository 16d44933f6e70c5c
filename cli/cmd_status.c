/* cmd_status.c - plansync status; also the JSON that init --json prints. */
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/views.h"
#include "render.h"

static const column own_cols[] = {
    COL_L(ps_status_view, own.total, "total", NULL),
    COL_L(ps_status_view, own.not_exported, "not_exported", NULL),
    COL_L(ps_status_view, own.committed, "committed", NULL),
    COL_L(ps_status_view, own.delivered, "delivered", NULL),
    COL_L(ps_status_view, own.not_delivered, "not_delivered", NULL),
    COL_L(ps_status_view, own.future, "future", NULL),
    COL_T(ps_status_view, own.future_until, "future_until", NULL),
};
static const column daemon_cols[] = {
    COL_B(ps_status_view, daemon.running, "running", NULL),
    COL_O(ps_status_view, daemon.pid, "pid", NULL),
    COL_T(ps_status_view, daemon.next_attempt, "next_attempt", NULL),
    COL_O(ps_status_view, daemon.failures, "failures", NULL),
};
static const column sync_cols[] = {
    COL_T(ps_status_view, last_sync.time, "time", NULL),
    COL_B(ps_status_view, last_sync.ok, "ok", NULL),
    COL_S(ps_status_view, last_sync.message, "message", NULL),
    COL_O(ps_status_view, last_sync.export_ms, "export_ms", NULL),
    COL_O(ps_status_view, last_sync.push_ms, "push_ms", NULL),
    COL_O(ps_status_view, last_sync.fetch_ms, "fetch_ms", NULL),
    COL_O(ps_status_view, last_sync.import_ms, "import_ms", NULL),
};
/* The groups are read from the whole struct (offsets include the group's). */
static const view own_view = VIEW(ps_status_view, own_cols);
static const view daemon_view = VIEW(ps_status_view, daemon_cols);
static const view sync_view = VIEW(ps_status_view, sync_cols);
static const column status_cols[] = {
    COL_S(ps_status_view, office, "office", NULL),
    COL_S(ps_status_view, replica, "replica", NULL),
    COL_S(ps_status_view, province, "province", NULL),
    COL_S(ps_status_view, user, "user", NULL),
    COL_S(ps_status_view, remote, "remote", NULL),
    COL_L(ps_status_view, records, "records", NULL),
    COL_L(ps_status_view, changes, "changes", NULL),
    {"own_changes", NULL, COL_OBJ, 0, 0, &own_view},
    COL_L(ps_status_view, conflicts, "conflicts", NULL),
    COL_L(ps_status_view, problems, "problems", NULL),
    COL_L(ps_status_view, held, "held", NULL),
    COL_L(ps_status_view, unplanned, "unplanned", NULL),
    COL_L(ps_status_view, enrolment_held, "enrolment_held", NULL),
    COL_L(ps_status_view, branches, "branches", NULL),
    {"daemon", NULL, COL_OBJ, 0, 0, &daemon_view},
    {"last_sync", NULL, COL_OBJ, 0, 0, &sync_view},
};
static const view status_view = VIEW(ps_status_view, status_cols);

int status_print_json(ps_replica *r)
{
	ps_status_view *v = NULL;
	int rc = ps_view_status(&v, r);
	if (rc)
		return rc;
	cJSON *j = render_json(&status_view, v);
	print_json(j);
	cJSON_Delete(j);
	ps_status_view_free(v);
	return 0;
}

int cmd_status(ctx *x, const args *a)
{
	if (fmt_of(a) == FMT_JSON) {
		int rc = status_print_json(x->r);
		return rc ? fail(rc) : 0;
	}
	ps_status_view *v = NULL;
	int rc = ps_view_status(&v, x->r);
	if (rc)
		return fail(rc);
	char when[48];
	/* Names, the remote and the result are data: through text_safe. */
	char *t[6] = {text_safe(v->office), text_safe(v->province), text_safe(v->replica),
	              text_safe(v->user),   text_safe(v->remote),   text_safe(v->last_sync.message)};
	for (int i = 0; i < 6; i++)
		if (!t[i]) {
			for (int k = 0; k < 6; k++)
				free(t[k]);
			ps_status_view_free(v);
			return fail(ps_error_set(PS_ENOMEM, "out of memory"));
		}
	printf("office:     %s (province %s)\n", t[0], t[1]);
	printf("replica:    %s, user %s\n", t[2], t[3]);
	printf("remote:     %s\n", v->remote ? t[4] : "(none: plansync config remote PATH)");
	printf("records:    %ld, from %ld changes, %ld branches imported\n", v->records, v->changes, v->branches);
	printf("own:        %ld changes: %ld not yet exported, %ld committed, %ld delivered to the remote\n",
	       v->own.total, v->own.not_exported, v->own.committed, v->own.delivered);
	if (v->own.future) {
		time_local(v->own.future_until, when);
		printf("future:     %ld own changes are stamped up to %s, ahead of this clock (it was wrong when they\n"
		       "            were written); other offices hold them back until that date. Each sync writes the\n"
		       "            values they still give again, stamped correctly, so nothing waits for that date.\n",
		       v->own.future, when);
	}
	printf("conflicts:  %ld%s\n", v->conflicts, v->conflicts ? " (plansync conflicts)" : "");
	printf("problems:   %ld%s\n", v->problems, v->problems ? " (plansync problems)" : "");
	if (v->held)
		printf("held:       %ld changes with clocks in the future, applied when this clock catches up\n",
		       v->held);
	if (v->enrolment_held)
		printf("enrolment:  %ld changes held: their replicas' keys wait for the province (plansync keys "
		       "pending)\n",
		       v->enrolment_held);
	if (v->unplanned)
		printf("unplanned:  %ld progress reports or reviews name an office, task or period the plan does not "
		       "have\n"
		       "            (yet); they are held, not shown, until the plan has them (plansync problems)\n",
		       v->unplanned);
	if (v->daemon.running) {
		if (v->daemon.next_attempt)
			time_local(v->daemon.next_attempt, when);
		printf("daemon:     running, pid %ld%s%s\n", v->daemon.pid,
		       v->daemon.next_attempt ? ", next cycle " : "", v->daemon.next_attempt ? when : "");
	} else {
		printf("daemon:     not running (start plansyncd, or sync by hand with plansync sync)\n");
	}
	if (v->last_sync.time)
		time_local(v->last_sync.time, when);
	printf("last sync:  %s%s%s\n", v->last_sync.time ? when : "", v->last_sync.time ? ": " : "", t[5]);
	if (v->last_sync.export_ms >= 0)
		printf("            export %ld ms, push %ld ms, fetch %ld ms, import %ld ms\n", v->last_sync.export_ms,
		       v->last_sync.push_ms, v->last_sync.fetch_ms, v->last_sync.import_ms);
	for (int k = 0; k < 6; k++)
		free(t[k]);
	ps_status_view_free(v);
	return 0;
}
