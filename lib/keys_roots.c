/* keys_roots.c - the province roots a remote holds, as last fetched: each
 * province branch whose first commit, signed by a key, writes that
 * replica's own key record with it (what a province's first replica on an
 * empty remote makes). init lists them when there is more than one, so
 * trust on first use never picks one (attack 153).
 *
 * Exports ps_keys_roots_each (keys.h) and ps_keys_is_root (keys_int.h).
 * Never verifies more than the root commit's signature (sync_verify.c
 * judges every commit), never writes. */
#include <stdio.h>
#include <string.h>
#include "keys_int.h"
#include "repo.h"
#include "plansync/change.h"
#include "plansync/error.h"
#include "plansync/key.h"
#include "plansync/keys.h"
#include "plansync/record.h"
#include "plansync/replica.h"

typedef struct root_walk {
	git_repository *repo;
	const char *prefix, *rec; /* changes/<province>/, key/<province>/<replica> */
	uint8_t signer[32];
	bool own;
} root_walk;

/* A file of the root commit: the branch replica's own key record, with the
 * key that signed the commit. */
static int root_file(const char *root, const git_tree_entry *e, void *ctx)
{
	root_walk *w = ctx;
	git_blob *b = NULL;
	ps_change *c = NULL;
	uint8_t k[32];
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || strncmp(root, w->prefix, strlen(w->prefix)) != 0 ||
	    git_blob_lookup(&b, w->repo, git_tree_entry_id(e)) < 0)
		return 0;
	if (git_blob_rawsize(b) <= PS_CHANGE_MAX_BYTES &&
	    ps_change_decode(&c, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b)) == 0) {
		const cJSON *pk = cJSON_GetObjectItemCaseSensitive(c->fields, "public_key");
		w->own |= c->op == PS_OP_SET && strcmp(c->record, w->rec) == 0 && cJSON_IsString(pk) &&
		          ps_pubkey_parse(k, pk->valuestring) == 0 && memcmp(k, w->signer, 32) == 0;
	}
	ps_change_free(c);
	git_blob_free(b);
	return w->own ? -1 : 0; /* found: the walk stops */
}

/* Whether the branch ref of replica id starts as a province root: its first
 * commit, signed by key fpr, writes that replica's own key record with it. */
static bool root_of(git_repository *repo, const char *ref, const char *province, const char *id, char fpr[72])
{
	git_revwalk *rw = NULL;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_oid oid, root;
	char prefix[100], rec[PS_RECORD_ID_MAX + 1];
	bool found = false;
	snprintf(prefix, sizeof(prefix), "changes/%s/", province);
	snprintf(rec, sizeof(rec), "key/%s/%s", province, id);
	root_walk w = {repo, prefix, rec, {0}, false};
	if (git_revwalk_new(&rw, repo) == 0 && git_revwalk_sorting(rw, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) == 0 &&
	    git_revwalk_push_ref(rw, ref) == 0)
		while (!found && git_revwalk_next(&oid, rw) == 0)
			if (git_commit_lookup(&c, repo, &oid) == 0) {
				found = git_commit_parentcount(c) == 0;
				root = oid;
				if (!found)
					git_commit_free(c);
			}
	if (found && ps_commit_signer(w.signer, repo, &root) == 0 && git_commit_tree(&t, c) == 0)
		git_tree_walk(t, GIT_TREEWALK_PRE, root_file, &w);
	if (w.own)
		ps_pubkey_fingerprint(fpr, w.signer);
	git_tree_free(t);
	git_commit_free(found ? c : NULL);
	git_revwalk_free(rw);
	ps_error_clear();
	return w.own;
}

int ps_keys_roots_each(ps_replica *r, int (*fn)(void *ctx, const char *branch, const char *fpr), void *ctx)
{
	git_repository *repo = NULL;
	git_reference_iterator *it = NULL;
	const char *name = NULL, *province = ps_replica_province(r);
	char glob[200], fpr[72];
	int rc = ps_repo_open_replica(&repo, ps_replica_dir(r));
	snprintf(glob, sizeof(glob), PS_TRACK_REF_PREFIX "%s/*", province);
	if (!rc && git_reference_iterator_glob_new(&it, repo, glob) < 0)
		rc = ps_repo_error(PS_ERROR, "listing the province's branches");
	while (!rc && git_reference_next_name(&name, it) == 0) {
		const char *id = strrchr(name, '/') + 1, *branch = name + strlen("refs/remotes/origin/");
		if (root_of(repo, name, province, id, fpr))
			rc = fn(ctx, branch, fpr);
	}
	git_reference_iterator_free(it);
	git_repository_free(repo);
	return rc;
}

/* A fingerprint of one "ssh-ed25519 BASE64" text is pin. */
static bool key_fp_is(const char *text, size_t len, const char *pin)
{
	char line[400], fpr[PS_KEY_FPR_MAX];
	uint8_t pub[32];
	snprintf(line, sizeof(line), "%.*s", (int)len, text);
	if (ps_pubkey_parse(pub, line) != 0) {
		ps_error_clear();
		return false;
	}
	ps_pubkey_fingerprint(fpr, pub);
	return strcmp(fpr, pin) == 0;
}

bool ps_keys_is_root(const ps_keyrec *k, const char *pin)
{
	if (!pin || !pin[0] || !k->found || !k->public_key || !k->enrolled || k->revoked)
		return false;
	if (key_fp_is(k->public_key, strlen(k->public_key), pin))
		return true;
	for (const char *p = k->previous, *nl; p && (nl = strchr(p, '\n')); p = nl + 1)
		if (key_fp_is(p, (size_t)(nl - p), pin))
			return true;
	return false;
}
