/* cmd_audit.c - plansync audit [--json]: the whole history of every branch
 * verified again from scratch (lib/audit.c), per office: commits, change
 * files, signers; what is refused, naming the commit; whether the state it
 * implies equals this replica's. Exits 1 when anything fails. */
#include <stdio.h>
#include "cli.h"
#include "plansync/audit.h"
#include "plansync/error.h"

static cJSON *audit_json(const ps_audit *au)
{
	cJSON *j = cJSON_CreateObject(), *offices = cJSON_AddArrayToObject(j, "offices");
	for (size_t i = 0; offices && i < au->noffices; i++) {
		const ps_audit_office *o = &au->offices[i];
		cJSON *oj = cJSON_CreateObject();
		cJSON_AddStringToObject(oj, "office", o->office);
		cJSON_AddNumberToObject(oj, "branches", (double)o->branches);
		cJSON_AddNumberToObject(oj, "commits", (double)o->commits);
		cJSON_AddNumberToObject(oj, "changes", (double)o->changes);
		cJSON *sj = cJSON_AddArrayToObject(oj, "signers");
		for (size_t k = 0; sj && k < o->nsigners; k++) {
			cJSON *g = cJSON_CreateObject();
			cJSON_AddStringToObject(g, "fingerprint", o->signers[k].fingerprint);
			cJSON_AddStringToObject(g, "replica", o->signers[k].replica);
			cJSON_AddNumberToObject(g, "commits", (double)o->signers[k].commits);
			cJSON_AddItemToArray(sj, g);
		}
		cJSON_AddItemToArray(offices, oj);
	}
	cJSON *rj = cJSON_AddArrayToObject(j, "refused");
	for (size_t i = 0; rj && i < au->nrefused; i++) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "branch", au->refused[i].branch);
		if (au->refused[i].commit)
			cJSON_AddStringToObject(f, "commit", au->refused[i].commit);
		else
			cJSON_AddNullToObject(f, "commit");
		cJSON_AddStringToObject(f, "reason", au->refused[i].reason);
		cJSON_AddItemToArray(rj, f);
	}
	cJSON_AddNumberToObject(j, "pending", (double)au->pending);
	cJSON_AddNumberToObject(j, "not_exported", (double)au->not_exported);
	cJSON_AddBoolToObject(j, "state_equal", au->state_equal);
	if (au->state_diff)
		cJSON_AddStringToObject(j, "state_diff", au->state_diff);
	else
		cJSON_AddNullToObject(j, "state_diff");
	cJSON_AddBoolToObject(j, "ok", au->ok);
	return j;
}

static void audit_text(const ps_audit *au)
{
	for (size_t i = 0; i < au->noffices; i++) {
		const ps_audit_office *o = &au->offices[i];
		printf("office %s: %ld branch%s, %ld commits, %ld changes\n", o->office, o->branches,
		       o->branches == 1 ? "" : "es", o->commits, o->changes);
		for (size_t k = 0; k < o->nsigners; k++)
			printf("  signed by %s (replica %s): %ld commits\n", o->signers[k].fingerprint,
			       o->signers[k].replica, o->signers[k].commits);
	}
	for (size_t i = 0; i < au->nrefused; i++)
		printf("REFUSED %s commit %s: %s\n", au->refused[i].branch,
		       au->refused[i].commit ? au->refused[i].commit : "(the branch)", au->refused[i].reason);
	if (au->pending)
		printf("held: %ld changes of replicas whose keys are not enrolled (plansync keys pending)\n",
		       au->pending);
	if (au->state_equal)
		printf("state: the history implies exactly this replica's dump\n");
	else
		printf("STATE DIFFERS from what the history implies%s\n%s\n",
		       au->not_exported ? " (this replica has changes not exported yet: sync, then audit again)" : "",
		       au->state_diff ? au->state_diff : "");
	printf("%s\n", au->ok ? "audit passed" : "audit FAILED");
}

int cmd_audit(ctx *x, const args *a)
{
	ps_audit *au = NULL;
	int rc = ps_audit_run(&au, x->r);
	if (rc)
		return fail(rc);
	if (a->json) {
		cJSON *j = audit_json(au);
		if (!j) {
			ps_audit_free(au);
			return fail_msg(EXIT_FAIL, "out of memory");
		}
		print_json(j);
		cJSON_Delete(j);
	} else {
		audit_text(au);
	}
	int code = au->ok ? EXIT_OK : EXIT_FAIL;
	ps_audit_free(au);
	return code;
}
