/* cmd_plan.c - plansync plan import|show|tasks|targets */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/ops.h"

typedef struct plan_import_opts {
	bool bundled;
} plan_import_opts;
static const opt_spec plan_import_spec[] = {
    OPT_BOOL(0, "default", plan_import_opts, bundled, "import the bundled plan (Hải Dương 2020-2025)"),
    OPT_END,
};
const opt_table opts_plan_import = {plan_import_spec, sizeof(plan_import_opts)};

typedef struct plan_tasks_opts {
	const char *program, *office;
} plan_tasks_opts;
static const opt_spec plan_tasks_spec[] = {
    OPT_STRING('p', "program", plan_tasks_opts, program, "P", "only the tasks of program P (p1 ... p5)"),
    OPT_STRING('o', "office", plan_tasks_opts, office, "O", "only tasks with a target for office O"),
    OPT_END,
};
const opt_table opts_plan_tasks = {plan_tasks_spec, sizeof(plan_tasks_opts)};

typedef struct plan_targets_opts {
	const char *office;
} plan_targets_opts;
static const opt_spec plan_targets_spec[] = {
    OPT_STRING('o', "office", plan_targets_opts, office, "O", "only the targets of office O"),
    OPT_END,
};
const opt_table opts_plan_targets = {plan_targets_spec, sizeof(plan_targets_opts)};

int cmd_plan_import(ctx *x, const args *a)
{
	char *data = NULL;
	size_t len = 0;
	int rc;
	const plan_import_opts *opt = a->opts;
	if (a->npos == 1 && !opt->bundled) {
		if ((rc = read_file(a->pos[0], &data, &len)))
			return fail(rc);
	} else if (a->npos == 1) {
		return fail_msg(EXIT_USAGE, "plan import: give a FILE or --default, not both");
	}
	ps_plan_stats st;
	rc = data ? ps_plan_import(x->r, data, len, &st)
	          : ps_plan_import(x->r, (const char *)ps_embedded_plan, ps_embedded_plan_len, &st);
	free(data);
	if (rc)
		return fail(rc);
	if (a->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "records", (double)st.records);
		cJSON_AddNumberToObject(j, "changed", (double)st.set);
		cJSON_AddNumberToObject(j, "retired", (double)st.retired);
		cJSON_AddNumberToObject(j, "unchanged", (double)st.unchanged);
		print_json(j);
		cJSON_Delete(j);
	} else {
		printf("plan: %ld records, %ld changed, %ld retired, %ld unchanged\n", st.records, st.set, st.retired,
		       st.unchanged);
	}
	return 0;
}

int cmd_plan_show(ctx *x, const args *a)
{
	cJSON *j = NULL;
	int rc = ps_query_plan(x->r, &j);
	if (rc)
		return fail(rc);
	if (a->json) {
		print_json(j);
	} else {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "plan");
		printf("%s\n%s, %s (term %s)\n\n", json_str(h, "title"), json_str(h, "issuer"), json_str(h, "date"),
		       json_str(h, "term"));
		const char *hd[] = {"program", "period", "objectives", "tasks", "committee", "title"};
		table *t = table_new(6, hd);
		for (const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "programs")->child; p; p = p->next) {
			char *cells[6];
			cells[0] = strdup(json_str(p, "id"));
			cells[1] = strdup(json_str(p, "period"));
			cells[2] = cell_text(cJSON_GetObjectItemCaseSensitive(p, "objectives"));
			cells[3] = cell_text(cJSON_GetObjectItemCaseSensitive(p, "tasks"));
			cells[4] = cell_text(cJSON_GetObjectItemCaseSensitive(p, "committee_members"));
			cells[5] = strdup(json_str(p, "title"));
			table_row(t, (const char *const *)cells);
			for (int i = 0; i < 6; i++)
				free(cells[i]);
		}
		table_print(t, stdout);
		table_free(t);
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "counts");
		printf("\n");
		for (const cJSON *v = c ? c->child : NULL; v; v = v->next)
			printf("%s%s: %d", v == c->child ? "" : ", ", v->string, v->valueint);
		printf("\n");
	}
	cJSON_Delete(j);
	return 0;
}

int cmd_plan_tasks(ctx *x, const args *a)
{
	const plan_tasks_opts *opt = a->opts;
	cJSON *j = NULL;
	int rc = ps_query_tasks(x->r, opt->program, opt->office, &j);
	if (rc)
		return fail(rc);
	if (a->json) {
		print_json(j);
	} else {
		const char *k[] = {"id", "target_offices", "text"};
		const char *h[] = {"task", "targets for", "text"};
		table_print_rows(j, k, h, 3);
	}
	cJSON_Delete(j);
	return 0;
}

int cmd_plan_targets(ctx *x, const args *a)
{
	const plan_targets_opts *opt = a->opts;
	cJSON *j = NULL;
	int rc = ps_query_targets(x->r, opt->office, &j);
	if (rc)
		return fail(rc);
	if (a->json) {
		print_json(j);
	} else {
		const char *k[] = {"office", "task", "deadline", "deadline_text", "text"};
		const char *h[] = {"office", "task", "deadline", "as written", "target"};
		table_print_rows(j, k, h, 5);
	}
	cJSON_Delete(j);
	return 0;
}
