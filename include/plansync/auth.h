/* auth.h - credentials and host verification for network remotes.
 *
 * SSH: the key from `ssh.key` (a private key file) or else ssh-agent; the
 * server's host key must match `ssh.fingerprint` (pinned, "SHA256:...")
 * when set, else an entry of known_hosts (`ssh.known_hosts`, default
 * ~/.ssh/known_hosts). An unknown or changed key fails with a message that
 * shows its fingerprint and how to trust it; it is never accepted silently.
 * HTTPS: username and password from PLANSYNC_HTTP_USERNAME and
 * PLANSYNC_HTTP_PASSWORD, else from the command in `http.credential_helper`
 * (git's credential protocol: "<helper> get"). Secrets are passed to
 * libgit2 and dropped; never stored, never logged. */
#ifndef PLANSYNC_AUTH_H
#define PLANSYNC_AUTH_H
#include <git2.h>

typedef struct ps_auth {
	const char *ssh_key;
	const char *ssh_fingerprint;
	const char *known_hosts;
	const char *http_helper;
} ps_auth;

/* Settings for the connections that follow (copied). */
void ps_auth_set(const ps_auth *a);
/* Install our callbacks for a connection to url; resets per-connection state. */
void ps_auth_callbacks(git_remote_callbacks *cb, const char *url);
/* After a failed transfer: the refusal we recorded (host key, credentials)
 * as an error message with code, or 0 when the failure was something else. */
int ps_auth_failure(void);
/* "SHA256:<base64>" of a 32-byte digest. */
void ps_auth_fingerprint(char out[64], const unsigned char sha256[32]);

#endif
