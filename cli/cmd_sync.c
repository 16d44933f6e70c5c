/* cmd_sync.c - plansync sync: one cycle, by the running daemon if there is
 * one (so two cycles never race), else here.
 *
 * Exit status: when several apply, the lowest of 5 (remote not reached),
 * 6 (conflicts on this office's records wait for a person here) and 7 (the
 * remote refused the push) wins; the cycle returns the not-reached code
 * over a refusal (lib/sync.c), and "conflicts" in its result gives 6.
 * Every remote failure comes after the local work (export, import), so a
 * remote that holds no repository at its path exits 5 here, not 3 as for
 * 'config remote'. No remote configured exits 2 with the command that sets
 * one, before anything is exported. sync --json says the same as "exit"
 * and names the failure in "error" (no_remote, offline, auth,
 * no_repository, rejected, conflict, repair, busy, out_of_memory, failed). */
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

/* The stable name of a cycle's failure for scripts ("error" in sync
 * --json, null on success): the library's numbers are not output. */
static const char *error_name(int rc)
{
	switch (rc) {
	case PS_OK:
		return NULL;
	case PS_ENOREMOTE:
		return "no_remote";
	case PS_EOFFLINE:
		return "offline";
	case PS_EAUTH:
		return "auth";
	case PS_ENOREMOTEPATH:
		return "no_repository";
	case PS_EREJECTED:
		return "rejected";
	case PS_EREPAIR:
		return "repair";
	case PS_EBUSY:
		return "busy";
	case PS_ENOMEM:
		return "out_of_memory";
	default:
		return "failed";
	}
}

/* Prints the cycle's result j (ps_sync_result_json, here or from the
 * daemon; freed here) and returns the exit status. sync --json replaces the
 * library's "code" with "exit" (this status) and "error" (error_name). */
static int print_result(const args *a, cJSON *j)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(j, "conflicts");
	int rc = cJSON_IsNumber(code) ? code->valueint : PS_ERROR;
	bool conflicts = cJSON_IsNumber(conf) && conf->valueint > 0;
	int status = conflicts ? EXIT_CONFLICT : EXIT_OK;
	if (rc == PS_ECONFLICT) /* a cycle's lost compare-and-swap: nothing for this office to resolve */
		rc = PS_ERROR;
	if (rc) {
		status = rc == PS_ENOREMOTEPATH ? EXIT_OFFLINE : exit_code(rc);
		if (conflicts && status == EXIT_REJECTED)
			status = EXIT_CONFLICT;
	}
	if (a->json) {
		const char *e = error_name(rc);
		cJSON_DeleteItemFromObjectCaseSensitive(j, "code");
		cJSON_AddNumberToObject(j, "exit", status);
		cJSON_AddItemToObject(j, "error", e ? cJSON_CreateString(e) : cJSON_CreateNull());
		print_json(j);
	} else if (!rc) {
		printf("%s\n", json_str(j, "message"));
	}
	if (rc) {
		ps_error_set(rc, "%s", json_str(j, "message"));
		fail(rc);
	}
	cJSON_Delete(j);
	return status;
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
