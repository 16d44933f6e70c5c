/* sync_request.c - enrolment requests as the import meets them (DESIGN
 * "Identity: keys").
 *
 * Exports to sync_import.c (sync_int.h) ps_sync_verify_request (a branch
 * held at a commit validly signed by a key the registry does not enrol yet:
 * the request is noted in meta keys.pending.<office>/<replica> with its
 * key, first seen and the change files it would bring, and the keys that
 * asked under that id before: "earlier"),
 * ps_sync_verify_unchanged (nothing new on a branch held at the same
 * request) and ps_sync_verify_settled. Judges nothing itself
 * (sync_verify.c does); its SQL is store_keys.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sync_int.h"
#include "repo.h"
#include "keys_int.h"
#include "store_keys.h"
#include "plansync/error.h"
#include "plansync/hlc.h"
#include "plansync/key.h"
#include "plansync/log.h"
/* One change file of the held part: counted when it would apply; what it
 * may never do (another office's record, a key record, a file that is not
 * what its path says) is said in problems now, before the officer confirms
 * the request, and not counted (attack 178). */
static int held_file(void *ctx, const char *path, git_filemode_t mode, const git_oid *oid)
{
	(void)mode;
	imp *m = ((void **)ctx)[0];
	long *n = ((void **)ctx)[1];
	if (strncmp(path, "changes/", 8) != 0)
		return 0; /* plansync.json and the like: judged when the branch is read */
	ps_change *c = NULL;
	git_odb_object *o = NULL;
	char why[600], reason[800];
	int rc = ps_sync_read_change(m, path, oid, m->office, &c, &o, why, sizeof(why));
	ps_change_free(c);
	git_odb_object_free(o);
	if (rc == 0)
		(*n)++;
	if (rc != 1)
		return rc;
	snprintf(reason, sizeof(reason), "in the enrolment request of replica %s: %s; it will not be applied",
	         m->replica, why);
	return ps_sync_problem(ps_replica_store(m->r), m->branch, m->commit, path, reason, m->res);
}

static int held_bad(void *ctx, const char *path, const char *why)
{
	imp *m = ((void **)ctx)[0];
	char reason[800];
	if (strncmp(path, "changes/", 8) != 0)
		return 0;
	snprintf(reason, sizeof(reason), "in the enrolment request of replica %s: %s; it will not be applied",
	         m->replica, why);
	return ps_sync_problem(ps_replica_store(m->r), m->branch, m->commit, path, reason, m->res);
}

/* Change files in first and the commits after it up to tip (the held part
 * of the branch) that are validly signed by signer and would apply: what
 * the request would bring, and nothing anyone else hung after it. */
static int count_files(imp *m, const git_oid *first, const git_oid *tip, const uint8_t signer[32], long *n)
{
	*n = 0;
	git_revwalk *w = NULL;
	git_commit *fc = NULL;
	char keep[GIT_OID_HEXSZ + 1];
	snprintf(keep, sizeof(keep), "%s", m->commit);
	if (git_revwalk_new(&w, m->repo) < 0 || git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(w, tip) < 0 || git_commit_lookup(&fc, m->repo, first) < 0) {
		git_revwalk_free(w);
		git_error_clear();
		return 0;
	}
	for (unsigned i = 0; i < git_commit_parentcount(fc); i++)
		git_revwalk_hide(w, git_commit_parent_id(fc, i));
	git_commit_free(fc);
	git_oid oid;
	uint8_t who[32];
	void *ctx[2] = {m, n};
	int rc = 0;
	while (!rc && git_revwalk_next(&oid, w) == 0) {
		if (ps_commit_signer(who, m->repo, &oid) != 0 || memcmp(who, signer, 32) != 0) {
			ps_error_clear();
			continue;
		}
		git_commit *c = NULL;
		git_tree *t = NULL;
		git_oid_tostr(m->commit, sizeof(m->commit), &oid);
		if (git_commit_lookup(&c, m->repo, &oid) == 0 && git_commit_tree(&t, c) == 0)
			rc = ps_repo_diff_added(m->repo, NULL, t, NULL, held_file, held_bad, ctx);
		git_tree_free(t);
		git_commit_free(c);
	}
	git_revwalk_free(w);
	snprintf(m->commit, sizeof(m->commit), "%s", keep);
	return rc;
}

