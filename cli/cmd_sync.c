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
 * no_repository, rejected, conflict, repair, busy, out_of_memory, failed).
 * It also says what the cycle brought that this office must act on:
 * reports the province returned and new conflicts on its records (text,
 * and "new_returned", "new_conflicts" in --json), read before and after. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/daemon.h"
#include "plansync/error.h"
#include "plansync/sync.h"
#include "plansync/review.h"

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

/* What a district should hear of at once: reports the province returned
 * and conflicts on this office's records that the cycle brought. */
typedef struct news {
	char **returned; /* "<task>/<period>/<review change id>" of each returned report */
	size_t n;
	long conflicts;
} news;

static void news_release(news *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->returned[i]);
	free(w->returned);
	memset(w, 0, sizeof(*w));
}

/* The replica's returned reports and conflicts now (errors leave it empty:
 * the news is a courtesy, the sync's result stands). */
static void news_read(ctx *x, news *w)
{
	memset(w, 0, sizeof(*w));
	ps_inbox *b = NULL;
	if (ps_sync_conflicts_mine(x->r, &w->conflicts))
		w->conflicts = 0;
	if (ps_inbox_read(&b, x->r, ps_replica_office(x->r)) || !(w->returned = calloc(b->n + 1, sizeof(char *)))) {
		ps_inbox_free(b);
		ps_error_clear();
		return;
	}
	for (size_t i = 0; i < b->n; i++) {
		const ps_review_info *v = &b->v[i];
		char key[400];
		if (v->state != PS_RSTATE_RETURNED)
			continue;
		snprintf(key, sizeof(key), "%s/%s/%s", v->task, v->period, v->id ? v->id : "");
		if ((w->returned[w->n] = strdup(key)))
			w->n++;
	}
	ps_inbox_free(b);
}

/* Adds "new_returned" and "new_conflicts" to j: what after holds that
 * before did not. */
static void news_add(cJSON *j, const news *before, const news *after)
{
	long fresh = 0;
	for (size_t i = 0; i < after->n; i++) {
		bool seen = false;
		for (size_t k = 0; k < before->n && !seen; k++)
			seen = strcmp(after->returned[i], before->returned[k]) == 0;
		fresh += !seen;
	}
	long conf = after->conflicts > before->conflicts ? after->conflicts - before->conflicts : 0;
	cJSON_AddNumberToObject(j, "new_returned", (double)fresh);
	cJSON_AddNumberToObject(j, "new_conflicts", (double)conf);
}

static void print_news(const args *a, const cJSON *j)
{
	const cJSON *ret = cJSON_GetObjectItemCaseSensitive(j, "new_returned");
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(j, "new_conflicts");
	if (a->json)
		return;
	if (cJSON_IsNumber(ret) && ret->valueint > 0)
		printf("%d report%s returned by the province: see plansync inbox\n", ret->valueint,
		       ret->valueint == 1 ? "" : "s");
	if (cJSON_IsNumber(conf) && conf->valueint > 0)
		printf("%d new conflict%s on this office's records: see plansync conflicts, then plansync resolve\n",
		       conf->valueint, conf->valueint == 1 ? "" : "s");
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
	print_news(a, j);
	if (rc) {
		ps_error_set(rc, "%s", json_str(j, "message"));
		fail(rc);
	}
	cJSON_Delete(j);
	return status;
}

/* The result j with the news since before; j is freed by print_result. */
static int finish_sync(ctx *x, const args *a, cJSON *j, news *before)
{
	news after;
	news_read(x, &after);
	news_add(j, before, &after);
	news_release(&after);
	news_release(before);
	return print_result(a, j);
}

int cmd_sync(ctx *x, const args *a)
{
	const sync_opts *opt = a->opts;
	news before;
	news_read(x, &before);
	if (!opt->here) {
		char *reply = NULL;
		int rc = ps_daemon_request_sync(x->dir, 600, &reply);
		if (rc == 0) {
			cJSON *j = cJSON_Parse(reply);
			free(reply);
			if (j)
				return finish_sync(x, a, j, &before);
		} else if (rc != PS_ENOTFOUND) {
			news_release(&before);
			return fail(rc);
		}
	}
	ps_sync_result res;
	int rc = ps_sync_run(x->r, &res, progress_tty, NULL);
	cJSON *j = ps_sync_result_json(&res, rc);
	if (!j) {
		news_release(&before);
		return fail(rc ? rc : ps_error_set(PS_ENOMEM, "out of memory"));
	}
	return finish_sync(x, a, j, &before);
}
