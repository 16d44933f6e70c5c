/* auth.c - libgit2 credential and certificate callbacks (see auth.h).
 *
 * Exports ps_auth_*. known_hosts is checked with libssh2's knownhost API,
 * which understands hashed host names and [host]:port entries; libgit2
 * gives the raw host key. All state is in the ps_auth_conn the callbacks
 * get as their payload; this file's one variable says whether libgit2's
 * process-wide store of TLS authorities holds an http.ca_file (libgit2
 * has one store per process, so it is set before each https connection).
 * Never stores or logs a secret. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libssh2.h>
#include <assert.h>
#include "plansync/error.h"
#include "auth.h"

static void copy(char *dst, size_t n, const char *src)
{
	size_t len = src ? strlen(src) : 0;
	if (len >= n)
		len = n - 1;
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

void ps_auth_init(ps_auth *a, const char *ssh_key, const char *ssh_fingerprint, const char *known_hosts,
                  const char *http_helper)
{
	assert(a);
	memset(a, 0, sizeof(*a)); /* the settings with setters of their own start unset */
	copy(a->ssh_key, sizeof(a->ssh_key), ssh_key);
	copy(a->ssh_fingerprint, sizeof(a->ssh_fingerprint), ssh_fingerprint);
	copy(a->known_hosts, sizeof(a->known_hosts), known_hosts);
	copy(a->http_helper, sizeof(a->http_helper), http_helper);
}

void ps_auth_set_ca_file(ps_auth *a, const char *file)
{
	assert(a);
	copy(a->http_ca_file, sizeof(a->http_ca_file), file);
}

void ps_auth_set_replica_key(ps_auth *a, const char *path)
{
	assert(a);
	copy(a->replica_key, sizeof(a->replica_key), path);
}

void ps_auth_fingerprint(char out[64], const unsigned char d[32])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *p = out + snprintf(out, 64, "SHA256:");
	for (int i = 0; i < 32; i += 3) {
		unsigned v =
		    (unsigned)d[i] << 16 | (i + 1 < 32 ? (unsigned)d[i + 1] << 8 : 0) | (i + 2 < 32 ? d[i + 2] : 0);
		int chars = i + 2 < 32 ? 4 : i + 1 < 32 ? 3 : 2;
		for (int k = 0; k < chars; k++)
			*p++ = b64[(v >> (18 - 6 * k)) & 63];
	}
	*p = '\0';
}

/* host and port of ssh://[user@]host[:port]/path or [user@]host:path */
static void parse_url(ps_auth_conn *conn, const char *url)
{
	conn->host[0] = '\0';
	conn->port = 22;
	const char *h = url;
	if (!strncmp(url, "ssh://", 6) || !strncmp(url, "https://", 8) || !strncmp(url, "http://", 7)) {
		h = strstr(url, "://") + 3;
		if (!strncmp(url, "https", 5))
			conn->port = 443;
		else if (!strncmp(url, "http:", 5))
			conn->port = 80;
	}
	const char *at = strchr(h, '@'), *slash = strchr(h, '/');
	if (at && (!slash || at < slash))
		h = at + 1;
	size_t n = strcspn(h, ":/");
	if (n >= sizeof(conn->host))
		n = sizeof(conn->host) - 1;
	memcpy(conn->host, h, n);
	conn->host[n] = '\0';
	if (h[n] == ':' && url != h && strstr(url, "://")) {
		int p = atoi(h + n + 1);
		if (p > 0)
			conn->port = p;
	}
}

