/* keys_revoke.c - the province revokes a replica's key (keys.h).
 *
 * Exports ps_keys_revoke and, to lib/sync_verify.c, ps_keys_before_lost
 * (keys_int.h). A revocation names the last commit of the replica's branch
 * this replica imported and carries that commit's raw bytes, so a reader
 * whose repository lost it still draws the same line (attack 160). Only
 * the root province replica revokes a province replica (attack 166). The
 * record is written through ps_keys_write like every decision. Never
 * verifies a signature, never writes SQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "keys_int.h"
#include "store_sync.h"
#include "repo.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/key.h"
#include "plansync/keys.h"
#include "plansync/record.h"
#include "plansync/replica.h"

typedef struct find_key {
	const char *who;
	ps_keydone *out;
	int found, revoked;
} find_key;

static int find_key_row(void *ctx, const ps_keyinfo *k)
{
	find_key *f = ctx;
	if (strcmp(k->replica, f->who) != 0 && strcmp(k->fingerprint, f->who) != 0)
		return 0;
	if (!k->enrolled || k->revoked) {
		f->revoked++;
		return 0;
	}
	snprintf(f->out->office, sizeof(f->out->office), "%s", k->office);
	snprintf(f->out->replica, sizeof(f->out->replica), "%s", k->replica);
	snprintf(f->out->fingerprint, sizeof(f->out->fingerprint), "%s", k->fingerprint);
	f->found++;
	return 0;
}

bool ps_keys_before_lost(git_repository *repo, const git_oid *ra, const char *raw, const git_oid *oid)
{
	git_odb *odb = NULL;
	bool here = git_repository_odb(&odb, repo) != 0 || git_odb_exists(odb, ra);
	size_t n = raw ? strlen(raw) : 0, len = 0;
	char *bytes = n && !here ? malloc(n) : NULL;
	git_oid id, p;
	bool yes = false;
	if (bytes &&
	    sodium_base642bin((unsigned char *)bytes, n, raw, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) ==
	        0 &&
	    git_odb_hash(&id, bytes, len, GIT_OBJECT_COMMIT) == 0 && git_oid_equal(&id, ra)) {
		/* "parent <hex>" lines follow the tree line, before any other header */
		for (const char *l = memchr(bytes, '\n', len);
		     !yes && l && (size_t)(l + 1 - bytes) + 48 <= len && memcmp(l + 1, "parent ", 7) == 0;
		     l = memchr(l + 1, '\n', len - (size_t)(l + 1 - bytes))) {
			char hex[GIT_OID_HEXSZ + 1];
			memcpy(hex, l + 8, GIT_OID_HEXSZ);
			hex[GIT_OID_HEXSZ] = '\0';
			yes = git_oid_fromstr(&p, hex) == 0 &&
			      (git_oid_equal(&p, oid) ||
			       (git_odb_exists(odb, &p) && git_graph_descendant_of(repo, &p, oid) == 1));
		}
	}
	free(bytes);
	git_odb_free(odb);
	return yes;
}

/* The raw commit hex in base64 (*out NULL when this repository lacks it
 * or it is too big for the record). */
static int commit_b64(char **out, ps_replica *r, const char *hex)
{
	*out = NULL;
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	git_odb_object *o = NULL;
	git_oid id;
	if (ps_repo_open_replica(&repo, ps_replica_dir(r)) == 0 && git_oid_fromstr(&id, hex) == 0 &&
	    git_repository_odb(&odb, repo) == 0 && git_odb_read(&o, odb, &id) == 0 &&
	    git_odb_object_type(o) == GIT_OBJECT_COMMIT && git_odb_object_size(o) <= 24000) {
		size_t n = sodium_base64_encoded_len(git_odb_object_size(o), sodium_base64_VARIANT_ORIGINAL);
		if ((*out = malloc(n)))
			sodium_bin2base64(*out, n, git_odb_object_data(o), git_odb_object_size(o),
			                  sodium_base64_VARIANT_ORIGINAL);
	}
	git_odb_object_free(o);
	git_odb_free(odb);
	git_repository_free(repo);
	ps_error_clear();
	return 0;
}

