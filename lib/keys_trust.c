/* keys_trust.c - the root of trust and who signs: the pinned province key
 * (meta trust.province), trust on first use, the province's first replica
 * enrolling its own key, and the registry's keys as signers (for git's
 * allowed-signers file and plansync log).
 *
 * Exports the pin, seen, first-use and root functions of keys.h (a replica
 * whose province root was refused is read again from the province's roots,
 * once per pin and province heads) and
 * ps_keys_signers_each, ps_keys_signer_of; ps_keys_fpr_valid,
 * ps_keys_same_key and ps_keys_hand_over (a province replica that took a
 * new id enrols it with its old key) to keys_int.h. Never verifies a signature
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

/* This replica's key record, enrolled now, as the province writes it; its
 * fingerprint in fpr. */
static int enrol_self(ps_replica *r, const char *reason, char fpr[PS_KEY_FPR_MAX])
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
	rc = enrol_self(r, "the province's first replica: the root of trust", fpr);
	if (!rc)
		rc = ps_keys_pin_set(r, fpr);
	return rc;
}

typedef struct signer_walk {
	int (*fn)(void *ctx, const char *replica, const uint8_t pub[32]);
	void *ctx;
} signer_walk;

static int signer_row(void *ctx, const ps_keyinfo *k)
{
	signer_walk *w = ctx;
	uint8_t pub[32];
	int rc = 0;
	if (k->enrolled && ps_pubkey_parse(pub, k->public_key) == 0)
		rc = w->fn(w->ctx, k->replica, pub);
	char line[400];
	for (const char *p = k->previous_keys, *nl; !rc && p && (nl = strchr(p, '\n')); p = nl + 1) {
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (ps_pubkey_parse(pub, line) == 0)
			rc = w->fn(w->ctx, k->replica, pub);
	}
	return rc;
}

