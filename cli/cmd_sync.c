/* cmd_sync.c - plansync sync: one cycle, by the running daemon if there is
 * one (so two cycles never race), else here. */
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "plansync/daemon.h"
#include "plansync/error.h"
#include "plansync/sync.h"

const opt_spec opts_sync[] = {
    {"here", 0, NULL, 0, "run the cycle in this process even when a daemon runs"},
    {NULL, 0, NULL, 0, NULL},
};

static int print_result(const args *a, cJSON *j)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
	int rc = cJSON_IsNumber(code) ? code->valueint : PS_ERROR;
	if (a->json)
		print_json(j);
	else if (!rc)
		printf("%s\n", json_str(j, "message"));
	if (rc)
		ps_error_set(rc, "%s", json_str(j, "message"));
	cJSON_Delete(j);
	return rc ? fail(rc) : 0;
}

int cmd_sync(ctx *x, const args *a)
{
	if (!arg_get(a, x->cmd, "here")) {
		char *reply = NULL;
		int rc = ps_daemon_request_sync(x->dir, 600, &reply);
		if (rc == 0) {
			cJSON *j = cJSON_Parse(reply);
			free(reply);
			if (j)
				return print_result(a, j);
		} else if (rc != PS_ENOTFOUND) {
			return fail(rc);
		}
	}
	ps_sync_result res;
	int rc = ps_sync_run(x->r, &res, progress_tty, NULL);
	return print_result(a, ps_sync_result_json(&res, rc));
}