/* Two province replicas that decide on each other's keys while apart
 * would each refuse the other's decision: only the root (the replica whose
 * key the offices pin) writes another province replica's key record, here
 * and in every reader (sync_rootrule.c), so no order of reading decides
 * (attacks 166, 169). */
int ps_keys_root_only(ps_replica *r, const char *what, const char *victim)
{
	char pin[72];
	ps_keyrec k;
	if (strcmp(victim, ps_replica_id(r)) == 0)
		return 0; /* its own record: a rotation */
	int rc = ps_keys_pin_get(r, pin);
	if (!rc && !(rc = ps_keys_lookup(&k, r, ps_replica_province(r), ps_replica_id(r)))) {
		bool root = ps_keys_is_root(&k, pin);
		ps_keyrec h; /* the root restored under a new id hands over and stays the root (172) */
		if (!root && k.handed_from && !(rc = ps_keys_lookup(&h, r, ps_replica_province(r), k.handed_from))) {
			root = ps_keys_is_root(&h, pin);
			ps_keyrec_release(&h);
		}
		if (!rc && !root)
			rc = ps_error_set(
			    PS_EINVALID,
			    "keys %s: %s is a province replica; only the province's root replica (the one "
			    "whose key %s the offices pin) decides on a province replica's key: run this there",
			    what, victim, pin[0] ? pin : "(none pinned here)");
		ps_keyrec_release(&k);
	}
	return rc;
}

int ps_keys_revoke(ps_keydone *out, ps_replica *r, const char *who)
{
	memset(out, 0, sizeof(*out));
	int rc = ps_keys_province_only(r, "revoke");
	find_key f = {.who = who, .out = out};
	if (rc || (rc = ps_keys_each(r, find_key_row, &f)))
		return rc;
	if (f.found != 1)
		return ps_error_set(f.found ? PS_EINVALID : PS_ENOTFOUND,
		                    f.found ? "keys revoke: \"%s\" names several keys; give the replica id"
		                    : f.revoked
		                        ? "keys revoke: the key of \"%s\" is not enrolled or is revoked already"
		                        : "keys revoke: no enrolled key of \"%s\"; 'plansync keys allowed-signers' "
		                          "lists them",
		                    who);
	if (strcmp(out->replica, ps_replica_id(r)) == 0)
		return ps_error_set(PS_EINVALID,
		                    "keys revoke: %s is this replica; a replica does not revoke its own key",
		                    out->replica);
	if (strcmp(out->office, ps_replica_province(r)) == 0 && (rc = ps_keys_root_only(r, "revoke", out->replica)))
		return rc;
	char ref[300];
	bool found = false;
	snprintf(ref, sizeof(ref), PS_TRACK_REF_PREFIX "%s/%s", out->office, out->replica);
	if ((rc = ps_store_branch_head(ps_replica_store(r), ref, out->revoked_after, &found)))
		return rc;
	if (!found)
		out->revoked_after[0] = '\0';
	char now[32], *raw = NULL;
	if (found && (rc = commit_b64(&raw, r, out->revoked_after)))
		return rc;
	ps_keys_now(now);
	cJSON *o = cJSON_CreateObject();
	if (o &&
	    (!(found ? cJSON_AddStringToObject(o, "revoked_after", out->revoked_after)
	             : cJSON_AddNullToObject(o, "revoked_after")) ||
	     !(raw ? cJSON_AddStringToObject(o, "revoked_commit", raw) : cJSON_AddNullToObject(o, "revoked_commit")) ||
	     !cJSON_AddStringToObject(o, "revoked", now))) {
		cJSON_Delete(o);
		o = NULL;
	}
	free(raw);
	return ps_keys_write(out, r, o, "key revoked by the province");
}
