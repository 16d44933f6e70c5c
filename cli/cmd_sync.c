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
	if (!rc)
		return EXIT_OK;
	int status = fail(rc);
	return rc == PS_ENOREMOTEPATH ? EXIT_OFFLINE : status;
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
	cJSON *j = ps_sync_result_json(&res, rc);
	if (!j)
		return fail(rc ? rc : ps_error_set(PS_ENOMEM, "out of memory"));
	return print_result(a, j);
}
