/* sync_deleted.c - the fetched branches beside the ones imported before:
 * a branch the remote no longer has is reported once and kept (its
 * changes stay, its history under refs/plansync/kept/ so 'remote seed'
 * sends it again), and the same walk of the stored heads marks the
 * branches with nothing new.
 *
 * Exports ps_sync_report_deleted and the order of ps_refent. Never imports
 * a change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"
#include "store_sync.h"
#include "plansync/log.h"

int ps_sync_refent_cmp(const void *a, const void *b)
{
	return strcmp(((const ps_refent *)a)->name, ((const ps_refent *)b)->name);
}

/* Branches imported before that the remote no longer has (the fetch
 * pruned their tracking refs): reported once, their changes kept. The
 * same walk of the stored heads marks the branches with nothing new, so
 * a cycle beside thousands of quiet branches reads no head twice. */
typedef struct deleted_walk {
	ps_store *s;
	git_repository *repo;
	ps_refent *refs;
	size_t nrefs;
	ps_sync_result *res;
} deleted_walk;

static int deleted_one(void *ctx, const char *ref, const char *hexhead)
{
	deleted_walk *dw = ctx;
	ps_store *s = dw->s;
	git_repository *repo = dw->repo;
	ps_refent key = {(char *)ref, {{0}}, false};
	ps_refent *have = dw->nrefs ? bsearch(&key, dw->refs, dw->nrefs, sizeof(*dw->refs), ps_sync_refent_cmp) : NULL;
	if (have) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &have->oid);
		have->current = strcmp(hex, hexhead) == 0;
		return 0;
	}
	char bname[300], kept[400];
	snprintf(bname, sizeof(bname), "replicas/%s", ref + strlen(PS_TRACK_REF_PREFIX));
	/* its history stays named here, so 'remote seed' sends it again */
	snprintf(kept, sizeof(kept), "refs/plansync/kept/%s", bname);
	git_oid head, had;
	git_reference *kr = NULL;
	/* a kept ref already at or past the head (commits in a newer format,
	 * kept while they could not be read) stays */
	bool ahead = repo && git_oid_fromstr(&head, hexhead) == 0 && git_reference_name_to_id(&had, repo, kept) == 0 &&
	             (git_oid_equal(&had, &head) || git_graph_descendant_of(repo, &had, &head) == 1);
	if (!ahead && git_oid_fromstr(&head, hexhead) == 0 && repo &&
	    git_reference_create(&kr, repo, kept, &head, 1, "plansync: branch deleted on the remote") < 0)
		ps_log(PS_LOG_WARN, "cannot keep %s: %s", bname,
		       git_error_last() ? git_error_last()->message : "unknown error");
	git_reference_free(kr);
	int rc = ps_store_begin(s);
	if (!rc) {
		rc = ps_sync_problem(s, bname, hexhead, "", "branch deleted on the remote; its changes are kept here",
		                     dw->res);
		rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	}
	return rc;
}

int ps_sync_report_deleted(ps_replica *r, git_repository *repo, ps_refent *refs, size_t nrefs, ps_sync_result *res)
{
	deleted_walk dw = {ps_replica_store(r), repo, refs, nrefs, res};
	return ps_store_branches_each(dw.s, deleted_one, &dw);
}
