/* server_conf.c - gitolite's access rules from the key registry (see
 * server_conf.h for what the rules say).
 *
 * Exports ps_server_gitolite and ps_server_result_release. Reads the
 * registry through ps_keys_each only; writes files under the directory it
 * is given and nothing else (each file through a temporary name and a
 * rename, so a reader never sees half of one). Every name that reaches a
 * rule is a slug (office) or a replica id ([a-z0-9-], checked here), so
 * nothing in a record can add a rule or a regex; every public key is
 * parsed and written again from its 32 bytes, so nothing can add an
 * option or a second key to the server's authorized_keys. Never connects
 * to the server. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "keys_int.h"
#include "plansync/change.h"
#include "plansync/error.h"
#include "plansync/key.h"
#include "plansync/keys.h"
#include "plansync/server_conf.h"
#include "plansync/text.h"

/* A key record kept for the rules: the borrowed row's text copied. */
struct collect {
	ps_server_key *v;
	char (*pub)[200]; /* the public key text, beside v */
	size_t n, cap;
};

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static int collect_key(void *arg, const ps_keyinfo *k)
{
	struct collect *c = arg;
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 16;
		ps_server_key *nv = realloc(c->v, nc * sizeof(*nv));
		if (nv)
			c->v = nv;
		char(*np)[200] = nv ? realloc(c->pub, nc * sizeof(*np)) : NULL;
		if (!nv || !np)
			return ps_error_set(PS_ENOMEM, "out of memory");
		c->pub = np;
		c->cap = nc;
	}
	ps_server_key *s = &c->v[c->n];
	memset(s, 0, sizeof(*s));
	copy(s->office, sizeof(s->office), k->office);
	copy(s->replica, sizeof(s->replica), k->replica);
	copy(s->fingerprint, sizeof(s->fingerprint), k->fingerprint);
	copy(c->pub[c->n], sizeof(c->pub[c->n]), k->public_key);
	if (!k->enrolled)
		s->skipped = "not enrolled";
	else if (k->revoked)
		s->skipped = "revoked";
	else if (!k->office || !ps_slug_valid(k->office) || !k->replica || !ps_replica_id_valid(k->replica, k->office))
		s->skipped = "office or replica is not a valid id";
	else if (!k->public_key || strlen(k->public_key) >= sizeof(c->pub[0]))
		s->skipped = "no usable public key";
	c->n++;
	return 0;
}

/* mkdir path unless it is a directory already; the error says what to do. */
static int make_dir(const char *path, const char *what)
{
	struct stat sb;
	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return 0;
		return ps_error_set(PS_EINVALID,
		                    "%s %s is a file, not a directory: name a directory (it is made when missing)",
		                    what, path);
	}
	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == ENOENT)
		return ps_error_set(PS_EINVALID, "%s %s: its parent directory does not exist; create it first", what,
		                    path);
	if (errno == ENOTDIR)
		return ps_error_set(PS_EINVALID, "%s %s: a part of that path is a file, not a directory", what, path);
	return ps_error_set(PS_ERROR, "cannot create %s %s (%s): choose a directory you can write to", what, path,
	                    strerror(errno));
}

