/* cmd_config.c - plansync config [KEY [VALUE]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/error.h"

int cmd_config(ctx *x, const args *a)
{
	int rc;
	if (a->npos == 2) {
		if ((rc = ps_config_set(x->r, a->pos[0], a->pos[1])))
			return fail(rc);
		return 0;
	}
	cJSON *j = cJSON_CreateObject();
	for (const char *const *k = ps_config_keys; *k; k++) {
		if (a->npos == 1 && strcmp(*k, a->pos[0]))
			continue;
		char *v = NULL;
		rc = ps_config_get(x->r, *k, &v);
		if (rc && rc != PS_ENOTFOUND) {
			cJSON_Delete(j);
			return fail(rc);
		}
		if (v)
			cJSON_AddStringToObject(j, *k, v);
		else
			cJSON_AddNullToObject(j, *k);
		free(v);
	}
	if (a->npos == 1 && !j->child) {
		cJSON_Delete(j);
		char *v;
		return fail(ps_config_get(x->r, a->pos[0], &v));
	}
	if (a->json)
		print_json(j);
	else if (a->npos == 1) {
		const cJSON *v = j->child;
		if (cJSON_IsString(v))
			printf("%s\n", v->valuestring);
		else {
			cJSON_Delete(j);
			return EXIT_FAIL; /* unset, like git config */
		}
	} else
		for (const cJSON *v = j->child; v; v = v->next)
			printf("%s=%s\n", v->string, cJSON_IsString(v) ? v->valuestring : "");
	cJSON_Delete(j);
	return 0;
}
