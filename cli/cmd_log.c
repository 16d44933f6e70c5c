/* cmd_log.c - plansync log [RECORD] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/ops.h"
#include "plansync/text.h"

const opt_spec opts_log[] = {
    {"limit", 'n', "N", 0, "show at most N changes (default 50; 0 for all)"},
    {NULL, 0, NULL, 0, NULL},
};

int cmd_log(ctx *x, const args *a)
{
	const char *lim = arg_get(a, x->cmd, "limit");
	char *end = NULL;
	long limit = lim ? strtol(lim, &end, 10) : 50;
	if (lim && (*end || limit < 0))
		return fail_msg(EXIT_USAGE, "log: --limit takes a whole number");
	cJSON *j = NULL;
	int rc = ps_query_log(x->r, a->npos ? a->pos[0] : NULL, limit, &j);
	if (rc) {
		cJSON_Delete(j); /* a refused record id still leaves the empty list */
		return fail(rc);
	}
	if (a->json) {
		print_json(j);
		cJSON_Delete(j);
		return 0;
	}
	for (const cJSON *e = j->child; e; e = e->next) {
#define S(k) json_str(e, k)
		printf("%s UTC  %s  %s  %s%s\n", S("time"), S("office"), S("author"), S("record"),
		       !strcmp(S("op"), "retire") ? "  (retired)" : "");
		const cJSON *fs = cJSON_GetObjectItemCaseSensitive(e, "fields");
		for (const cJSON *f = fs ? fs->child : NULL; f; f = f->next) {
			char *o = cell_text(cJSON_GetObjectItemCaseSensitive(f, "old"));
			char *n = cell_text(cJSON_GetObjectItemCaseSensitive(f, "new"));
			char *of = ps_text_fit(o && *o ? o : "(none)", 50), *nf = ps_text_fit(n ? n : "", 70);
			printf("    %s: %s \xe2\x86\x92 %s\n",
			       cJSON_GetObjectItemCaseSensitive(f, "field")->valuestring, of, nf);
			free(o);
			free(n);
			free(of);
			free(nf);
		}
		if (*S("reason"))
			printf("    reason: %s\n", S("reason"));
#undef S
	}
	cJSON_Delete(j);
	return 0;
}
