/* cmd_review.c - plansync review accept|return OFFICE TASK... PERIOD, and
 * the batch form OFFICE --period P [TASK...].
 *
 * The province judges the reports as they are now: each review names the
 * report's current change ids (lib/review.c), so a later edit shows as
 * changed since accepted. A batch is one transaction: every review is
 * written or none. Prints; decides nothing itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/review.h"

typedef struct review_opts {
	const char *comment, *period;
} review_opts;
static const opt_spec review_spec[] = {
    OPT_STRING('c', "comment", review_opts, comment, "TEXT", "what the office should know (required to return)"),
    OPT_STRING('p', "period", review_opts, period, "P",
               "batch: every report of OFFICE in force in P (or only the TASKs given)"),
    OPT_END,
};
const opt_table opts_review = {review_spec, sizeof(review_opts)};

/* The tasks the command line names, or, with --period and none named,
 * every task of office with a report in force in period. */
static int tasks_of(ctx *x, const args *a, const char *office, const char *period, char ***tasks, size_t *n)
{
	const review_opts *opt = a->opts;
	int first = 1, last = opt->period ? a->npos : a->npos - 1;
	if (!opt->period || last > first) {
		*n = (size_t)(last - first);
		*tasks = calloc(*n + 1, sizeof(char *));
		if (!*tasks)
			return ps_error_set(PS_ENOMEM, "out of memory");
		for (int i = first; i < last; i++)
			if (!((*tasks)[i - first] = strdup(a->pos[i])))
				return ps_error_set(PS_ENOMEM, "out of memory");
		return 0;
	}
	int rc = ps_review_reported_tasks(x->r, office, period, tasks, n);
	if (!rc && *n == 0)
		rc = ps_error_set(PS_ENOTFOUND, "office %s has no report in force for %s: nothing to review", office,
		                  period);
	return rc;
}

static int review(ctx *x, const args *a, bool accept)
{
	const review_opts *opt = a->opts;
	const char *decision = accept ? "accepted" : "returned";
	if (!opt->period && a->npos < 3)
		return fail_msg(EXIT_USAGE, "review %s: give OFFICE TASK [TASK...] PERIOD, or OFFICE --period P",
		                accept ? "accept" : "return");
	if (!ps_replica_is_province(x->r))
		return fail_msg(EXIT_NOTOWNER,
		                "only the province reviews reports (this replica is office %s); run it on the %s "
		                "replica",
		                ps_replica_office(x->r), ps_replica_province(x->r));
	const char *office = a->pos[0];
	const char *period = opt->period ? opt->period : a->pos[a->npos - 1];
	char **tasks = NULL, **ids = NULL;
	size_t n = 0, unchanged = 0;
	ps_store *s = ps_replica_store(x->r);
	int rc = tasks_of(x, a, office, period, &tasks, &n);
	if (!rc && !(ids = calloc(n + 1, sizeof(char *))))
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	if (rc || (rc = ps_store_begin(s)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++) {
		rc = ps_review_write(x->r, accept, office, tasks[i], period, opt->comment, true, &ids[i]);
		if (rc == PS_EEXISTS) { /* nothing to write; a batch goes on past it */
			if (n == 1 && !a->json)
				fprintf(stderr, "plansync: %s\n", ps_error_last());
			unchanged++;
			rc = 0;
		}
	}
	rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
out:
	if (rc) {
		rc = fail(rc);
	} else if (a->json) {
		cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "reviews");
		cJSON_AddStringToObject(j, "decision", decision);
		cJSON_AddStringToObject(j, "office", office);
		cJSON_AddStringToObject(j, "period", period);
		cJSON_AddNumberToObject(j, "unchanged", (double)unchanged);
		for (size_t i = 0; i < n; i++) {
			if (!ids[i])
				continue;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "task", tasks[i]);
			cJSON_AddStringToObject(o, "id", ids[i]);
			cJSON_AddItemToArray(arr, o);
		}
		print_json(j);
		cJSON_Delete(j);
	} else {
		for (size_t i = 0; i < n; i++)
			if (ids[i])
				printf("%s %s %s %s (%s)\n", decision, office, tasks[i], period, ids[i]);
		if (unchanged && n > 1)
			printf("%zu already %s in their current version: unchanged\n", unchanged, decision);
	}
	for (size_t i = 0; ids && i < n; i++)
		free(ids[i]);
	free(ids);
	ps_strv_free(tasks, n);
	return rc;
}

int cmd_review_accept(ctx *x, const args *a)
{
	return review(x, a, true);
}

int cmd_review_return(ctx *x, const args *a)
{
	return review(x, a, false);
}