int ps_keys_signers_each(ps_replica *r, int (*fn)(void *ctx, const char *replica, const uint8_t pub[32]), void *ctx)
{
	signer_walk w = {fn, ctx};
	return ps_keys_each(r, signer_row, &w);
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

/* The rotation's last step: key and key.pub kept as
 * key.<id>-rotated-<time>, key.next and its .pub become key and key.pub.
 * A step that is done already (a run cut short) is skipped. */
static int swap_in_next(ps_replica *r)
{
	const char *dir = ps_replica_dir(r);
	char now[32], next[4200], nextpub[4300], path[4200], pub[4200], keep[4300], keeppub[4400];
	ps_keys_now(now);
	for (char *p = now; *p; p++)
		if (*p == ':')
			*p = '-';
	snprintf(next, sizeof(next), "%s/key.next", dir);
	snprintf(nextpub, sizeof(nextpub), "%s.pub", next);
	snprintf(path, sizeof(path), "%s/key", dir);
	snprintf(pub, sizeof(pub), "%s/key.pub", dir);
	snprintf(keep, sizeof(keep), "%s/key.%s-rotated-%s", dir, ps_replica_id(r), now);
	snprintf(keeppub, sizeof(keeppub), "%s.pub", keep);
	if ((access(path, F_OK) == 0 && rename(path, keep) != 0) ||
	    (access(pub, F_OK) == 0 && rename(pub, keeppub) != 0) || rename(next, path) != 0 ||
	    rename(nextpub, pub) != 0)
		return ps_error_set(PS_ERROR, "keys rotate: cannot move the key files in %s: %s; the new key is %s",
		                    dir, strerror(errno), next);
	ps_key **slot = ps_replica_key_slot(r);
	ps_key_free(*slot);
	*slot = NULL;
	return 0;
}

int ps_keys_rotate(ps_keydone *out, ps_replica *r)
{
	memset(out, 0, sizeof(*out));
	const char *dir = ps_replica_dir(r);
	char next[4200], comment[300];
	ps_keyrec k;
	int rc = ps_keys_lookup(&k, r, ps_replica_office(r), ps_replica_id(r));
	bool enrolled = !rc && k.found && k.enrolled && !k.revoked;
	ps_keyrec_release(&k);
	if (rc)
		return rc;
	if (!ps_replica_is_province(r) || !enrolled)
		return ps_error_set(
		    ps_replica_is_province(r) ? PS_EINVALID : PS_ENOTOWNER,
		    "keys rotate: only an enrolled province replica rotates its key here (this is %s of "
		    "office %s); another replica that needs a new key is re-created and enrolled again",
		    ps_replica_id(r), ps_replica_office(r));
	snprintf(next, sizeof(next), "%s/key.next", dir);
	snprintf(comment, sizeof(comment), PS_KEY_COMMENT_PREFIX "%s/%s", ps_replica_office(r), ps_replica_id(r));
	ps_key *nk = NULL;
	char *text = NULL, now[32];
	if ((rc = ps_key_generate(next, comment)) || (rc = ps_key_load(&nk, next)) ||
	    (rc = ps_pubkey_text(&text, ps_key_public(nk), comment)))
		goto out;
	ps_pubkey_fingerprint(out->fingerprint, ps_key_public(nk));
	snprintf(out->office, sizeof(out->office), "%s", ps_replica_office(r));
	snprintf(out->replica, sizeof(out->replica), "%s", ps_replica_id(r));
	ps_keys_now(now);
	cJSON *o = cJSON_CreateObject();
	if (o && (!cJSON_AddStringToObject(o, "public_key", text) ||
	          !cJSON_AddStringToObject(o, "fingerprint", out->fingerprint) ||
	          !cJSON_AddStringToObject(o, "enrolled", now))) {
		cJSON_Delete(o);
		o = NULL;
	}
	/* the new record goes out in a commit the old key signs; only then
	 * does the new key sign */
	long exported = 0;
	if ((rc = ps_keys_write(out, r, o, "the province's key rotated, signed by the old key")) ||
	    (rc = ps_sync_export(r, &exported)))
		goto out;
	rc = swap_in_next(r);
out:
	ps_key_free(nk);
	free(text);
	return rc;
}

/* ---- a province replica's hand-over to its new id ----------------------------- */

/* Whether the head of replica id's branch, as last fetched, is signed by k. */
static bool spoke(ps_replica *r, const char *id, const ps_key *k)
{
	git_repository *repo = NULL;
	char ref[300];
	git_oid tip;
	uint8_t who[32];
	snprintf(ref, sizeof(ref), PS_TRACK_REF_PREFIX "%s/%s", ps_replica_office(r), id);
	bool yes = ps_repo_open_replica(&repo, ps_replica_dir(r)) == 0 &&
	           git_reference_name_to_id(&tip, repo, ref) == 0 && ps_commit_signer(who, repo, &tip) == 0 &&
	           memcmp(who, ps_key_public(k), 32) == 0;
	git_repository_free(repo);
	ps_error_clear();
	return yes;
}

int ps_keys_hand_over(ps_replica *r, ps_key **signer)
{
	*signer = NULL;
	ps_store *s = ps_replica_store(r);
	char *from = NULL, path[4300], why[5000] = "";
	int rc = ps_store_meta_get(s, PS_META_HANDOVER, &from);
	if (rc == PS_ENOTFOUND || (!rc && !from[0])) {
		ps_error_clear();
		free(from);
		return 0;
	}
	if (rc)
		return rc;
	ps_keyrec old, cur;
	memset(&old, 0, sizeof(old));
	memset(&cur, 0, sizeof(cur));
	ps_key *k = NULL;
	const ps_key *nk = NULL;
	char *pub = NULL, *oldpub = NULL, fpr[PS_KEY_FPR_MAX];
	snprintf(path, sizeof(path), "%s/key.%s", ps_replica_dir(r), from);
	if ((rc = ps_keys_lookup(&old, r, ps_replica_office(r), from)) ||
	    (rc = ps_keys_lookup(&cur, r, ps_replica_office(r), ps_replica_id(r))) || (rc = ps_replica_key(r, &nk)) ||
	    (rc = ps_pubkey_text(&pub, ps_key_public(nk), ps_key_comment(nk))))
		goto out;
	if (ps_key_load(&k, path) != 0 || ps_pubkey_text(&oldpub, ps_key_public(k), "") != 0) {
		snprintf(why, sizeof(why), "the old key %s cannot be read (%s)", path, ps_error_last());
		ps_error_clear();
	} else if (!old.found || !old.enrolled || old.revoked || !ps_keys_same_key(old.public_key, oldpub)) {
		snprintf(why, sizeof(why), "the old key %s is not the enrolled key of %s", path, from);
	} else if (!spoke(r, from, k)) {
		/* readers never met the old key (a branch written before keys):
		 * the new one is the root they pin, as before */
		snprintf(why, sizeof(why), "the shared repository holds no commit of %s that %s signed", from, path);
	}
	if (why[0]) {
		/* nothing to hand over from: the new id waits to be enrolled */
		ps_log(PS_LOG_WARN, "%s: no hand-over from %s to %s: %s", ps_replica_dir(r), from, ps_replica_id(r),
		       why);
		rc = ps_store_meta_set(s, PS_META_HANDOVER, NULL);
		goto out;
	}
	if (!(cur.found && cur.enrolled && !cur.revoked && ps_keys_same_key(cur.public_key, pub))) {
		char reason[300];
		snprintf(reason, sizeof(reason), "province replica %s continues as %s: handed over by its enrolled key",
		         from, ps_replica_id(r));
		if ((rc = enrol_self(r, reason, fpr)))
			goto out;
	}
	*signer = k;
	k = NULL;
out:
	ps_key_free(k);
	free(pub);
	free(oldpub);
	free(from);
	ps_keyrec_release(&old);
	ps_keyrec_release(&cur);
	return rc;
}

/* ---- the key an export signs with ------------------------------------------ */

typedef struct holder_walk {
	const char *office, *replica, *pub;
	char who[200];
} holder_walk;

static int holder_row(void *ctx, const ps_keyinfo *k)
{
	holder_walk *w = ctx;
	if (k->enrolled && !k->revoked && ps_keys_same_key(k->public_key, w->pub) &&
	    !(strcmp(k->office, w->office) == 0 && strcmp(k->replica, w->replica) == 0)) {
		snprintf(w->who, sizeof(w->who), "%s (office %s)", k->replica, k->office);
		return 1;
	}
	return 0;
}

/* pub is one of the keys rec replaced (previous_keys) */
static bool was_replaced(const ps_keyrec *rec, const char *pub)
{
	char line[400];
	for (const char *p = rec->previous, *nl; p && (nl = strchr(p, '\n')); p = nl + 1) {
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (ps_keys_same_key(line, pub))
			return true;
	}
	return false;
}

int ps_keys_signing_check(ps_replica *r)
{
	ps_keyrec rec;
	const ps_key *k = NULL;
	char *pub = NULL, next[4300], fpr[PS_KEY_FPR_MAX];
	int rc = ps_keys_lookup(&rec, r, ps_replica_office(r), ps_replica_id(r));
	for (int pass = 0; !rc && pass < 3; pass++) {
		free(pub);
		pub = NULL;
		if ((rc = ps_replica_key(r, &k)) || (rc = ps_pubkey_text(&pub, ps_key_public(k), "")))
			break;
		if (!rec.found || !rec.enrolled || rec.revoked || ps_keys_same_key(rec.public_key, pub))
			break; /* the registry has no other key for us */
		ps_key **slot = ps_replica_key_slot(r);
		ps_key *nk = NULL;
		uint8_t want[32];
		snprintf(next, sizeof(next), "%s/key.next", ps_replica_dir(r));
		if (pass == 0) {
			/* loaded before a rotation beside us (the CLI, while the
			 * daemon runs): the files may hold the new key (attack 152) */
			ps_key_free(*slot);
			*slot = NULL;
		} else if (pass == 1 && ps_pubkey_parse(want, rec.public_key) == 0 && ps_key_load(&nk, next) == 0 &&
		           memcmp(want, ps_key_public(nk), 32) == 0) {
			/* a rotation whose record went out but whose files were not
			 * swapped (killed, attack 151): finish it */
			ps_log(PS_LOG_WARN, "%s: finishing the key rotation cut short: the registry names %s",
			       ps_replica_dir(r), rec.fingerprint ? rec.fingerprint : "key.next");
			rc = swap_in_next(r);
		} else if (!was_replaced(&rec, pub)) {
			break; /* a key the registry never had for us (a replica made again):
			        * readers hold its commits, reported, until the province
			        * approves its key.pub */
		} else {
			ps_pubkey_fingerprint(fpr, ps_key_public(k));
			rc = ps_error_set(
			    PS_EREPAIR,
			    "%s/key (%s) is a key the province replaced for %s (by %s): every reader would "
			    "refuse what it signs, so nothing is exported. Put that key back as %s/key, or ask "
			    "the province to enrol this one ('plansync keys approve %s --key key.pub')",
			    ps_replica_dir(r), fpr, ps_replica_id(r), rec.fingerprint ? rec.fingerprint : "",
			    ps_replica_dir(r), ps_replica_id(r));
		}
		ps_key_free(nk);
	}
	if (!rc && !(rec.found && rec.enrolled && !rec.revoked)) {
		/* our key enrolled as another replica's: readers refuse it here
		 * (attack 154) */
		holder_walk w = {ps_replica_office(r), ps_replica_id(r), pub, ""};
		if ((rc = ps_keys_each(r, holder_row, &w)) == 1) {
			ps_pubkey_fingerprint(fpr, ps_key_public(k));
			rc = ps_error_set(
			    PS_EREPAIR,
			    "%s/key (%s) is enrolled for replica %s: every reader would refuse what this "
			    "replica signs with it, so nothing is exported. Each replica needs its own key (init "
			    "without --key makes one): move %s/key and %s/key.pub aside (plansync makes a new pair at "
			    "the next run) and "
			    "ask the province to enrol it, or ask it to enrol this key for %s too ('plansync "
			    "keys approve %s --key key.pub')",
			    ps_replica_dir(r), fpr, w.who, ps_replica_dir(r), ps_replica_dir(r), ps_replica_id(r),
			    ps_replica_id(r));
		}
	}
	free(pub);
	ps_keyrec_release(&rec);
	return rc;
}
