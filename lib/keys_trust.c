/* keys_trust.c - the root of trust and who signs: the pinned province key
 * (meta trust.province), trust on first use, the province's first replica
 * enrolling its own key, and the registry's keys as signers (for git's
 * allowed-signers file and plansync log).
 *
 * Exports the pin, seen, first-use and root functions of keys.h (a replica
 * whose province root was refused is read again from the province's roots,
 * once per pin and province heads) and
 * ps_keys_signers_each, ps_keys_signer_of; ps_keys_fpr_valid,
 * ps_keys_same_key and ps_keys_enrol_self to keys_int.h. The replica's own
 * key over time (rotation, hand-over, the check before signing) is
 * keys_sign.c's. Never verifies a signature
 * (sync_verify.c) and never writes SQL (the meta table's functions). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "keys_int.h"
#include "replica_int.h"
#include "repo.h"
#include "store_sync.h"
#include "plansync/sync.h"
#include "plansync/error.h"
#include "plansync/key.h"
#include "plansync/log.h"
#include "plansync/record.h"
#include "plansync/store.h"

#define META_PIN       PS_META_TRUST_PIN
#define META_FIRST_USE PS_META_TRUST_FIRST_USE
#define META_SEEN      PS_META_TRUST_SEEN
#define META_RECHAIN   "trust.rechained" /* the pin and heads rechain() last ran for */

/* ---- the root of trust ------------------------------------------------------ */

bool ps_keys_fpr_valid(const char *fpr)
{
	if (strncmp(fpr, "SHA256:", 7) != 0 || strlen(fpr) != 7 + 43)
		return false;
	for (const char *p = fpr + 7; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' ||
		      *p == '/'))
			return false;
	return true;
}

bool ps_keys_same_key(const char *a, const char *b)
{
	/* "ssh-ed25519 BASE64 [comment]": the comment does not count */
	size_t la = strcspn(a, " "), lb = strcspn(b, " ");
	if (la != lb || strncmp(a, b, la) != 0 || !a[la] || !b[lb])
		return false;
	a += la + 1;
	b += lb + 1;
	la = strcspn(a, " ");
	lb = strcspn(b, " ");
	return la == lb && strncmp(a, b, la) == 0;
}

static int meta_text(ps_replica *r, const char *key, char out[72])
{
	out[0] = '\0';
	char *v = NULL;
	int rc = ps_store_meta_get(ps_replica_store(r), key, &v);
	if (rc == PS_ENOTFOUND)
		return 0;
	if (!rc)
		snprintf(out, 72, "%s", v);
	free(v);
	return rc;
}

int ps_keys_pin_get(ps_replica *r, char out[72])
{
	return meta_text(r, META_PIN, out);
}

int ps_keys_seen_get(ps_replica *r, char out[72])
{
	return meta_text(r, META_SEEN, out);
}

static int meta_put(ps_replica *r, const char *key, const char *value)
{
	ps_store *s = ps_replica_store(r);
	int rc = ps_store_begin(s);
	if (rc)
		return rc;
	rc = ps_store_meta_set(s, key, value);
	return rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
}

int ps_keys_pin_set(ps_replica *r, const char *fpr)
{
	if (!ps_keys_fpr_valid(fpr))
		return ps_error_set(
		    PS_EINVALID,
		    "\"%s\" is not a key fingerprint: it looks like SHA256: and 43 letters, digits, '+' "
		    "or '/' (ask the province officer to read it out: plansync keys show)",
		    fpr);
	return meta_put(r, META_PIN, fpr);
}

int ps_keys_first_use_set(ps_replica *r, bool on)
{
	return meta_put(r, META_FIRST_USE, on ? "1" : "0");
}

/* How many province keys the registry here holds (prov_row). */
static int province_keys(ps_replica *r, int *n);

int ps_keys_trust(ps_replica *r, const char *fpr)
{
	char pin[72], seen[72];
	int n = 0;
	int rc = ps_keys_pin_get(r, pin);
	if (!rc)
		rc = ps_keys_seen_get(r, seen);
	if (!rc)
		rc = province_keys(r, &n);
	if (rc)
		return rc;
	if (!ps_keys_fpr_valid(fpr))
		return ps_keys_pin_set(r, fpr); /* its error says what a fingerprint is */
	if (pin[0] && strcmp(pin, fpr) == 0)
		return 0;
	if (pin[0] && !n && seen[0] && strcmp(pin, seen) != 0)
		return ps_error_set(PS_EEXISTS,
		                    "keys trust: this replica is pinned to %s and refused the remote's province key "
		                    "%s already; move %s away and run init again with the right --trust",
		                    pin, seen, ps_replica_dir(r));
	if (n || pin[0])
		return ps_error_set(PS_EEXISTS,
		                    "keys trust: this replica trusts the province key %s already; a replica keeps "
		                    "its root of trust: create a new replica (init --trust %s) to follow another",
		                    pin[0] ? pin : seen, fpr);
	if (n == 0 && ps_replica_is_province(r) && !pin[0] && !seen[0])
		return ps_error_set(PS_EINVALID,
		                    "keys trust: this is a province replica and the remote holds no province key "
		                    "yet; it becomes the root of trust at its next sync, nothing to pin");
	rc = ps_keys_pin_set(r, fpr);
	if (!rc)
		rc = ps_keys_first_use_set(r, false);
	return rc;
}

