/* keys_sign.c - the key a replica signs with, over time: the province
 * rotating its key (keys rotate: the record goes out signed by the old key,
 * then the files are swapped and the new key signs its enrolment date at
 * once), a province replica that took a new id handing over to it with the
 * old id's key, and the check before every export that the key is the one
 * the registry enrols (reloaded for a running daemon, a cut-short rotation
 * finished, a replaced key or another replica's refused).
 *
 * Exports ps_keys_rotate (keys.h), ps_keys_signing_check (keys.h) and
 * ps_keys_hand_over (keys_int.h). Never verifies a signature (sync_verify.c)
 * and never writes SQL (the registry is written as plan data, ps_keys_write). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "keys_int.h"
#include "replica_int.h"
#include "repo.h"
#include "plansync/sync.h"
#include "plansync/error.h"
#include "plansync/key.h"
#include "plansync/log.h"
#include "plansync/record.h"
#include "plansync/store.h"

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
	          !cJSON_AddStringToObject(o, "fingerprint", out->fingerprint))) {
		cJSON_Delete(o);
		o = NULL;
	}
	/* the new record goes out in a commit the old key signs; only then
	 * does the new key sign */
	long exported = 0;
	if ((rc = ps_keys_write(out, r, o, "the province's key rotated, signed by the old key")) ||
	    (rc = ps_sync_export(r, &exported)) || (rc = swap_in_next(r)))
		goto out;
	/* ... and it signs at once: its enrolment date, in the next commit, so
	 * an office pinned to the new key meets a commit it signed at its first
	 * sync (attack 155; a pin is never taken from a record alone) */
	ps_keyrec cur;
	if ((rc = ps_keys_lookup(&cur, r, ps_replica_office(r), ps_replica_id(r))))
		goto out;
	ps_keys_now(now);
	if (cur.enrolled && strcmp(cur.enrolled, now) == 0) {
		sleep(1); /* the same second as the enrolment: a date that differs */
		ps_keys_now(now);
	}
	ps_keyrec_release(&cur);
	cJSON *c = cJSON_CreateObject();
	if (c && !cJSON_AddStringToObject(c, "enrolled", now)) {
		cJSON_Delete(c);
		c = NULL;
	}
	if (!(rc = ps_keys_write(out, r, c, "the province's new key signs its enrolment")))
		rc = ps_sync_export(r, &exported);
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
		if ((rc = ps_keys_enrol_self(r, reason, from, fpr)))
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
	if (!rc && !(rec.found && rec.enrolled && !rec.revoked && ps_keys_same_key(rec.public_key, pub))) {
		/* our key enrolled as another replica's (and not as ours): readers
		 * refuse it here (attack 154) */
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
