/* replica_key.c - the replica's own key: DIR/key and DIR/key.pub.
 *
 * Exports ps_replica_key and ps_replica_keys_each (key.h) and, to replica_init.c and identity.c
 * (replica_int.h), ps_replica_key_make and ps_replica_key_rotate. The key's
 * comment names the office and replica id it was made for ("plansync
 * tinh/tinh-main"), so a replica that took a new id but was stopped before
 * it made its new key finishes the change at the next load. Old keys are
 * kept (key.<old replica id>), never deleted. Never signs anything itself. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "plansync/error.h"
#include "plansync/key.h"
#include "plansync/log.h"
#include "replica_int.h"

static void key_path(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

int ps_replica_key_make(const char *dir, const char *office, const char *rid, const ps_key *from)
{
	char path[4200], comment[300];
	key_path(path, sizeof(path), dir, "key");
	snprintf(comment, sizeof(comment), PS_KEY_COMMENT_PREFIX "%s/%s", office, rid);
	return from ? ps_key_save(from, path, comment) : ps_key_generate(path, comment);
}

/* The replica id a key was made for, from its comment; "" when the
 * comment is not ours. */
static void made_for(char *out, size_t n, const ps_key *k)
{
	const char *c = ps_key_comment(k), *slash;
	out[0] = '\0';
	if (strncmp(c, PS_KEY_COMMENT_PREFIX, strlen(PS_KEY_COMMENT_PREFIX)) == 0 && (slash = strchr(c, '/')))
		snprintf(out, n, "%s", slash + 1);
}

int ps_replica_key_rotate(ps_replica *r, const char *old_id)
{
	const char *dir = ps_replica_dir(r);
	char path[4200], pub[4200], keep[4200], keeppub[4200];
	key_path(path, sizeof(path), dir, "key");
	key_path(pub, sizeof(pub), dir, "key.pub");
	snprintf(keep, sizeof(keep), "%s/key.%s", dir, old_id);
	snprintf(keeppub, sizeof(keeppub), "%s/key.%s.pub", dir, old_id);
	ps_key **slot = ps_replica_key_slot(r);
	ps_key_free(*slot);
	*slot = NULL;
	struct stat st;
	/* key.<old> is never replaced: a second rotation from the same id
	 * (it cannot happen by design) keeps the first. */
	if (lstat(path, &st) == 0 && lstat(keep, &st) != 0 && rename(path, keep) != 0)
		return ps_error_set(PS_ERROR, "cannot rename %s to %s: %s", path, keep, strerror(errno));
	if (lstat(pub, &st) == 0 && lstat(keeppub, &st) != 0 && rename(pub, keeppub) != 0)
		return ps_error_set(PS_ERROR, "cannot rename %s to %s: %s", pub, keeppub, strerror(errno));
	if (lstat(path, &st) == 0 || lstat(pub, &st) == 0) /* kept before: move the rest aside */
		for (int i = 0; i < 2; i++) {
			const char *p = i ? pub : path;
			char aside[4300];
			snprintf(aside, sizeof(aside), "%s.old-%s", p, ps_replica_id(r));
			if (lstat(p, &st) == 0 && rename(p, aside) != 0)
				return ps_error_set(PS_ERROR, "cannot rename %s: %s", p, strerror(errno));
		}
	int rc = ps_replica_key_make(dir, ps_replica_office(r), ps_replica_id(r), NULL);
	if (!rc)
		ps_log(PS_LOG_INFO, "%s: made a new key for replica %s; the key of %s is kept as %s", dir,
		       ps_replica_id(r), old_id, keep);
	return rc;
}

static int read_pub(uint8_t pub[32], const char *path);

/* key.pub (pub) was made for another id of this replica, whose private key
 * is kept as key.<that id> already: that id in was. */
static bool pub_kept_for(char *was, size_t n, ps_replica *r, const char *pub)
{
	char line[1200], kept[4300];
	FILE *f = fopen(pub, "r");
	bool got = f && fgets(line, sizeof(line), f);
	if (f)
		fclose(f);
	const char *c = got ? strstr(line, " " PS_KEY_COMMENT_PREFIX) : NULL, *slash = c ? strchr(c, '/') : NULL;
	if (!slash)
		return false;
	snprintf(was, n, "%.*s", (int)strcspn(slash + 1, " \r\n"), slash + 1);
	if (!was[0] || strcmp(was, ps_replica_id(r)) == 0)
		return false;
	snprintf(kept, sizeof(kept), "%s/key.%s", ps_replica_dir(r), was);
	ps_key *k = NULL;
	uint8_t want[32];
	bool same = ps_key_load(&k, kept) == 0 && read_pub(want, pub) == 0 && memcmp(want, ps_key_public(k), 32) == 0;
	ps_key_free(k);
	ps_error_clear();
	return same;
}

