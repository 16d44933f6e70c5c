/* sync_rootrule.c - only the root writes another province replica's key
 * record (DESIGN "Identity: keys"; attacks 166, 167, 169).
 *
 * Exports ps_sync_root_writes, ps_sync_root_seen, ps_sync_before_revocation and
 * ps_sync_revoked_elsewhere to sync_verify.c (sync_int.h). Two province
 * replicas that revoke, re-key or refuse each other while apart would each
 * refuse the other's decision, and who won would depend on what a reader
 * read first; a non-root province replica could also replace the root's
 * key. So a key record of a province replica other than the writer's own
 * counts only when the root wrote it: the province replica whose key, or
 * a key it rotated from, is the pinned one (keys_int.h ps_keys_is_root),
 * or whose branch's commit writing its own key record the pinned key
 * signed (a root restored under a new id hands over, or one upgraded onto
 * a new branch: meta trust.roots), so what a root re-sends on its new
 * branch counts whatever order the branches are read in. keys.c refuses such a decision elsewhere; every reader
 * quarantines it here whatever the writer's binary did. Never writes Git
 * objects; its SQL is store_keys.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"
#include "keys_int.h"
#include "plansync/error.h"
#include "plansync/key.h"
#include "plansync/keys.h"
#include "plansync/record.h"
#include "plansync/replica.h"

#define META_ROOTS "trust.roots"

/* Whether replica is listed as one whose own key record the pinned key
 * signed (a root met, or a root handed over under a new id). */
static int roots_has(imp *m, const char *replica, bool *yes)
{
	char *list = NULL;
	*yes = false;
	int rc = ps_store_meta_get(ps_replica_store(m->r), META_ROOTS, &list);
	if (rc == PS_ENOTFOUND) {
		ps_error_clear();
		return 0;
	}
	size_t n = strlen(replica);
	for (const char *p = list; !rc && p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (!strncmp(p, replica, n) && p[n] == '\n')
			*yes = true;
	free(list);
	return rc;
}

int ps_sync_root_seen(imp *m, const char *fpr)
{
	char pin[72] = "";
	bool have = false;
	int rc = ps_keys_pin_get(m->r, pin);
	if (rc || strcmp(pin, fpr) != 0 || (rc = roots_has(m, m->replica, &have)) || have)
		return rc;
	char *list = NULL;
	if ((rc = ps_store_meta_get(ps_replica_store(m->r), META_ROOTS, &list)) == PS_ENOTFOUND) {
		ps_error_clear();
		rc = 0;
	}
	size_t len = list ? strlen(list) : 0, add = strlen(m->replica) + 2;
	char *n = rc ? NULL : realloc(list, len + add);
	if (!rc && !n)
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	if (!rc) {
		snprintf(n + len, add, "%s\n", m->replica);
		list = n;
		rc = ps_store_meta_set(ps_replica_store(m->r), META_ROOTS, list);
	}
	free(list);
	return rc;
}

int ps_sync_root_writes(imp *m, const ps_change *c, const ps_record_id *rid)
{
	if (strcmp(rid->office, m->office) != 0 || strcmp(rid->replica, m->replica) == 0)
		return 0; /* a district's record, or the writer's own (a rotation, a hand-over) */
	ps_keyrec writer;
	char pin[72] = "", why[600];
	int rc = ps_keys_pin_get(m->r, pin);
	if (rc || (rc = ps_sync_verify_lookup(m, m->office, m->replica, &writer)))
		return rc;
	/* the pinned key signing is the root, whatever its record says yet */
	bool root = !strcmp(m->signer, pin) || ps_keys_is_root(&writer, pin);
	ps_keyrec_release(&writer);
	if (!root && (rc = roots_has(m, m->replica, &root)))
		return rc;
	if (root)
		return 0;
	snprintf(why, sizeof(why),
	         "key record %s: province replica %s writes the key record of province replica %s, but only the "
	         "province's root replica (whose key the offices pin) decides on a province replica's key; refused",
	         c->record, m->replica, rid->replica);
	rc = ps_sync_problem(ps_replica_store(m->r), m->branch, m->commit, "", why, m->res);
	return rc ? rc : 1;
}

bool ps_sync_before_revocation(imp *m, const struct ps_keyrec *k, const git_oid *oid)
{
	git_oid ra;
	return k->revoked_after && git_oid_fromstr(&ra, k->revoked_after) == 0 &&
	       (git_oid_equal(&ra, oid) ||
	        (git_odb_exists(m->odb, &ra) ? git_graph_descendant_of(m->repo, &ra, oid) == 1
	                                     : ps_keys_before_lost(m->repo, &ra, k->revoked_commit, oid)));
}

typedef struct elsewhere {
	imp *m;
	const uint8_t *pub;
	const git_oid *oid;
	char *out;
	size_t n;
} elsewhere;

static int elsewhere_row(void *ctx, const ps_keyinfo *ki)
{
	elsewhere *w = ctx;
	uint8_t pub[32];
	if (!strcmp(ki->office, w->m->office) && !strcmp(ki->replica, w->m->replica))
		return 0;
	if (!ki->public_key || ps_pubkey_parse(pub, ki->public_key) != 0 || memcmp(pub, w->pub, 32) != 0) {
		ps_error_clear();
		return 0;
	}
	ps_keyrec k; /* as this import knows it: a revocation met on a province branch counts */
	int rc = ps_sync_verify_lookup(w->m, ki->office, ki->replica, &k);
	if (!rc && k.enrolled && k.revoked && !ps_sync_before_revocation(w->m, &k, w->oid)) {
		snprintf(w->out, w->n, "%s", ki->replica);
		rc = 1;
	}
	ps_keyrec_release(&k);
	return rc;
}

int ps_sync_revoked_note(imp *m, const char *public_key)
{
	uint8_t pub[32];
	if (ps_pubkey_parse(pub, public_key) != 0) {
		ps_error_clear();
		return 0; /* names no key: revokes none */
	}
	uint8_t(*n)[32] = realloc(m->revoked, (m->nrevoked + 1) * sizeof(*n));
	if (!n)
		return ps_error_set(PS_ENOMEM, "out of memory");
	m->revoked = n;
	memcpy(m->revoked[m->nrevoked++], pub, 32);
	return 0;
}

static int revoked_row(void *ctx, const ps_keyinfo *ki)
{
	return ki->enrolled && ki->revoked && ki->public_key ? ps_sync_revoked_note(ctx, ki->public_key) : 0;
}

int ps_sync_revoked_elsewhere(imp *m, const uint8_t pub[32], const git_oid *oid, char *out, size_t n)
{
	out[0] = '\0';
	int rc = 0;
	if (!m->revoked_known) { /* once per import: most registries revoke nothing */
		if ((rc = ps_keys_each(m->r, revoked_row, m)))
			return rc;
		m->revoked_known = true;
	}
	bool hit = false;
	for (size_t i = 0; i < m->nrevoked && !hit; i++)
		hit = !memcmp(m->revoked[i], pub, 32);
	if (!hit)
		return 0;
	elsewhere w = {m, pub, oid, out, n};
	rc = ps_keys_each(m->r, elsewhere_row, &w);
	return rc == 1 ? 0 : rc;
}