/* Write text to path through path.tmp and a rename. */
static int write_file(const char *path, const char *text)
{
	char tmp[4300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return ps_error_set(PS_ERROR, "cannot write %s (%s): choose a directory you can write to", path,
		                    strerror(errno));
	size_t len = strlen(text);
	bool ok = fwrite(text, 1, len, f) == len;
	ok = fflush(f) == 0 && ok;
	ok = fsync(fileno(f)) == 0 && ok;
	int err = errno;
	ok = fclose(f) == 0 && ok;
	if (ok && rename(tmp, path) == 0)
		return 0;
	err = ok ? errno : err;
	unlink(tmp);
	return ps_error_set(PS_ERROR, "cannot write %s (%s)", path, strerror(err));
}

/* A gitolite name: [A-Za-z0-9] then [A-Za-z0-9._-], and for a repository
 * also '/' between parts; no "..". */
static bool gitolite_name(const char *s, bool repo)
{
	size_t n = strlen(s);
	if (n == 0 || n > 100 || strstr(s, "..") ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-' || (repo && *p == '/' && p[1] && p[1] != '/')))
			return false;
	return !(repo && (n > 4 && !strcmp(s + n - 4, ".git")));
}

/* The conf text, into a growing buffer; a sticky error. */
struct buf {
	char *p;
	size_t len, cap;
	int rc;
};

static void put(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->rc)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t nc = (b->len + n + 1) * 2;
		char *np = realloc(b->p, nc);
		if (!np) {
			b->rc = ps_error_set(PS_ENOMEM, "out of memory");
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static int conf_text(char **out, const ps_server_key *v, size_t n, const char *repo, const char *admin)
{
	*out = NULL;
	struct buf b = {0};
	char line[600];
	put(&b, "# gitolite.conf - written by 'plansync server gitolite' from the key registry:\n"
	        "# only enrolled, not revoked keys. Write it again after every enrolment or\n"
	        "# revocation; do not edit it by hand.\n"
	        "#\n"
	        "# Each replica's key may create and fast-forward only its own branch,\n"
	        "# refs/heads/replicas/<office>/<replica>. Nobody may delete or rewind a branch\n"
	        "# (RW, never RW+), and every other ref is denied to everyone.\n\n");
	put(&b, "@plansync =");
	for (size_t i = 0; i < n; i++)
		if (!v[i].skipped) {
			snprintf(line, sizeof(line), " %s", v[i].replica);
			put(&b, line);
		}
	snprintf(line, sizeof(line),
	         "\n\nrepo gitolite-admin\n    RW+     =   %s\n\nrepo %s\n    R       =   @plansync\n", admin, repo);
	put(&b, line);
	for (size_t i = 0; i < n; i++)
		if (!v[i].skipped) {
			snprintf(line, sizeof(line), "    # %s, office %s, %s\n    RW      %s$   =   %s\n",
			         v[i].replica, v[i].office, v[i].fingerprint, v[i].ref, v[i].replica);
			put(&b, line);
		}
	put(&b, "    -       refs/   =   @all\n");
	if (b.rc) {
		free(b.p);
		return b.rc;
	}
	*out = b.p;
	return 0;
}

/* Remove the .pub files of keydir that this run did not write. */
static int remove_stale(ps_server_result *res)
{
	DIR *d = opendir(res->keydir);
	if (!d)
		return ps_error_set(PS_ERROR, "cannot read %s (%s)", res->keydir, strerror(errno));
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".pub"))
			continue;
		bool keep = false;
		for (size_t i = 0; i < res->n && !keep; i++)
			keep = !res->keys[i].skipped && !strncmp(res->keys[i].replica, e->d_name, l - 4) &&
			       res->keys[i].replica[l - 4] == '\0';
		if (keep)
			continue;
		char path[4500];
		snprintf(path, sizeof(path), "%s/%s", res->keydir, e->d_name);
		if (unlink(path) != 0)
			rc = ps_error_set(PS_ERROR, "cannot remove the old key file %s (%s); remove it by hand", path,
			                  strerror(errno));
		else
			res->removed++;
	}
	closedir(d);
	return rc;
}

