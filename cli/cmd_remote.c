/* cmd_remote.c - plansync remote seed URL: fill a new, empty shared
 * repository with every branch this replica holds (after the old one was
 * lost), so that every office can switch to it with 'config remote'. */
#include <stdio.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/sync.h"

int cmd_remote_seed(ctx *x, const args *a)
{
	long pushed = 0, refused = 0;
	int rc = ps_sync_seed(x->r, a->pos[0], &pushed, &refused);
	if (rc)
		return fail(rc);
	if (a->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "url", a->pos[0]);
		cJSON_AddNumberToObject(j, "branches", (double)pushed);
		cJSON_AddNumberToObject(j, "renamed", (double)refused);
		print_json(j);
		cJSON_Delete(j);
	} else {
		printf("seeded %s with %ld branch%s", a->pos[0], pushed, pushed == 1 ? "" : "es");
		if (refused)
			printf("; %ld of them had other commits there and went in under a new name (nothing is lost)",
			       refused);
		printf("\nnext, on every replica: plansync config remote %s\n", a->pos[0]);
	}
	return 0;
}
