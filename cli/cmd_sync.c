/* cmd_sync.c - plansync sync: one cycle */
#include <stdio.h>
#include "cli.h"
#include "plansync/sync.h"

const opt_spec opts_sync[] = {{NULL, 0, NULL, 0, NULL}};

int cmd_sync(ctx *x, const args *a)
{
	ps_sync_result res;
	int rc = ps_sync_run(x->r, &res, progress_tty, NULL);
	if (a->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", rc == 0);
		cJSON_AddNumberToObject(j, "exported", (double)res.exported);
		cJSON_AddBoolToObject(j, "pushed", res.pushed > 0);
		cJSON_AddBoolToObject(j, "fetched", res.fetched > 0);
		cJSON_AddNumberToObject(j, "imported", (double)res.imported);
		cJSON_AddNumberToObject(j, "branches", (double)res.branches);
		cJSON_AddNumberToObject(j, "problems", (double)res.problems);
		cJSON_AddNumberToObject(j, "held", (double)res.held);
		cJSON_AddNumberToObject(j, "delivered", (double)res.delivered);
		cJSON_AddStringToObject(j, "message", res.message);
		print_json(j);
		cJSON_Delete(j);
	} else if (!rc) {
		printf("%s\n", res.message);
	}
	return rc ? fail(rc) : 0;
}