static int refuse(ps_auth_conn *conn, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(ps_auth_conn *conn, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	conn->code = code;
	vsnprintf(conn->msg, sizeof(conn->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int known_hosts_check(ps_auth_conn *conn, const git_cert_hostkey *hk, const char *fp)
{
	static const int types[] = {0,
	                            LIBSSH2_KNOWNHOST_KEY_SSHRSA,
	                            LIBSSH2_KNOWNHOST_KEY_SSHDSS,
	                            LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
	                            LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
	                            LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
	                            LIBSSH2_KNOWNHOST_KEY_ED25519};
	char path[1100];
	if (conn->cfg.known_hosts[0])
		copy(path, sizeof(path), conn->cfg.known_hosts);
	else
		snprintf(path, sizeof(path), "%s/.ssh/known_hosts", getenv("HOME") ? getenv("HOME") : ".");
	if (!(hk->type & GIT_CERT_SSH_RAW) || (unsigned)hk->raw_type >= sizeof(types) / sizeof(types[0]) ||
	    !hk->raw_type)
		return refuse(
		    conn, PS_EAUTH,
		    "cannot verify the host key of %s (unknown key type); pin it: plansync config ssh.fingerprint %s",
		    conn->host, fp);
	LIBSSH2_SESSION *s = libssh2_session_init();
	LIBSSH2_KNOWNHOSTS *kh = s ? libssh2_knownhost_init(s) : NULL;
	int r = LIBSSH2_KNOWNHOST_CHECK_FAILURE;
	if (kh) {
		libssh2_knownhost_readfile(kh, path, LIBSSH2_KNOWNHOST_FILE_OPENSSH); /* a missing file: no entries */
		r = libssh2_knownhost_checkp(
		    kh, conn->host, conn->port, hk->hostkey, hk->hostkey_len,
		    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | types[hk->raw_type], NULL);
		libssh2_knownhost_free(kh);
	}
	if (s)
		libssh2_session_free(s);
	if (r == LIBSSH2_KNOWNHOST_CHECK_MATCH)
		return 0;
	if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
		return refuse(
		    conn, PS_EAUTH,
		    "the host key of %s has CHANGED (now %s): this may be an attack. If the server's key was really "
		    "replaced, "
		    "remove its old line from %s and trust the new key with 'plansync config ssh.fingerprint %s'",
		    conn->host, fp, path, fp);
	return refuse(conn, PS_EAUTH,
	              "unknown host key for %s: %s. Check the fingerprint with the server's administrator, then "
	              "trust it with 'plansync config ssh.fingerprint %s' (or add the host to known_hosts)",
	              conn->host, fp, fp);
}

int ps_auth_on_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	ps_auth_conn *conn = payload;
	assert(conn);
	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) {
		if (valid)
			return 0;
		if (conn->code)
			return -1; /* http.ca_file could not be loaded: that refusal stands */
		if (host && host[0])
			copy(conn->host, sizeof(conn->host), host);
		/* refused either way; libgit2 then keeps the TLS library's words
		 * for the reason, which ps_auth_tls_refusal words for a person */
		return GIT_PASSTHROUGH;
	}
	const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
	if (host && host[0])
		copy(conn->host, sizeof(conn->host), host);
	if (!(hk->type & GIT_CERT_SSH_SHA256))
		return refuse(conn, PS_EAUTH, "no SHA-256 host key fingerprint for %s; refusing to connect%s%s",
		              conn->host, "", "");
	char fp[64];
	ps_auth_fingerprint(fp, hk->hash_sha256);
	if (conn->cfg.ssh_fingerprint[0]) {
		if (!strcmp(conn->cfg.ssh_fingerprint, fp))
			return 0;
		return refuse(conn, PS_EAUTH,
		              "the host key of %s is %s, not the pinned %s: refusing to connect (if the server's key "
		              "was really replaced, pin the new one with 'plansync config ssh.fingerprint')",
		              conn->host, fp, conn->cfg.ssh_fingerprint);
	}
	return known_hosts_check(conn, hk, fp);
}

/* git's credential protocol: "<helper> get", key=value lines in and out. */
static int helper_get(const ps_auth_conn *conn, char *user, size_t un, char *pass, size_t pn)
{
	char cmd[1400], proto[16];
	copy(proto, sizeof(proto), conn->port == 80 ? "http" : "https");
	for (const char *p = conn->host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '-'))
			return -1;
	snprintf(cmd, sizeof(cmd), "printf 'protocol=%s\\nhost=%s\\n\\n' | %s get", proto, conn->host,
	         conn->cfg.http_helper);
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	char line[1100];
	user[0] = pass[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "username=", 9))
			copy(user, un, line + 9);
		else if (!strncmp(line, "password=", 9))
			copy(pass, pn, line + 9);
	}
	int st = pclose(f);
	memset(line, 0, sizeof(line));
	return st == 0 && user[0] ? 0 : -1;
}

