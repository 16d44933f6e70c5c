/* cmd_check.c - plansync check: verify a replica, say how to recover.
 * With --json the verdict is a JSON object on stdout in every case, also
 * when plansync.db cannot be opened at all (exit 8 either way). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/integrity.h"
#include "plansync/store.h"

typedef struct check_opts {
	bool repair;
} check_opts;
static const opt_spec check_spec[] = {
    OPT_BOOL(0, "repair", check_opts, repair,
             "rewrite damaged change rows from an intact copy (their Git object or their columns)"),
    OPT_END,
};
const opt_table opts_check = {check_spec, sizeof(check_opts)};

/* plansync.db is there (the failure is its content, not its absence). */
static int access_db(const char *dir)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/plansync.db", dir);
	return access(p, R_OK) == 0;
}

/* check --json when plansync.db cannot be opened: the verdict still goes
 * to stdout, in the shape of a normal one (counts null: nothing was read),
 * so a monitoring script always gets a document. */
static void print_unopened(const char *dir, const char *why)
{
	char fix[2000];
	snprintf(fix, sizeof(fix),
	         "stop its daemon, then: mv %s %s.damaged; plansync init %s --office OFFICE --replica REPLICA-ID "
	         "--remote URL (the same office, replica id and remote); changes that never reached the remote: "
	         "sqlite3 %s.damaged/plansync.db .recover | sqlite3 recovered.db",
	         dir, dir, dir, dir);
	cJSON *j = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *f = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", false);
	cJSON_AddNullToObject(j, "changes");
	cJSON_AddNullToObject(j, "objects");
	cJSON_AddNullToObject(j, "repaired");
	cJSON_AddBoolToObject(j, "state_checked", false);
	cJSON_AddStringToObject(f, "area", "database");
	cJSON_AddStringToObject(f, "what", why);
	cJSON_AddStringToObject(f, "fix", fix);
	cJSON_AddItemToArray(arr, f);
	cJSON_AddItemToObject(j, "faults", arr);
	print_json(j);
	cJSON_Delete(j);
}

int cmd_check(ctx *x, const args *a)
{
	/* Opened here, not by main: a damaged database must still open. */
	int rc = ps_replica_open_flags(&x->r, x->dir, PS_REPLICA_DAMAGED_OK);
	if (rc == PS_EREPAIR || (rc == PS_ERROR && access_db(x->dir))) {
		/* Too damaged to open at all: say the whole way out here, since
		 * no other command can. */
		char why[600];
		snprintf(why, sizeof(why), "%s", ps_error_last());
		char *tail = strstr(why, "; run 'plansync check'");
		if (tail)
			*tail = '\0';
		fprintf(stderr, "plansync: %s\n", why);
		if (a->json)
			print_unopened(x->dir, why);
		fprintf(stderr,
		        "\nthe database cannot be opened, so set the replica aside and make it again from the "
		        "shared repository:\n"
		        "  1. stop its daemon, then: mv %s %s.damaged\n"
		        "  2. plansync init %s --office OFFICE --replica REPLICA-ID --remote URL\n"
		        "     (the same office, replica id and remote: it takes up its branch's history)\n"
		        "  3. changes written here that never reached the remote can be read back with\n"
		        "     sqlite3 %s.damaged/plansync.db .recover | sqlite3 recovered.db\n"
		        "     and entered again with plansync progress set\n",
		        x->dir, x->dir, x->dir, x->dir);
		return EXIT_REPAIR;
	}
	if (rc)
		return fail(rc);
	const check_opts *opt = a->opts;
	ps_check_opts o = {opt->repair};
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
			/* Our own sentences: a fix is several command lines. */
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