int ps_server_gitolite(ps_server_result *out, ps_replica *r, const char *dir, const char *repo, const char *admin)
{
	assert(out && r && dir && repo && admin);
	memset(out, 0, sizeof(*out));
	if (!gitolite_name(repo, true))
		return ps_error_set(PS_EINVALID,
		                    "\"%s\" is not a repository name gitolite takes: letters, digits, '.', '_', '-' "
		                    "and '/', without \".git\", such as plansync",
		                    repo);
	if (!gitolite_name(admin, false))
		return ps_error_set(PS_EINVALID,
		                    "\"%s\" is not a gitolite user name: letters, digits, '.', '_' and '-', such as "
		                    "admin (the name of keydir/admin.pub)",
		                    admin);
	if (strlen(dir) > 4000)
		return ps_error_set(PS_EINVALID, "--out: the path is too long; choose a shorter one");
	struct collect c = {0};
	char *conf = NULL, path[4200];
	int rc = ps_keys_each(r, collect_key, &c);
	out->keys = c.v;
	out->n = c.n;
	if (rc)
		goto done;
	for (size_t i = 0; i < c.n; i++) {
		ps_server_key *k = &c.v[i];
		snprintf(k->ref, sizeof(k->ref), "refs/heads/replicas/%s/%s", k->office, k->replica);
		uint8_t pub[32];
		char fpr[PS_KEY_FPR_MAX];
		if (!k->skipped && ps_pubkey_parse(pub, c.pub[i]) != 0)
			k->skipped = "its public key is not an Ed25519 key in OpenSSH form";
		if (!k->skipped) {
			ps_pubkey_fingerprint(fpr, pub);
			if (strcmp(fpr, k->fingerprint))
				k->skipped = "its fingerprint does not match its public key";
		}
		if (!k->skipped)
			out->written++;
	}
	ps_error_clear();
	/* gitolite maps a key to one user: a key enrolled for two replicas
	 * would let only one of them push, for good (attack 162) */
	for (size_t i = 0; i < c.n; i++)
		for (size_t j = i + 1; j < c.n && !c.v[i].skipped; j++)
			if (!c.v[j].skipped && ps_keys_same_key(c.pub[i], c.pub[j])) {
				rc = ps_error_set(
				    PS_EINVALID,
				    "key %s is enrolled for replica %s (office %s) and for replica %s (office %s): "
				    "gitolite lets one key be one user only, so one of them could never push. "
				    "Give each replica its own key (init without --key makes one; the province "
				    "approves it with 'plansync keys approve ID --key key.pub'), revoke the shared "
				    "one where it is no longer used, then run this again; nothing was written",
				    c.v[i].fingerprint, c.v[i].replica, c.v[i].office, c.v[j].replica, c.v[j].office);
				goto done;
			}
	if (!out->written) {
		rc = ps_error_set(PS_ENOTFOUND,
		                  "no key is enrolled in the registry, so the rules would lock every office out: "
		                  "approve the offices first (plansync keys pending, plansync keys approve)");
		goto done;
	}
	snprintf(out->conf, sizeof(out->conf), "%s/conf/gitolite.conf", dir);
	snprintf(out->keydir, sizeof(out->keydir), "%s/keydir/plansync", dir);
	if ((rc = make_dir(dir, "--out")))
		goto done;
	if (access(dir, W_OK) != 0) {
		rc = ps_error_set(PS_ERROR, "--out %s cannot be written (%s): choose a directory you can write to", dir,
		                  strerror(errno));
		goto done;
	}
	snprintf(path, sizeof(path), "%s/conf", dir);
	if ((rc = make_dir(path, "the directory")))
		goto done;
	snprintf(path, sizeof(path), "%s/keydir", dir);
	if ((rc = make_dir(path, "the directory")) || (rc = make_dir(out->keydir, "the directory")))
		goto done;
	for (size_t i = 0; i < c.n && !rc; i++) {
		ps_server_key *k = &c.v[i];
		uint8_t pub[32];
		char *text = NULL, *line = NULL;
		if (k->skipped)
			continue;
		ps_pubkey_parse(pub, c.pub[i]);
		if ((rc = ps_pubkey_text(&text, pub, k->replica)))
			break;
		size_t n = strlen(text) + 2;
		if (!(line = malloc(n))) {
			free(text);
			rc = ps_error_set(PS_ENOMEM, "out of memory");
			break;
		}
		snprintf(line, n, "%s\n", text);
		snprintf(k->file, sizeof(k->file), "%s/%s.pub", out->keydir, k->replica);
		rc = write_file(k->file, line);
		free(text);
		free(line);
	}
	if (!rc && !(rc = conf_text(&conf, c.v, c.n, repo, admin)))
		rc = write_file(out->conf, conf);
	if (!rc)
		rc = remove_stale(out);
done:
	free(conf);
	free(c.pub);
	if (rc) {
		ps_server_result_release(out);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

void ps_server_result_release(ps_server_result *res)
{
	if (res)
		free(res->keys);
}
