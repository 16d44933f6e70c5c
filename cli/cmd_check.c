/* cmd_check.c - plansync check: verify a replica, say how to recover. */
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/integrity.h"
#include "plansync/store.h"

const opt_spec opts_check[] = {
    {"repair", 0, NULL, 0, "rewrite damaged change rows from an intact copy (their Git object or their columns)"},
    {NULL, 0, NULL, 0, NULL}};

int cmd_check(ctx *x, const args *a)
{
	/* Opened here, not by main: a damaged database must still open. */
	ps_store_tolerate_damage(true);
	int rc = ps_replica_open(&x->r, x->dir);
	if (rc)
		return fail(rc);
	ps_check_opts o = {arg_get(a, x->cmd, "repair") != NULL};
	ps_check_result res;
	if ((rc = ps_check(x->r, &o, &res)))
		return fail(rc);
	if (a->json) {
		cJSON *j = cJSON_CreateObject(), *arr = cJSON_CreateArray();
		cJSON_AddBoolToObject(j, "ok", res.n == 0);
		cJSON_AddNumberToObject(j, "changes", (double)res.changes);
		cJSON_AddNumberToObject(j, "objects", (double)res.objects);
		cJSON_AddNumberToObject(j, "repaired", (double)res.repaired);
		cJSON_AddBoolToObject(j, "state_checked", res.state_run);
		for (size_t i = 0; i < res.n; i++) {
			cJSON *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "area", res.f[i].area);
			cJSON_AddStringToObject(f, "what", res.f[i].what);
			cJSON_AddStringToObject(f, "fix", res.f[i].fix);
			cJSON_AddItemToArray(arr, f);
		}
		cJSON_AddItemToObject(j, "faults", arr);
		print_json(j);
		cJSON_Delete(j);
	} else {
		printf("checked %ld changes and %ld Git objects%s\n", res.changes, res.objects,
		       res.state_run ? "; the state against a fresh fold"
		       : ps_store_readonly(ps_replica_store(x->r))
		           ? "; not the state (a read-only replica cannot fold)"
		           : "; not the state (the stored changes are damaged)");
		if (res.repaired)
			printf("repaired %ld changes from intact copies\n", res.repaired);
		for (size_t i = 0; i < res.n; i++) {
			printf("\nfault (%s): %s\n", res.f[i].area, res.f[i].what);
			if (res.f[i].fix[0])
				printf("to recover: %s\n", res.f[i].fix);
		}
		if (res.n == 0)
			printf("ok: no faults found\n");
	}
	rc = res.n ? EXIT_REPAIR : 0;
	ps_check_result_release(&res);
	return rc;
}
