/* cmd_status.c - plansync status */
#include <stdio.h>
#include "cli.h"
#include "plansync/ops.h"

static int num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valueint : 0;
}

int cmd_status(ctx *x, const args *a)
{
	cJSON *j = NULL;
	int rc = ps_query_status(x->r, &j);
	if (rc)
		return fail(rc);
	if (a->json) {
		print_json(j);
		cJSON_Delete(j);
		return 0;
	}
	const cJSON *own = cJSON_GetObjectItemCaseSensitive(j, "own_changes");
	const cJSON *ls = cJSON_GetObjectItemCaseSensitive(j, "last_sync");
	printf("office:     %s (province %s)\n", json_str(j, "office"), json_str(j, "province"));
	printf("replica:    %s, user %s\n", json_str(j, "replica"), json_str(j, "user"));
	printf("remote:     %s\n",
	       *json_str(j, "remote") ? json_str(j, "remote") : "(none: plansync config remote PATH)");
	printf("records:    %d, from %d changes, %d branches imported\n", num(j, "records"), num(j, "changes"),
	       num(j, "branches"));
	printf("own:        %d changes: %d not yet exported, %d committed, %d delivered to the remote\n",
	       num(own, "total"), num(own, "not_exported"), num(own, "committed"), num(own, "delivered"));
	if (num(own, "future"))
		printf(
		    "future:     %d own changes are stamped up to %s UTC, ahead of this clock (it was wrong when they\n"
		    "            were written); other offices hold them back until that date. Each sync writes the\n"
		    "            values they still give again, stamped correctly, so nothing waits for that date.\n",
		    num(own, "future"), json_str(own, "future_until"));
	printf("conflicts:  %d%s\n", num(j, "conflicts"), num(j, "conflicts") ? " (plansync conflicts)" : "");
	printf("problems:   %d%s\n", num(j, "problems"), num(j, "problems") ? " (plansync problems)" : "");
	if (num(j, "held"))
		printf("held:       %d changes with clocks in the future, applied when this clock catches up\n",
		       num(j, "held"));
	if (num(j, "unplanned"))
		printf(
		    "unplanned:  %d progress reports or reviews name an office, task or period the plan does not have\n"
		    "            (yet); they are held, not shown, until the plan has them (plansync problems)\n",
		    num(j, "unplanned"));
	const cJSON *dm = cJSON_GetObjectItemCaseSensitive(j, "daemon");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dm, "running")))
		printf("daemon:     running, pid %d%s%s%s\n", num(dm, "pid"),
		       *json_str(dm, "next_attempt") ? ", next cycle " : "", json_str(dm, "next_attempt"),
		       *json_str(dm, "next_attempt") ? " UTC" : "");
	else
		printf("daemon:     not running (start plansyncd, or sync by hand with plansync sync)\n");
	printf("last sync:  %s%s%s\n", *json_str(ls, "time") ? json_str(ls, "time") : "",
	       *json_str(ls, "time") ? " UTC: " : "", json_str(ls, "result"));
	cJSON_Delete(j);
	return 0;
}