int ps_auth_on_credentials(git_credential **out, const char *url, const char *username_from_url, unsigned int allowed,
                           void *payload)
{
	ps_auth_conn *conn = payload;
	assert(conn);
	(void)url;
	/* one more try when the replica's key went first and the agent follows */
	if (++conn->attempts > 2 + conn->replica_key_tried)
		return refuse(
		    conn, PS_EAUTH, "authentication refused by %s: %s%s", conn->host,
		    allowed & GIT_CREDENTIAL_SSH_KEY
		        ? "check the key (plansync config ssh.key) and the server's authorized_keys"
		        : "check the username and password (PLANSYNC_HTTP_USERNAME/PASSWORD or http.credential_helper)",
		    "");
	const char *user = username_from_url && *username_from_url ? username_from_url : "git";
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		if (conn->cfg.ssh_key[0]) {
			char pub[1100];
			snprintf(pub, sizeof(pub), "%s.pub", conn->cfg.ssh_key);
			FILE *f = fopen(pub, "r");
			if (f)
				fclose(f);
			return git_credential_ssh_key_new(out, user, f ? pub : NULL, conn->cfg.ssh_key,
			                                  getenv("PLANSYNC_SSH_PASSPHRASE"));
		}
		if (conn->cfg.replica_key[0] && !conn->replica_key_tried) {
			char pub[1100];
			snprintf(pub, sizeof(pub), "%s.pub", conn->cfg.replica_key);
			conn->replica_key_tried = 1;
			return git_credential_ssh_key_new(out, user, access(pub, R_OK) == 0 ? pub : NULL,
			                                  conn->cfg.replica_key, NULL);
		}
		if (getenv("SSH_AUTH_SOCK"))
			return git_credential_ssh_key_from_agent(out, user);
		if (conn->replica_key_tried)
			return refuse(conn, PS_EAUTH,
			              "%s refused this replica's key (%s; 'plansync keys show' prints it): ask the "
			              "server's administrator to add it, or set one with 'plansync config ssh.key "
			              "~/.ssh/id_ed25519' or start ssh-agent",
			              conn->host, conn->cfg.replica_key);
		return refuse(conn, PS_EAUTH,
		              "no SSH key for %s: set one with 'plansync config ssh.key ~/.ssh/id_ed25519' or start "
		              "ssh-agent%s%s",
		              conn->host, "", "");
	}
	if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		const char *u = getenv("PLANSYNC_HTTP_USERNAME"), *p = getenv("PLANSYNC_HTTP_PASSWORD");
		if (u && p)
			return git_credential_userpass_plaintext_new(out, u, p);
		char hu[512], hp[512];
		if (conn->cfg.http_helper[0] && helper_get(conn, hu, sizeof(hu), hp, sizeof(hp)) == 0) {
			int rc = git_credential_userpass_plaintext_new(out, hu, hp);
			memset(hp, 0, sizeof(hp));
			return rc;
		}
		return refuse(conn, PS_EAUTH,
		              "%s asks for a username and password: set PLANSYNC_HTTP_USERNAME and "
		              "PLANSYNC_HTTP_PASSWORD, or 'plansync config http.credential_helper COMMAND'%s%s",
		              conn->host, "", "");
	}
	return refuse(conn, PS_EAUTH, "%s asks for a kind of credential plansync does not offer%s%s", conn->host, "",
	              "");
}

/* Where Debian's libgit2 finds the system's authorities (its
 * GIT_DEFAULT_CERT_LOCATION), put back after a connection that used an
 * http.ca_file. */
#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#define SYSTEM_CA_DIR  "/etc/ssl/certs"

/* Whether libgit2's store holds an http.ca_file rather than the system's
 * authorities: process-wide like the store itself. */
static bool ca_file_installed;