int ps_keys_trust_check(ps_replica *r)
{
	char pin[72], seen[72];
	long long first_use = 0;
	int rc = ps_keys_pin_get(r, pin);
	if (!rc)
		rc = ps_keys_seen_get(r, seen);
	if (!rc)
		rc = ps_store_meta_get_int(ps_replica_store(r), META_FIRST_USE, &first_use, -1);
	int n = 0;
	if (!rc && pin[0] && seen[0] && strcmp(pin, seen) != 0)
		rc = province_keys(r, &n);
	if (!rc && pin[0] && seen[0] && strcmp(pin, seen) != 0 && n == 0)
		return ps_error_set(PS_EINVALID,
		                    "sync: the remote's province key is %s, not %s pinned here: this is not the "
		                    "province this replica trusts, or the fingerprint was misread; check it with the "
		                    "province officer by phone, then move %s away and run init again with the right "
		                    "--trust",
		                    seen, pin, ps_replica_dir(r));
	if (rc || pin[0] || !seen[0] || first_use != 0)
		return rc;
	return ps_error_set(PS_EREPAIR,
	                    "sync: this replica trusts no province key yet, so nothing the province wrote applies "
	                    "here; the remote's province key is %s: confirm it with the province officer by phone, "
	                    "then run 'plansync -C %s keys trust %s' and sync again",
	                    seen, ps_replica_dir(r), seen);
}

typedef struct cur_walk {
	const char *province, *fpr;
	int found;
} cur_walk;

static int cur_row(void *ctx, const ps_keyinfo *k)
{
	cur_walk *w = ctx;
	w->found |= !strcmp(k->office, w->province) && !strcmp(k->fingerprint, w->fpr) && k->enrolled && !k->revoked;
	return 0;
}

int ps_keys_is_province_key(ps_replica *r, const char *fpr)
{
	cur_walk w = {ps_replica_province(r), fpr, 0};
	int rc = ps_keys_each(r, cur_row, &w);
	return rc ? rc : w.found;
}

typedef struct prov_refs {
	char prefix[200];
	char **v;
	size_t n;
	unsigned long long h; /* the heads, in any order (xor of FNV-1a) */
} prov_refs;