int ps_replica_key(ps_replica *r, const ps_key **out)
{
	*out = NULL;
	ps_key **slot = ps_replica_key_slot(r);
	if (*slot) {
		*out = *slot;
		return 0;
	}
	char path[4200], pub[4200];
	key_path(path, sizeof(path), ps_replica_dir(r), "key");
	key_path(pub, sizeof(pub), ps_replica_dir(r), "key.pub");
	ps_key *k = NULL;
	int rc = ps_key_load(&k, path);
	if (rc == PS_ENOTFOUND) {
		/* A replica made before keys existed. */
		struct stat st;
		char was[200];
		if (lstat(pub, &st) == 0 && pub_kept_for(was, sizeof(was), r, pub)) {
			/* a change of id cut short between its renames of key and
			 * key.pub (attack 156): finish it */
			if ((rc = ps_replica_key_rotate(r, was)))
				return rc;
			return ps_replica_key(r, out);
		}
		if (lstat(pub, &st) == 0)
			return ps_error_set(PS_EREPAIR,
			                    "%s is missing but %s is there; put the private key back, or move %s away "
			                    "so plansync makes a new key (the province then enrols it again)",
			                    path, pub, pub);
		if ((rc = ps_replica_key_make(ps_replica_dir(r), ps_replica_office(r), ps_replica_id(r), NULL)) &&
		    rc != PS_EEXISTS)
			return rc;
		if (!rc)
			ps_log(PS_LOG_INFO, "%s: made a key for replica %s", ps_replica_dir(r), ps_replica_id(r));
		rc = ps_key_load(&k, path);
	}
	if (rc == PS_EINVALID && strstr(ps_error_last(), "corrupt")) {
		char why[1100];
		snprintf(why, sizeof(why), "%s", ps_error_last());
		return ps_error_set(rc,
		                    "%s; restore %s from a backup, or move it and %s aside so plansync makes a new "
		                    "key (the province then enrols the new key)",
		                    why, path, pub);
	}
	if (rc)
		return rc;
	char rid[200];
	made_for(rid, sizeof(rid), k);
	if (rid[0] && strcmp(rid, ps_replica_id(r)) != 0) {
		/* Made for an id this replica left: the change of id was cut
		 * short before its new key was made. */
		ps_key_free(k);
		k = NULL;
		if ((rc = ps_replica_key_rotate(r, rid)) || (rc = ps_key_load(&k, path)))
			return rc;
	}
	/* The private key must be the one key.pub shows (and the province
	 * enrolled): another key swapped in would sign exports every reader
	 * holds back while this replica counts them delivered (attack 149). */
	uint8_t want[32];
	if (access(pub, F_OK) == 0 && read_pub(want, pub) == 0 && memcmp(want, ps_key_public(k), 32) != 0) {
		ps_key_free(k);
		return ps_error_set(PS_EREPAIR,
		                    "%s is not the private half of %s (a key file swapped or restored from another "
		                    "replica); put this replica's own key back (nothing was signed with it)",
		                    path, pub);
	}
	*slot = k;
	*out = k;
	return 0;
}

/* The public key in a key.pub file; PS_EINVALID naming the file. */
static int read_pub(uint8_t pub[32], const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return ps_error_set(PS_ERROR, "cannot read %s: %s", path, strerror(errno));
	char line[1200];
	bool got = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	int rc = got ? ps_pubkey_parse(pub, line) : PS_EINVALID;
	if (rc) {
		char why[1100];
		snprintf(why, sizeof(why), "%s", got ? ps_error_last() : "empty");
		return ps_error_set(PS_EINVALID, "%s: %s", path, why);
	}
	return 0;
}

int ps_replica_keys_each(ps_replica *r, int (*fn)(void *ctx, const char *replica, const uint8_t pub[32]), void *ctx)
{
	const ps_key *k = NULL;
	int rc = ps_replica_key(r, &k);
	if (rc || (rc = fn(ctx, ps_replica_id(r), ps_key_public(k))))
		return rc;
	struct dirent **names = NULL;
	int nn = scandir(ps_replica_dir(r), &names, NULL, alphasort); /* sorted: the same file every time */
	if (nn < 0)
		return ps_error_set(PS_ERROR, "cannot list %s: %s", ps_replica_dir(r), strerror(errno));
	for (int i = 0; i < nn && !rc; i++) {
		const struct dirent *e = names[i];
		size_t n = strlen(e->d_name);
		if (n <= 8 || strncmp(e->d_name, "key.", 4) != 0 || strcmp(e->d_name + n - 4, ".pub") != 0)
			continue;
		char rid[200], path[4200];
		snprintf(rid, sizeof(rid), "%.*s", (int)(n - 8), e->d_name + 4);
		if (strncmp(rid, ps_replica_office(r), strlen(ps_replica_office(r))) != 0 ||
		    rid[strlen(ps_replica_office(r))] != '-')
			continue; /* not a kept key of this office's replica id */
		uint8_t pub[32];
		snprintf(path, sizeof(path), "%s/%s", ps_replica_dir(r), e->d_name);
		if (!(rc = read_pub(pub, path)))
			rc = fn(ctx, rid, pub);
	}
	for (int i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return rc;
}
