/* config.c - a replica's settings: the known keys, each value checked
 * before it is stored (numbers by ps_number_parse, the remote by
 * repo_remote.c), and read back as stored.
 *
 * Exports ps_config_keys, ps_config_get, ps_config_check and ps_config_set. Settings live in
 * the store's meta table; the remote is also origin in repo.git. Never
 * connects to the remote (a path remote is looked at, not fetched). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include "plansync/replica.h"
#include "plansync/change.h"
#include "plansync/error.h"
#include "plansync/store.h"
#include "plansync/text.h"
#include "repo.h"

const char *const ps_config_keys[] = {
    "user.name",       "remote",          "sync.max_drift",         "sync.interval", "ssh.key",
    "ssh.fingerprint", "ssh.known_hosts", "http.credential_helper", "http.ca_file",  NULL};

static int key_known(const char *key)
{
	for (const char *const *k = ps_config_keys; *k; k++)
		if (strcmp(*k, key) == 0)
			return 1;
	return 0;
}

int ps_config_get(ps_replica *r, const char *key, char **out)
{
	*out = NULL;
	if (!key_known(key))
		return ps_error_set(PS_EINVALID,
		                    "unknown setting \"%s\" (known: user.name, remote, sync.max_drift, sync.interval, "
		                    "ssh.key, ssh.fingerprint, ssh.known_hosts, http.credential_helper, http.ca_file)",
		                    key);
	return ps_store_meta_get(ps_replica_store(r), key, out);
}

/* The settings that hold a number: stored as the canonical text of the
 * number parsed (ps_number_parse takes nothing else), read back with the
 * same function. */
static const struct {
	const char *key;
	long max;
} numeric[] = {{"sync.max_drift", 86400L * 365}, {"sync.interval", 86400}};

/* http.ca_file: a readable file holding at least one PEM certificate;
 * *path becomes its absolute name (the setting is used from any working
 * directory). Whether the certificates parse is for the TLS library to
 * say at the first connection. */
static int check_ca_file(char **path)
{
	char *abs = realpath(*path, NULL);
	struct stat sb;
	if (!abs || stat(abs, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		free(abs);
		return ps_error_set(PS_EINVALID,
		                    "http.ca_file %s is not a file: name the certificate (PEM) of the authority that "
		                    "issued the server's certificate",
		                    *path);
	}
	FILE *f = fopen(abs, "r");
	char line[256];
	bool pem = false;
	while (f && !pem && fgets(line, sizeof(line), f))
		pem = strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0;
	int err = errno;
	if (f)
		fclose(f);
	int rc = 0;
	if (!f)
		rc = ps_error_set(PS_EINVALID, "http.ca_file %s cannot be read (%s)", *path, strerror(err));
	else if (!pem)
		rc =
		    ps_error_set(PS_EINVALID,
		                 "http.ca_file %s holds no certificate in PEM form (-----BEGIN CERTIFICATE-----); name "
		                 "the authority's certificate (convert a DER file with 'openssl x509 -inform der -in "
		                 "FILE -out FILE.pem')",
		                 *path);
	if (rc) {
		free(abs);
		return rc;
	}
	free(*path);
	*path = abs;
	return 0;
}

/* The value checks that need no replica: on success *clean is the value
 * to store (the caller frees it). The remote is checked when it is set. */
static int check_value(char **clean, const char *key, const char *value)
{
	*clean = NULL;
	if (!key_known(key))
		return ps_error_set(PS_EINVALID,
		                    "unknown setting \"%s\" (known: user.name, remote, sync.max_drift, sync.interval, "
		                    "ssh.key, ssh.fingerprint, ssh.known_hosts, http.credential_helper, http.ca_file)",
		                    key);
	bool author = strcmp(key, "user.name") == 0;
	int rc = ps_text_clean(clean, value, author ? PS_CHANGE_AUTHOR_MAX : 1000, false, key);
	if (rc)
		return rc;
	/* user.name is the author of every later change: the readers' rule */
	if (author)
		rc = ps_change_check_author(*clean);
	for (size_t i = 0; !rc && i < sizeof(numeric) / sizeof(*numeric); i++) {
		long v;
		if (strcmp(key, numeric[i].key))
			continue;
		/* the rule takes canonical text only: what is stored is the number */
		if (!ps_number_parse(*clean, 1, numeric[i].max, &v))
			rc =
			    ps_error_set(PS_EINVALID, "%s is a number of seconds (1 to %ld), such as %s 60, not \"%s\"",
			                 key, numeric[i].max, key, *clean);
	}
	if (!rc && strcmp(key, "ssh.fingerprint") == 0 && (*clean)[0] &&
	    (strncmp(*clean, "SHA256:", 7) || strlen(*clean) != 50))
		rc = ps_error_set(
		    PS_EINVALID,
		    "ssh.fingerprint is the key's SHA-256 fingerprint as ssh shows it: SHA256: and 43 characters");
	if (!rc && strcmp(key, "http.ca_file") == 0 && (*clean)[0])
		rc = check_ca_file(clean);
	if (rc) {
		free(*clean);
		*clean = NULL;
	}
	return rc;
}

int ps_config_check(const char *key, const char *value)
{
	char *clean = NULL;
	int rc = check_value(&clean, key, value);
	free(clean);
	return rc;
}

int ps_config_set(ps_replica *r, const char *key, const char *value)
{
	char *clean = NULL;
	int rc = check_value(&clean, key, value);
	if (rc)
		return rc;
	if (!rc && strcmp(key, "remote") == 0) {
		char gitdir[4200];
		git_repository *repo = NULL;
		snprintf(gitdir, sizeof(gitdir), "%s/repo.git", ps_replica_dir(r));
		rc = ps_repo_open(&repo, gitdir);
		if (!rc)
			rc = ps_repo_set_remote(repo, clean);
		git_repository_free(repo);
	}
	if (!rc && !(rc = ps_store_begin(ps_replica_store(r)))) {
		rc = ps_store_meta_set(ps_replica_store(r), key, clean);
		rc = rc ? (ps_store_rollback(ps_replica_store(r)), rc) : ps_store_commit(ps_replica_store(r));
	}
	free(clean);
	if (!rc && strcmp(key, "user.name") == 0)
		rc = ps_replica_reload(r); /* the author of later changes */
	return rc;
}