int ps_auth_tls_trust(ps_auth_conn *c)
{
	assert(c);
	if (strncmp(c->url, "https://", 8) != 0)
		return 0;
	const char *file = c->cfg.http_ca_file;
	if (!file[0]) {
		if (!ca_file_installed)
			return 0;
		struct stat sb;
		bool bundle = stat(SYSTEM_CA_FILE, &sb) == 0;
		if (git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, bundle ? SYSTEM_CA_FILE : NULL,
		                     bundle ? NULL : SYSTEM_CA_DIR) < 0)
			return refuse(c, PS_EAUTH,
			              "cannot load the system's certificate authorities (%s); check the "
			              "ca-certificates package",
			              git_error_last() ? git_error_last()->message : "unknown error");
		ca_file_installed = false;
		return 0;
	}
	ca_file_installed = true; /* a failed load leaves the store empty, not the system's */
	if (git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, NULL) < 0)
		return refuse(c, PS_EAUTH,
		              "http.ca_file %s cannot be used (%s): it must hold the certificate of the authority that "
		              "issued the server's certificate, in PEM form; set another with 'plansync config "
		              "http.ca_file FILE' or go back to the system's authorities with 'plansync config "
		              "http.ca_file \"\"'",
		              file, git_error_last() ? git_error_last()->message : "unknown error");
	return 0;
}

/* What to do about each fault the TLS library names (mbedTLS's words,
 * as libgit2 relays them), appended to out. */
static void tls_advice(char *out, size_t n, const ps_auth_conn *c, const char *reason)
{
	size_t len = 0;
#define ADVISE(...)                                                                                                    \
	do {                                                                                                           \
		if (len < n)                                                                                           \
			len += (size_t)snprintf(out + len, n - len, "%s", len ? "; " : "");                            \
		if (len < n)                                                                                           \
			len += (size_t)snprintf(out + len, n - len, __VA_ARGS__);                                      \
	} while (0)
	out[0] = '\0';
	if (strstr(reason, "expired"))
		ADVISE("the certificate has expired: the server's administrator must renew it (if it was renewed, "
		       "check this computer's date and time)");
	if (strstr(reason, "in the future"))
		ADVISE("the certificate is not valid yet: check this computer's date and time");
	if (strstr(reason, "Common Name"))
		ADVISE("the certificate was not issued for the host name %s: use the name it was issued for in the "
		       "remote URL ('plansync config remote URL'), or ask the server's administrator for a "
		       "certificate that names %s",
		       c->host, c->host);
	if (strstr(reason, "not correctly signed") || strstr(reason, "trusted CA") || strstr(reason, "not trusted")) {
		if (c->cfg.http_ca_file[0])
			ADVISE("the certificate was not issued by the authority in http.ca_file (%s): check that "
			       "file with the server's administrator",
			       c->cfg.http_ca_file);
		else
			ADVISE("the certificate was not issued by an authority this computer trusts: if your office "
			       "runs its own certificate authority, trust it with 'plansync config http.ca_file "
			       "FILE' (its certificate, PEM); otherwise ask the server's administrator");
	}
	if (strstr(reason, "revoked"))
		ADVISE("the certificate has been revoked: ask the server's administrator for a new one");
	if (!len)
		ADVISE("ask the server's administrator; if your office runs its own certificate authority, "
		       "trust it with 'plansync config http.ca_file FILE'");
#undef ADVISE
}

int ps_auth_tls_refusal(const ps_auth_conn *c, const char *what, const char *reason)
{
	assert(c && what && reason);
	char advice[1200];
	tls_advice(advice, sizeof(advice), c, reason);
	return ps_error_set(PS_EAUTH, "%s: the TLS certificate of %s is not valid for it (%s); refusing to connect: %s",
	                    what, c->host[0] ? c->host : c->url, reason, advice);
}

void ps_auth_conn_init(ps_auth_conn *c, const ps_auth *a, const char *url)
{
	assert(c && url);
	memset(c, 0, sizeof(*c));
	if (a)
		c->cfg = *a;
	copy(c->url, sizeof(c->url), url);
	parse_url(c, url);
}

void ps_auth_callbacks(git_remote_callbacks *cb)
{
	cb->credentials = ps_auth_on_credentials;
	cb->certificate_check = ps_auth_on_certificate;
}

int ps_auth_failure(const ps_auth_conn *c)
{
	if (!c || !c->code)
		return 0;
	return ps_error_set(c->code, "%s", c->msg);
}
