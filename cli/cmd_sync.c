/* cmd_sync.c - plansync sync: one cycle, by the running daemon if there is
 * one (so two cycles never race), else here.
 *
 * Exit status: the cycle returns one code, the push's failure before the
 * fetch's (lib/sync.c), so 7 (push refused) wins over 5 (not reached).
 * Every remote failure comes after the local work (export, import), so a
 * remote that holds no repository at its path exits 5 here, not 3 as for
 * 'config remote'. No remote configured exits 2 with the command that sets
 * one, before anything is exported. */
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
	if (!rc)
		return EXIT_OK;
	int status = fail(rc);
	return rc == PS_ENOREMOTEPATH ? EXIT_OFFLINE : status;
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
	cJSON *j = ps_sync_result_json(&res, rc);
	if (!j)
		return fail(rc ? rc : ps_error_set(PS_ENOMEM, "out of memory"));
	return print_result(a, j);
}