static void now_iso(char out[32])
{
	time_t t = (time_t)(ps_now_ms() / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ps_sync_verify_request(imp *m, const ps_vcommit *vc, const git_oid *first, const git_oid *tip)
{
	ps_store *s = ps_replica_store(m->r);
	if (vc->other_key)
		return ps_store_keyreq_put(s, m->office, m->replica, NULL);
	char *old = NULL, seen[32], hex[GIT_OID_HEXSZ + 1], tiphex[GIT_OID_HEXSZ + 1], *pub = NULL;
	int rc = ps_store_keyreq_get(s, m->office, m->replica, &old);
	if (rc && rc != PS_ENOTFOUND)
		return rc;
	if (rc) {
		ps_error_clear();
		rc = 0;
	}
	cJSON *was = old ? cJSON_Parse(old) : NULL;
	const cJSON *fs = cJSON_GetObjectItemCaseSensitive(was, "first_seen");
	const cJSON *wk = cJSON_GetObjectItemCaseSensitive(was, "fingerprint");
	if (cJSON_IsString(fs) && cJSON_IsString(wk) && strcmp(wk->valuestring, vc->fpr) == 0)
		snprintf(seen, sizeof(seen), "%s", fs->valuestring);
	else
		now_iso(seen);
	/* a request under the same id with another key: someone may have
	 * replaced the office's; every key that asked is kept, so approval by
	 * id is refused and the officer picks by fingerprint (attack 173) */
	cJSON *earlier = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(was, "earlier"), 1);
	if (cJSON_IsString(wk) && strcmp(wk->valuestring, vc->fpr) != 0) {
		cJSON *e = cJSON_CreateObject();
		if (!earlier)
			earlier = cJSON_CreateArray();
		if (!e || !earlier || !cJSON_AddItemToArray(earlier, e) ||
		    !cJSON_AddItemReferenceToObject(e, "fingerprint", (cJSON *)wk) ||
		    !cJSON_AddItemToObject(e, "public_key",
		                           cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(was, "public_key"), 1)) ||
		    !cJSON_AddItemToObject(e, "first_seen", cJSON_Duplicate(fs, 1)))
			rc = ps_error_set(PS_ENOMEM, "out of memory");
	}
	long n = 0;
	if (!rc)
		rc = count_files(m, first, tip, vc->signer, &n);
	git_oid_tostr(hex, sizeof(hex), first);
	git_oid_tostr(tiphex, sizeof(tiphex), tip);
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	rc = ps_pubkey_text(&pub, vc->signer, NULL);
	if (!rc && o && cJSON_AddStringToObject(o, "office", m->office) &&
	    cJSON_AddStringToObject(o, "replica", m->replica) && cJSON_AddStringToObject(o, "public_key", pub) &&
	    cJSON_AddStringToObject(o, "fingerprint", vc->fpr) && cJSON_AddStringToObject(o, "first_seen", seen) &&
	    cJSON_AddStringToObject(o, "commit", hex) && cJSON_AddStringToObject(o, "tip", tiphex) &&
	    cJSON_AddNumberToObject(o, "changes", (double)n) &&
	    (!earlier || cJSON_AddItemToObject(o, "earlier", earlier))) {
		earlier = NULL;
		text = cJSON_PrintUnformatted(o);
	}
	if (!rc && !text)
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	if (!rc)
		rc = ps_store_keyreq_put(s, m->office, m->replica, text);
	if (!rc && !old)
		ps_log(PS_LOG_INFO, "enrolment request from replica %s (office %s), key %s: %ld changes held",
		       m->replica, m->office, vc->fpr, n);
	cJSON_free(text);
	cJSON_Delete(o);
	cJSON_Delete(earlier);
	cJSON_Delete(was);
	free(pub);
	free(old);
	return rc;
}

int ps_sync_verify_unchanged(imp *m, const git_oid *last, const git_oid *tip, bool *same)
{
	*same = false;
	char *old = NULL;
	int rc = ps_store_keyreq_get(ps_replica_store(m->r), m->office, m->replica, &old);
	if (rc)
		return rc == PS_ENOTFOUND ? 0 : rc;
	cJSON *was = cJSON_Parse(old);
	free(old);
	const cJSON *fc = cJSON_GetObjectItemCaseSensitive(was, "commit");
	const cJSON *tc = cJSON_GetObjectItemCaseSensitive(was, "tip");
	const cJSON *fp = cJSON_GetObjectItemCaseSensitive(was, "fingerprint");
	git_oid first, t;
	git_commit *c = NULL;
	bool after_last = false;
	if (cJSON_IsString(fc) && cJSON_IsString(tc) && cJSON_IsString(fp) &&
	    git_oid_fromstr(&first, fc->valuestring) == 0 && git_oid_fromstr(&t, tc->valuestring) == 0 &&
	    git_oid_equal(&t, tip) && git_commit_lookup(&c, m->repo, &first) == 0)
		after_last = last ? git_commit_parentcount(c) == 1 && git_oid_equal(git_commit_parent_id(c, 0), last)
		                  : git_commit_parentcount(c) == 0;
	git_commit_free(c);
	if (after_last) {
		/* the same request: still one if the registry still holds it */
		ps_vcommit vc;
		int verdict = PS_VERIFY_BAD;
		git_oid_tostr(m->commit, sizeof(m->commit), &first);
		rc = ps_sync_verify_commit(m, &first, &vc, &verdict);
		*same = !rc && verdict == PS_VERIFY_HELD && !vc.boot && !vc.other_key &&
		        strcmp(vc.fpr, fp->valuestring) == 0;
	}
	cJSON_Delete(was);
	return rc;
}

int ps_sync_verify_settled(imp *m)
{
	return ps_store_keyreq_put(ps_replica_store(m->r), m->office, m->replica, NULL);
}