static int prov_ref(void *ctx, const char *ref, const char *head)
{
	prov_refs *p = ctx;
	if (strncmp(ref, p->prefix, strlen(p->prefix)) != 0)
		return 0;
	unsigned long long h = 14695981039346656037ULL;
	for (const char *c = head ? head : ""; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	p->h ^= h;
	char **v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (!v)
		return ps_error_set(PS_ENOMEM, "out of memory");
	p->v = v;
	if (!(v[p->n] = strdup(ref)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	p->n++;
	return 0;
}

/* A replica pinned to the province's current key whose sync met the root
 * (the key before a rotation) before the pinned key had signed on the
 * province's branch quarantined the root's commit, and nothing read later
 * undoes that (attacks 155, 157; before the rotation chain counted, for
 * good): the province's branches are read again from their roots, once
 * per pin and set of province heads, so the chain is judged as it is now. */
static int rechain(ps_replica *r)
{
	ps_store *s = ps_replica_store(r);
	char pin[72], seen[72], done[72], mark[96];
	int n = 0;
	int rc = ps_keys_pin_get(r, pin);
	if (!rc)
		rc = ps_keys_seen_get(r, seen);
	if (rc || !pin[0] || !seen[0] || strcmp(pin, seen) == 0)
		return rc;
	if ((rc = meta_text(r, META_RECHAIN, done)) || (rc = province_keys(r, &n)) || n)
		return rc;
	prov_refs p = {.v = NULL, .h = 0};
	snprintf(p.prefix, sizeof(p.prefix), PS_TRACK_REF_PREFIX "%s/", ps_replica_province(r));
	rc = ps_store_branches_each(s, prov_ref, &p);
	snprintf(mark, sizeof(mark), "%s %016llx", pin, p.h);
	if (!rc && p.n && strcmp(done, mark) != 0 && !(rc = ps_store_begin(s))) {
		for (size_t i = 0; !rc && i < p.n; i++)
			rc = ps_store_branch_forget(s, p.v[i]);
		if (!rc)
			rc = ps_store_meta_set(s, META_RECHAIN, mark);
		rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	}
	for (size_t i = 0; i < p.n; i++)
		free(p.v[i]);
	free(p.v);
	return rc;
}

int ps_keys_upgrade_root(ps_replica *r)
{
	long long first_use = 0;
	char pin[72];
	int rc = rechain(r);
	if (!rc)
		rc = ps_store_meta_get_int(ps_replica_store(r), META_FIRST_USE, &first_use, -1);
	if (rc || first_use != -1 || !ps_replica_is_province(r) || (rc = ps_keys_pin_get(r, pin)) || pin[0])
		return rc;
	rc = ps_keys_enrol_root(r);
	return rc == PS_EEXISTS ? 0 : rc;
}

typedef struct prov_walk {
	const char *province;
	int n;
} prov_walk;

static int prov_row(void *ctx, const ps_keyinfo *k)
{
	prov_walk *w = ctx;
	w->n += strcmp(k->office, w->province) == 0;
	return 0;
}

static int province_keys(ps_replica *r, int *n)
{
	prov_walk w = {ps_replica_province(r), 0};
	int rc = ps_keys_each(r, prov_row, &w);
	*n = w.n;
	return rc;
}

int ps_keys_enrol_self(ps_replica *r, const char *reason, const char *from, char fpr[PS_KEY_FPR_MAX])
{
	const ps_key *k = NULL;
	char *pub = NULL, now[32];
	int rc = ps_replica_key(r, &k);
	if (rc || (rc = ps_pubkey_text(&pub, ps_key_public(k), ps_key_comment(k))))
		return rc;
	ps_pubkey_fingerprint(fpr, ps_key_public(k));
	ps_keys_now(now);
	ps_keydone d;
	memset(&d, 0, sizeof(d));
	snprintf(d.office, sizeof(d.office), "%s", ps_replica_office(r));
	snprintf(d.replica, sizeof(d.replica), "%s", ps_replica_id(r));
	cJSON *o = ps_keys_enrolled_fields(pub, fpr, NULL, now);
	free(pub);
	/* a hand-over names the id it continues, so a reader reading the
	 * branch again judges its first commit as a hand-over still, and the
	 * root handed over stays the root (attacks 168, 172) */
	if (o && from && !cJSON_AddStringToObject(o, "handed_from", from)) {
		cJSON_Delete(o);
		o = NULL;
	}
	return ps_keys_write(&d, r, o, reason);
}

int ps_keys_enrol_root(ps_replica *r)
{
	char seen[72];
	prov_walk w = {ps_replica_province(r), 0};
	int rc = ps_keys_seen_get(r, seen);
	if (!rc)
		rc = ps_keys_each(r, prov_row, &w);
	if (rc)
		return rc;
	if (!ps_replica_is_province(r) || seen[0] || w.n)
		return ps_error_set(PS_EEXISTS, "the province has a root key already (%s)",
		                    seen[0] ? seen : "enrolled");
	char fpr[PS_KEY_FPR_MAX];
	rc = ps_keys_enrol_self(r, "the province's first replica: the root of trust", NULL, fpr);
	if (!rc)
		rc = ps_keys_pin_set(r, fpr);
	return rc;
}

typedef struct signer_walk {
	int (*fn)(void *ctx, const char *replica, const uint8_t pub[32], long long valid_before);
	void *ctx;
	git_repository *repo;
	const char *province;
} signer_walk;

/* The latest committer time of commit hex and its ancestors (ssh-keygen's
 * valid-before includes it: every commit a limit accepts verifies, even one
 * written with a clock ahead of a later one's, attack 176); 0 when not
 * here. */
static long long after_commit(git_repository *repo, const char *hex)
{
	git_oid id;
	git_revwalk *w = NULL;
	git_commit *c = NULL;
	long long t = 0;
	if (!repo || !hex || git_oid_fromstr(&id, hex) != 0 || git_commit_lookup(&c, repo, &id) != 0 ||
	    git_revwalk_new(&w, repo) != 0 || git_revwalk_push(w, &id) != 0) {
		git_commit_free(c);
		git_revwalk_free(w);
		git_error_clear();
		return 0;
	}
	git_commit_free(c);
	while (git_revwalk_next(&id, w) == 0) {
		if (git_commit_lookup(&c, repo, &id) == 0 && (long long)git_commit_time(c) > t)
			t = (long long)git_commit_time(c);
		git_commit_free(c);
		c = NULL;
	}
	git_revwalk_free(w);
	git_error_clear();
	return t;
}

/* The committer time up to which k's previous keys count: previous_until's
 * and, on a province replica's branch, that of the commit after it (the
 * rotation record the old key signs); -1 (left out) when they count for
 * no commit or that commit is not here; 0 (no limit) for a record that
 * does not say (previous_until NULL). */
static long long previous_limit(git_repository *repo, const char *province, const ps_keyinfo *k)
{
	if (!k->previous_until)
		return 0;
	long long t = after_commit(repo, k->previous_until);
	git_oid u, tip, next;
	char ref[300];
	git_revwalk *w = NULL;
	if (!t)
		return -1;
	if (strcmp(k->office, province) != 0 || git_oid_fromstr(&u, k->previous_until) != 0)
		return t;
	snprintf(ref, sizeof(ref), PS_OWN_REF_PREFIX "%s/%s", k->office, k->replica);
	if (git_reference_name_to_id(&tip, repo, ref) != 0) {
		snprintf(ref, sizeof(ref), PS_TRACK_REF_PREFIX "%s/%s", k->office, k->replica);
		if (git_reference_name_to_id(&tip, repo, ref) != 0)
			return t;
	}
	if (git_revwalk_new(&w, repo) == 0 && git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) == 0 &&
	    git_revwalk_push(w, &tip) == 0 && git_revwalk_hide(w, &u) == 0 && git_revwalk_next(&next, w) == 0) {
		char hex[GIT_OID_HEXSZ + 1];
		long long n = after_commit(repo, git_oid_tostr(hex, sizeof(hex), &next));
		t = n > t ? n : t;
	}
	git_revwalk_free(w);
	git_error_clear();
	return t;
}

static int signer_row(void *ctx, const ps_keyinfo *k)
{
	signer_walk *w = ctx;
	uint8_t pub[32];
	int rc = 0;
	/* git cannot say "an ancestor of commit X": the committer time of the
	 * last commit a key counts for is the nearest it checks (attack 161) */
	long long vb = k->revoked ? after_commit(w->repo, k->revoked_after) : 0;
	if (k->enrolled && (!k->revoked || vb) && ps_pubkey_parse(pub, k->public_key) == 0)
		rc = w->fn(w->ctx, k->replica, pub, vb);
	/* a replaced key counts up to previous_until (forty zeros: for none),
	 * and on a province replica's branch for the rotation record after it,
	 * which the old key signs; left out when that commit is not here */
	char line[400];
	vb = previous_limit(w->repo, w->province, k);
	for (const char *p = k->previous_keys, *nl; !rc && vb >= 0 && p && (nl = strchr(p, '\n')); p = nl + 1) {
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (ps_pubkey_parse(pub, line) == 0)
			rc = w->fn(w->ctx, k->replica, pub, vb);
	}
	return rc;
}

int ps_keys_signers_each(ps_replica *r,
                         int (*fn)(void *ctx, const char *replica, const uint8_t pub[32], long long valid_before),
                         void *ctx)
{
	signer_walk w = {fn, ctx, NULL, ps_replica_province(r)};
	if (ps_repo_open_replica(&w.repo, ps_replica_dir(r)) != 0)
		ps_error_clear(); /* no repository: no commit times, no limits */
	int rc = ps_keys_each(r, signer_row, &w);
	git_repository_free(w.repo);
	return rc;
}

int ps_keys_signer_of(ps_replica *r, const char *office, const char *replica, char fpr[72], const char **status)
{
	fpr[0] = '\0';
	*status = "unknown";
	ps_keyrec k;
	int rc = ps_keys_lookup(&k, r, office, replica);
	if (rc)
		return rc;
	if (k.found && k.fingerprint) {
		snprintf(fpr, 72, "%s", k.fingerprint);
		*status = k.revoked ? (k.enrolled ? "revoked" : "refused") : k.enrolled ? "enrolled" : "pending";
	} else if (strcmp(replica, ps_replica_id(r)) == 0) {
		/* our own key, not enrolled (yet) */
		const ps_key *key = NULL;
		if ((rc = ps_replica_key(r, &key)) == 0) {
			ps_pubkey_fingerprint(fpr, ps_key_public(key));
			*status = "pending";
		}
	}
	ps_keyrec_release(&k);
	return rc;
}
