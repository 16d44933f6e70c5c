/* cmd_conflicts.c - plansync conflicts; plansync resolve RECORD FIELD */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/ops.h"

typedef struct resolve_opts {
	const char *take, *value;
} resolve_opts;
static const opt_spec resolve_spec[] = {
    OPT_STRING('t', "take", resolve_opts, take, "CHANGE-ID", "keep the value of this version"),
    OPT_STRING('v', "value", resolve_opts, value, "VALUE", "write this value instead (JSON, or plain text)"),
    OPT_END,
};
const opt_table opts_resolve = {resolve_spec, sizeof(resolve_opts)};

int cmd_conflicts(ctx *x, const args *a)
{
	cJSON *j = NULL;
	int rc = ps_query_conflicts(x->r, &j);
	if (rc)
		return fail(rc);
	if (a->json) {
		print_json(j);
	} else if (!j->child) {
		printf("no conflicts\n");
	} else {
		for (const cJSON *c = j->child; c; c = c->next) {
			char *v = cell_text(cJSON_GetObjectItemCaseSensitive(c, "value"));
			printf("%s  %s  (applied everywhere for now: %s)\n",
			       cJSON_GetObjectItemCaseSensitive(c, "record")->valuestring,
			       cJSON_GetObjectItemCaseSensitive(c, "field")->valuestring, v);
			free(v);
			const char *h[] = {"change", "office", "author", "time", "value"};
			const char *k[] = {"change", "office", "author", "time", "value"};
			table_print_rows(cJSON_GetObjectItemCaseSensitive(c, "versions"), k, h, 5);
			printf("\n");
		}
		printf("settle one with: plansync resolve RECORD FIELD --take CHANGE-ID (or --value VALUE)\n");
	}
	cJSON_Delete(j);
	return 0;
}

int cmd_resolve(ctx *x, const args *a)
{
	const resolve_opts *opt = a->opts;
	const char *take = opt->take, *value = opt->value;
	if (!take == !value)
		return fail_msg(EXIT_USAGE, "resolve: give exactly one of --take CHANGE-ID or --value VALUE");
	char *id = NULL;
	int rc = ps_resolve(x->r, a->pos[0], a->pos[1], take, value, &id);
	if (rc)
		return fail(rc);
	char what[300];
	snprintf(what, sizeof(what), "resolved %s %s", a->pos[0], a->pos[1]);
	return print_written(a, what, id);
}
