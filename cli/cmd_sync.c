/* cmd_sync.c - plansync sync: one cycle, by the running daemon if there is
 * one (so two cycles never race), else here. */
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "plansync/daemon.h"
#include "plansync/error.h"
#include "plansync/sync.h"

typedef struct sync_opts {
	bool here;
} sync_opts;
static const opt_spec sync_spec[] = {
    OPT_BOOL(0, "here", sync_opts, here, "run the cycle in this process even when a daemon runs"),
    OPT_END,
};
const opt_table opts_sync = {sync_spec, sizeof(sync_opts)};

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
	const sync_opts *opt = a->opts;
	if (!opt->here) {
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
