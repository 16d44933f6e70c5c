/* ssh_session.h - internal: the kept SSH sessions of ssh_transport.c
 * (see ssh_session.c). */
#ifndef PLANSYNC_SSH_SESSION_H
#define PLANSYNC_SSH_SESSION_H
#include <stdbool.h>
#include <git2.h>
#include <libssh2.h>

/* Where a transfer goes: ssh://[user@]host[:port]/path or [user@]host:path. */
typedef struct ps_ssh_target {
	char user[256], host[256], port[16], path[2048];
} ps_ssh_target;

typedef struct ps_ssh_sess ps_ssh_sess;

/* A channel running cmd (the whole command line) on a kept session for
 * target, or on a new one; owner's callbacks judge the host key and give
 * the credentials, every time. target->user is filled from the callbacks
 * when the URL has none. 0, or < 0 with libgit2's error set (GIT_EAUTH,
 * GIT_ECERTIFICATE, or the callbacks' code). Release *se after the
 * channel is freed. */
int ps_ssh_channel_open(ps_ssh_sess **se, LIBSSH2_CHANNEL **ch, git_transport *owner, ps_ssh_target *target,
                        const char *cmd);
/* Give se back to be kept; broken (an I/O error on it): close it. */
void ps_ssh_session_release(ps_ssh_sess *se, bool broken);
/* se's libssh2 session, for error messages. */
LIBSSH2_SESSION *ps_ssh_session_raw(ps_ssh_sess *se);
/* Set libgit2's error (class SSH): "what: <libssh2's last error>". */
void ps_ssh_error(LIBSSH2_SESSION *s, const char *what);

#endif
