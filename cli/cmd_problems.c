/* cmd_problems.c - plansync problems */
#include <stdio.h>
#include "cli.h"
#include "plansync/ops.h"

int cmd_problems(ctx *x, const args *a)
{
	cJSON *j = NULL;
	int rc = ps_query_problems(x->r, &j);
	if (rc)
		return fail(rc);
	if (a->json) {
		print_json(j);
	} else if (!j->child) {
		printf("no problems\n");
	} else {
		const char *k[] = {"time", "branch", "commit", "path", "reason"};
		table_print_rows(j, k, k, 5);
	}
	cJSON_Delete(j);
	return 0;
}
