/* auth.h - internal: credentials and host verification for network remotes.
 *
 * SSH: the key from `ssh.key` (a private key file), or else the replica's
 * own key (DIR/key) and then ssh-agent; the
 * server's host key must match `ssh.fingerprint` (pinned, "SHA256:...")
 * when set, else an entry of known_hosts (`ssh.known_hosts`, default
 * ~/.ssh/known_hosts). An unknown or changed key fails with a message that
 * shows its fingerprint and how to trust it; it is never accepted silently.
 * HTTPS: username and password from PLANSYNC_HTTP_USERNAME and
 * PLANSYNC_HTTP_PASSWORD, else from the command in `http.credential_helper`
 * (git's credential protocol: "<helper> get"). Secrets are passed to
 * libgit2 and dropped; never stored, never logged. The server's TLS
 * certificate is checked by libgit2 (mbedTLS) against the system's
 * authorities, or only those of `http.ca_file` when it is set (as git's
 * http.sslCAInfo); a refusal keeps the TLS library's words for the reason
 * and adds what to do.
 *
 * No state outside the caller's structs: the settings are a value the
 * caller passes down, and everything a connection learns (its host, the
 * attempts, a refusal) lives in a ps_auth_conn inside the libgit2 callback
 * payload, so two connections with different settings never meet. */
#ifndef PLANSYNC_AUTH_H
#define PLANSYNC_AUTH_H
#include <git2.h>

/* The replica's network settings (copies; "" when unset). */
typedef struct ps_auth {
	char ssh_key[1024];
	char ssh_fingerprint[128];
	char known_hosts[1024];
	char http_helper[1024];
	char http_ca_file[1024]; /* http.ca_file: the authorities trusted for https (PEM) */
	char replica_key[1024];  /* the replica's own key (DIR/key): used when ssh.key is unset */
} ps_auth;

/* One connection: the settings it uses and what its callbacks learnt. */
typedef struct ps_auth_conn {
	ps_auth cfg;
	char url[1024];
	char host[256];
	int port;
	int attempts;
	int replica_key_tried; /* the replica's key was offered: the agent may follow */
	int code;              /* a refusal recorded by a callback: PS_EAUTH, or 0 */
	char msg[2600];
} ps_auth_conn;

/* Fill a from the four settings (NULL: unset); too long values are cut. */
void ps_auth_init(ps_auth *a, const char *ssh_key, const char *ssh_fingerprint, const char *known_hosts,
                  const char *http_helper);
/* Set a's http.ca_file (NULL or "": the system's authorities). */
void ps_auth_set_ca_file(ps_auth *a, const char *file);
/* Before each connection of c: for an https URL, make libgit2's
 * process-wide store of trusted authorities the one c's settings ask for
 * (http.ca_file, else the system's). 0, or -1 with the refusal recorded
 * in c (a file that cannot be loaded; the store is then empty, so the
 * connection fails and ps_auth_failure reports it). */
int ps_auth_tls_trust(ps_auth_conn *c);
/* A transfer failed on the server's certificate: the message for what
 * (such as "fetch failed"), with reason (the TLS library's words) and
 * what to do about each fault it names; returns PS_EAUTH. */
int ps_auth_tls_refusal(const ps_auth_conn *c, const char *what, const char *reason);
/* The replica's own key file, offered when ssh.key is unset (NULL: none). */
void ps_auth_set_replica_key(ps_auth *a, const char *path);
/* Start a connection to url with settings a (NULL: none). */
void ps_auth_conn_init(ps_auth_conn *c, const ps_auth *a, const char *url);
/* Install our credential and certificate callbacks on cb. cb->payload
 * must point at c, or at a struct whose first member is c (the payload is
 * shared with the transfer callbacks); the caller sets it. */
void ps_auth_callbacks(git_remote_callbacks *cb);
/* After a failed transfer: the refusal c recorded (host key, credentials)
 * as an error message with its code, or 0 when the failure was something
 * else. */
int ps_auth_failure(const ps_auth_conn *c);
/* "SHA256:<base64>" of a 32-byte digest. */
void ps_auth_fingerprint(char out[64], const unsigned char sha256[32]);

/* The callbacks, exported for the unit tests: payload is a ps_auth_conn. */
int ps_auth_on_certificate(git_cert *cert, int valid, const char *host, void *payload);
int ps_auth_on_credentials(git_credential **out, const char *url, const char *username_from_url, unsigned int allowed,
                           void *payload);

#endif
