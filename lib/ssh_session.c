/* ssh_session.c - the kept SSH sessions behind ssh_transport.c: one
 * TCP connection, key exchange and authentication per (user, host, port,
 * identity), reused by every transfer of the process.
 *
 * libgit2 1.5's own ssh transport does all three for every push and every
 * fetch: about 0.3 s against a near server, most of a one-change sync.
 * Here the authenticated session waits in a process-wide cache, so a
 * daemon's cycles and the push and fetch of one sync share one handshake.
 * The host key and the credentials still go through the remote's
 * callbacks (auth.c) by git_transport_smart_certificate_check and
 * git_transport_smart_credentials, on every transfer: the first credential
 * the callbacks offer names the identity, and a kept session is reused
 * only for that same identity and only after its host key passes the check
 * again, so a changed setting takes effect on the next transfer.
 *
 * A kept session can be dead (server restarted, network cut, server-side
 * idle timeout): when opening or starting the channel on it fails, it is
 * dropped and one new connection is made in the same transfer. Every wait
 * is bounded (connect, each read or write). Sessions idle for IDLE_MAX_S
 * are closed on the next use, and all idle ones by ps_repo_net_idle
 * (plansyncd, before a long wait). After fork() the child never uses its
 * parent's sessions: it closes its copies of their sockets unused.
 *
 * Exports ps_ssh_channel_open, ps_ssh_session_release, ps_ssh_session_raw,
 * ps_ssh_error (ssh_session.h) and ps_repo_net_idle (repo_global.h). How
 * the session is made (the host key type asked for, the known_hosts value
 * given to the callback, the authentication loop, the error words) follows
 * libgit2's src/libgit2/transports/ssh.c so every error reads as before.
 * Never decides whether a host key or a credential is acceptable; never
 * keeps a secret (a passphrase or a password is used and dropped).
 *
 * Over 600 lines: making a session (connect, host key, the authentication
 * loop) and keeping it (the cache, a dead one replaced, fork) share the
 * session struct, its lock and the reuse rule; apart, each half would
 * export the other's internals. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <git2.h>
#include <git2/sys/credential.h>
#include <git2/sys/transport.h>
#include <libssh2.h>
#include "plansync/repo_global.h"
#include "ssh_session.h"

#define CONNECT_TIMEOUT_MS 30000  /* the TCP connection */
#define IO_TIMEOUT_MS      120000 /* any one wait for the server (git sends keepalives every 5 s) */
#define PROBE_TIMEOUT_MS   10000  /* a channel on a kept session: a dead one is found this fast */
#define IDLE_MAX_S         600    /* a kept session unused this long is closed, not reused */
/* A kept session logged in this long ago is closed, not reused: sshd checks
 * authorized_keys only at login, so a key the server stopped accepting
 * pushes through a kept session for at most this long (attack 138).
 * PLANSYNC_SSH_RELOGIN_S sets another bound (0: a login per transfer). */
#define LOGIN_MAX_S 600

static long login_max_s(void)
{
	const char *v = getenv("PLANSYNC_SSH_RELOGIN_S");
	char *end = NULL;
	long n = v && *v ? strtol(v, &end, 10) : -1;
	return n >= 0 && end && !*end ? n : LOGIN_MAX_S;
}
#define KEEPALIVE_S 30
#define MAX_KEPT    8

struct ps_ssh_sess {
	struct ps_ssh_sess *next;
	LIBSSH2_SESSION *s;
	int fd;
	bool busy;
	int valid;     /* the host key matched ~/.ssh/known_hosts at connect (libgit2's "valid") */
	int methods;   /* what the server offered for user: GIT_CREDENTIAL_* */
	time_t used;   /* CLOCK_MONOTONIC seconds */
	time_t logged; /* when it logged in, the same clock */
	int port;
	char host[256];
	char user[256];
	char ident[1200]; /* the first credential offered: "key:<private key file>", "agent:<socket>", ... */
};
typedef struct ps_ssh_sess sess;

/* Module-level on purpose: the cache is what outlives one transfer. The
 * lock covers the list and each entry's busy flag; a busy session is used
 * by one transfer only. pid: the process the sessions belong to. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sess *kept;
static pid_t kept_pid;

static time_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void ps_ssh_error(LIBSSH2_SESSION *s, const char *what)
{
	char *m = NULL;
	libssh2_session_last_error(s, &m, NULL, 0);
	git_error_set(GIT_ERROR_SSH, "%s: %s", what, m ? m : "unknown error");
}

/* Free se. polite: tell the server (a live session, briefly); else the
 * socket is closed first so libssh2 cannot wait on a dead or a parent's
 * connection. */
static void sess_free(sess *se, bool polite)
{
	if (!se)
		return;
	if (se->s && polite) {
		libssh2_session_set_timeout(se->s, 2000);
		libssh2_session_disconnect(se->s, "closing transport");
	}
	if (se->fd >= 0)
		close(se->fd);
	if (se->s)
		libssh2_session_free(se->s);
	free(se);
}

/* Under lock: forget the sessions of the process we were forked from. */
static void forget_parents(void)
{
	if (kept_pid == getpid())
		return;
	for (sess *se = kept, *next; se; se = next) {
		next = se->next;
		sess_free(se, false);
	}
	kept = NULL;
	kept_pid = getpid();
}

static void unlink_sess(sess *se)
{
	for (sess **p = &kept; *p; p = &(*p)->next)
		if (*p == se) {
			*p = se->next;
			return;
		}
}

void ps_repo_net_idle(long max_idle_s)
{
	pthread_mutex_lock(&lock);
	forget_parents();
	time_t now = mono();
	for (sess **p = &kept; *p;) {
		sess *se = *p;
		if (!se->busy && now - se->used >= max_idle_s) {
			*p = se->next;
			sess_free(se, true);
		} else
			p = &se->next;
	}
	pthread_mutex_unlock(&lock);
}

/* A TCP connection to host:port within CONNECT_TIMEOUT_MS, with
 * libgit2's words for its failures. The socket is blocking again. */
static int tcp_connect(int *out, const char *host, const char *port)
{
	*out = -1;
	struct addrinfo hints = {0}, *info = NULL, *p;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	int r = getaddrinfo(host, port, &hints, &info);
	if (r != 0) {
		git_error_set(GIT_ERROR_NET, "failed to resolve address for %s: %s", host, gai_strerror(r));
		return -1;
	}
	int fd = -1;
	for (p = info; p && fd < 0; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, p->ai_protocol);
		if (fd < 0)
			continue;
		int e = connect(fd, p->ai_addr, p->ai_addrlen) == 0 ? 0 : errno;
		if (e == EINPROGRESS) {
			struct pollfd pf = {fd, POLLOUT, 0};
			socklen_t el = sizeof(e);
			e = poll(&pf, 1, CONNECT_TIMEOUT_MS) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0
			        ? e
			        : ETIMEDOUT;
		}
		if (e || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(info);
	/* the git protocol is small packets answered at once: Nagle's wait
	 * for an ACK the server delays costs ~40 ms a round (as OpenSSH) */
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (fd < 0) {
		git_error_set(GIT_ERROR_OS, "failed to connect to %s", host);
		return -1;
	}
	*out = fd;
	return 0;
}

static int known_hosts_load(LIBSSH2_KNOWNHOSTS **out, LIBSSH2_SESSION *s)
{
	char path[4200];
	*out = NULL;
	const char *home = getenv("HOME");
	snprintf(path, sizeof(path), "%s/.ssh/known_hosts", home ? home : "");
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(s);
	if (!kh) {
		ps_ssh_error(s, "error initializing known hosts");
		return -1;
	}
	int e = libssh2_knownhost_readfile(kh, path, LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	*out = kh;
	if (e < 0 && e != LIBSSH2_ERROR_FILE) {
		ps_ssh_error(s, "error reading known_hosts");
		return -1;
	}
	return 0;
}

/* The host key type ~/.ssh/known_hosts holds for host, to ask the server
 * for that one (as libgit2 does); NULL: none. */
static const char *hostkey_preference(LIBSSH2_KNOWNHOSTS *kh, const char *host, int port)
{
	struct libssh2_knownhost *h = NULL;
	const char key = '\0';
	if (libssh2_knownhost_checkp(kh, host, port, &key, 1,
	                             LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW,
	                             &h) != LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
		return NULL;
	switch (h->typemask & LIBSSH2_KNOWNHOST_KEY_MASK) {
	case LIBSSH2_KNOWNHOST_KEY_SSHRSA:
		return "ssh-rsa";
	case LIBSSH2_KNOWNHOST_KEY_SSHDSS:
		return "ssh-dss";
	case LIBSSH2_KNOWNHOST_KEY_ECDSA_256:
		return "ecdsa-sha2-nistp256";
	case LIBSSH2_KNOWNHOST_KEY_ECDSA_384:
		return "ecdsa-sha2-nistp384";
	case LIBSSH2_KNOWNHOST_KEY_ECDSA_521:
		return "ecdsa-sha2-nistp521";
	case LIBSSH2_KNOWNHOST_KEY_ED25519:
		return "ssh-ed25519";
	}
	return NULL;
}

/* The session's host key through the remote's certificate callback, as
 * libgit2 presents it: 0, or < 0 with the refusal. */
static int host_check(git_transport *owner, sess *se)
{
	git_cert_hostkey cert;
	memset(&cert, 0, sizeof(cert));
	size_t len = 0;
	int type = 0;
	const char *key = libssh2_session_hostkey(se->s, &len, &type);
	if (!key) {
		ps_ssh_error(se->s, "failed to retrieve hostkey");
		return -1;
	}
	cert.parent.cert_type = GIT_CERT_HOSTKEY_LIBSSH2;
	cert.type |= GIT_CERT_SSH_RAW;
	cert.hostkey = key;
	cert.hostkey_len = len;
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:
		cert.raw_type = GIT_CERT_SSH_RAW_TYPE_RSA;
		break;
	case LIBSSH2_HOSTKEY_TYPE_DSS:
		cert.raw_type = GIT_CERT_SSH_RAW_TYPE_DSS;
		break;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		cert.raw_type = GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256;
		break;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		cert.raw_type = GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384;
		break;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		cert.raw_type = GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521;
		break;
	case LIBSSH2_HOSTKEY_TYPE_ED25519:
		cert.raw_type = GIT_CERT_SSH_RAW_TYPE_KEY_ED25519;
		break;
	default:
		cert.raw_type = GIT_CERT_SSH_RAW_TYPE_UNKNOWN;
	}
	const char *h;
	if ((h = libssh2_hostkey_hash(se->s, LIBSSH2_HOSTKEY_HASH_SHA256))) {
		cert.type |= GIT_CERT_SSH_SHA256;
		memcpy(cert.hash_sha256, h, 32);
	}
	if ((h = libssh2_hostkey_hash(se->s, LIBSSH2_HOSTKEY_HASH_SHA1))) {
		cert.type |= GIT_CERT_SSH_SHA1;
		memcpy(cert.hash_sha1, h, 20);
	}
	if ((h = libssh2_hostkey_hash(se->s, LIBSSH2_HOSTKEY_HASH_MD5))) {
		cert.type |= GIT_CERT_SSH_MD5;
		memcpy(cert.hash_md5, h, 16);
	}
	git_error_clear();
	int e = git_transport_smart_certificate_check(owner, (git_cert *)&cert, se->valid, se->host);
	if (e == GIT_PASSTHROUGH) {
		if (se->valid)
			return 0;
		git_error_set(GIT_ERROR_SSH, "invalid or unknown remote ssh hostkey");
		return GIT_ECERTIFICATE;
	}
	if (e < 0 && !git_error_last())
		git_error_set(GIT_ERROR_NET, "user canceled hostkey check");
	return e < 0 ? e : 0;
}

/* What the server accepts for user, as GIT_CREDENTIAL_* bits. */
static int auth_methods(int *out, LIBSSH2_SESSION *s, const char *user)
{
	*out = 0;
	const char *list = libssh2_userauth_list(s, user, (unsigned)strlen(user));
	if (!list && !libssh2_userauth_authenticated(s)) {
		ps_ssh_error(s, "Failed to retrieve list of SSH authentication methods");
		return GIT_EAUTH;
	}
	for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',') {
		size_t n = strcspn(p, ",");
		if (n == 9 && !strncmp(p, "publickey", n))
			*out |= GIT_CREDENTIAL_SSH_KEY | GIT_CREDENTIAL_SSH_CUSTOM;
		else if (n == 8 && !strncmp(p, "password", n))
			*out |= GIT_CREDENTIAL_USERPASS_PLAINTEXT;
		else if (n == 20 && !strncmp(p, "keyboard-interactive", n))
			*out |= GIT_CREDENTIAL_SSH_INTERACTIVE;
	}
	return 0;
}

/* The remote's credential callback for user and methods; as libgit2's
 * ssh transport asks it. */
static int ask_credentials(git_credential **out, git_transport *owner, const char *user, int methods)
{
	*out = NULL;
	int e = git_transport_smart_credentials(out, owner, user, methods);
	if (e == GIT_PASSTHROUGH) {
		git_error_set(GIT_ERROR_SSH, "authentication required but no callback set");
		return GIT_EAUTH;
	}
	if (e < 0)
		return e;
	if (!*out) {
		git_error_set(GIT_ERROR_SSH, "callback failed to initialize SSH credentials");
		return -1;
	}
	if (!((*out)->credtype & (unsigned)methods)) {
		git_credential_free(*out);
		*out = NULL;
		git_error_set(GIT_ERROR_SSH, "authentication callback returned unsupported credentials type");
		return GIT_EAUTH;
	}
	return 0;
}

/* Who cred authenticates as, without its secret: the cache key part. */
static void ident_of(char *out, size_t n, const git_credential *cred)
{
	if (cred->credtype == GIT_CREDENTIAL_SSH_KEY) {
		const git_credential_ssh_key *k = (const git_credential_ssh_key *)cred;
		if (k->privatekey)
			snprintf(out, n, "key:%s", k->privatekey);
		else
			snprintf(out, n, "agent:%s", getenv("SSH_AUTH_SOCK") ? getenv("SSH_AUTH_SOCK") : "");
	} else if (cred->credtype == GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		snprintf(out, n, "password:%s", ((const git_credential_userpass_plaintext *)cred)->username);
	} else {
		snprintf(out, n, "type:%d", (int)cred->credtype);
	}
}

static int agent_auth(LIBSSH2_SESSION *s, const char *user)
{
	LIBSSH2_AGENT *agent = libssh2_agent_init(s);
	struct libssh2_agent_publickey *id = NULL, *prev = NULL;
	if (!agent)
		return -1;
	int rc = libssh2_agent_connect(agent);
	if (rc == LIBSSH2_ERROR_NONE)
		rc = libssh2_agent_list_identities(agent);
	while (rc == LIBSSH2_ERROR_NONE) {
		rc = libssh2_agent_get_identity(agent, &id, prev);
		if (rc == 1) { /* no more keys */
			rc = LIBSSH2_ERROR_AUTHENTICATION_FAILED;
			break;
		}
		if (rc < 0 || (rc = libssh2_agent_userauth(agent, user, id)) == 0)
			break;
		prev = id;
		rc = LIBSSH2_ERROR_NONE;
	}
	if (rc != LIBSSH2_ERROR_NONE)
		ps_ssh_error(s, "error authenticating");
	libssh2_agent_disconnect(agent);
	libssh2_agent_free(agent);
	return rc;
}

/* One authentication attempt with cred: 0, GIT_EAUTH (refused), or -1. */
static int authenticate(LIBSSH2_SESSION *s, git_credential *cred)
{
	int rc;
	git_error_clear();
	if (cred->credtype == GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		git_credential_userpass_plaintext *c = (git_credential_userpass_plaintext *)cred;
		rc = libssh2_userauth_password(s, c->username, c->password);
	} else if (cred->credtype == GIT_CREDENTIAL_SSH_KEY) {
		git_credential_ssh_key *c = (git_credential_ssh_key *)cred;
		rc = c->privatekey ? libssh2_userauth_publickey_fromfile(s, c->username, c->publickey, c->privatekey,
		                                                         c->passphrase)
		                   : agent_auth(s, c->username);
	} else {
		rc = LIBSSH2_ERROR_AUTHENTICATION_FAILED;
	}
	if (rc == LIBSSH2_ERROR_PASSWORD_EXPIRED || rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED ||
	    rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED)
		return GIT_EAUTH;
	if (rc != LIBSSH2_ERROR_NONE) {
		if (!git_error_last())
			ps_ssh_error(s, "Failed to authenticate SSH session");
		return -1;
	}
	return 0;
}

/* A new session to u, host-key-checked and authenticated: cred (may be
 * NULL) is the credential the callbacks already offered, tried first, and
 * is consumed. *out is busy, not yet in the cache. */
static int sess_connect(sess **out, git_transport *owner, const ps_ssh_target *u, git_credential *cred,
                        const char *ident)
{
	*out = NULL;
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	sess *se = calloc(1, sizeof(*se));
	int e = -1;
	if (!se) {
		git_error_set_oom();
		goto done;
	}
	se->fd = -1;
	se->busy = true;
	se->logged = mono();
	se->port = atoi(u->port) > 0 ? atoi(u->port) : -1;
	snprintf(se->host, sizeof(se->host), "%s", u->host);
	snprintf(se->user, sizeof(se->user), "%s", u->user);
	if ((e = tcp_connect(&se->fd, u->host, u->port)) < 0)
		goto done;
	if (!(se->s = libssh2_session_init())) {
		git_error_set(GIT_ERROR_NET, "failed to initialize SSH session");
		e = -1;
		goto done;
	}
	libssh2_session_set_timeout(se->s, IO_TIMEOUT_MS);
	if ((e = known_hosts_load(&kh, se->s)) < 0) {
		ps_ssh_error(se->s, "error loading known_hosts");
		goto done;
	}
	const char *pref = hostkey_preference(kh, u->host, se->port);
	if (pref && libssh2_session_method_pref(se->s, LIBSSH2_METHOD_HOSTKEY, pref) != LIBSSH2_ERROR_NONE) {
		ps_ssh_error(se->s, "failed to set hostkey preference");
		e = -1;
		goto done;
	}
	if (libssh2_session_handshake(se->s, se->fd) != LIBSSH2_ERROR_NONE) {
		ps_ssh_error(se->s, "failed to start SSH session");
		e = -1;
		goto done;
	}
	size_t klen = 0;
	int ktype = 0;
	const char *key = libssh2_session_hostkey(se->s, &klen, &ktype);
	se->valid = key && libssh2_knownhost_checkp(kh, u->host, se->port, key, klen,
	                                            LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW,
	                                            NULL) == LIBSSH2_KNOWNHOST_CHECK_MATCH;
	if ((e = host_check(owner, se)) < 0)
		goto done;
	if ((e = auth_methods(&se->methods, se->s, se->user)) < 0)
		goto done;
	snprintf(se->ident, sizeof(se->ident), "%s", ident ? ident : "");
	e = GIT_EAUTH;
	if (cred && (se->methods & (int)cred->credtype))
		e = authenticate(se->s, cred);
	while (e == GIT_EAUTH) {
		git_credential_free(cred);
		cred = NULL;
		if ((e = ask_credentials(&cred, owner, se->user, se->methods)) < 0)
			goto done;
		if (strcmp(se->user, git_credential_get_username(cred))) {
			git_error_set(GIT_ERROR_SSH, "username does not match previous request");
			e = -1;
			goto done;
		}
		if (!se->ident[0])
			ident_of(se->ident, sizeof(se->ident), cred);
		if ((e = authenticate(se->s, cred)) == GIT_EAUTH) {
			int m;
			if ((e = auth_methods(&m, se->s, se->user)) == 0) {
				se->methods = m;
				e = GIT_EAUTH;
			}
		}
	}
	if (e < 0)
		goto done;
	libssh2_keepalive_config(se->s, 1, KEEPALIVE_S);
	*out = se;
	se = NULL;
done:
	if (kh)
		libssh2_knownhost_free(kh);
	git_credential_free(cred);
	sess_free(se, false);
	return e < 0 ? e : 0;
}

/* The user to log in as: the URL's, else the callbacks' (as libgit2). */
static int username(git_transport *owner, ps_ssh_target *u)
{
	if (u->user[0])
		return 0;
	git_credential *c = NULL;
	int e = ask_credentials(&c, owner, NULL, GIT_CREDENTIAL_USERNAME);
	if (e < 0)
		return e;
	snprintf(u->user, sizeof(u->user), "%s", ((git_credential_username *)c)->username);
	git_credential_free(c);
	return 0;
}

/* Under lock: a kept, idle session for u (NULL: none), marked busy; kept
 * sessions idle too long are closed on the way. */
static sess *take_kept(const ps_ssh_target *u)
{
	forget_parents();
	time_t now = mono();
	long login_max = login_max_s();
	int port = atoi(u->port) > 0 ? atoi(u->port) : -1;
	sess *found = NULL;
	for (sess **p = &kept; *p;) {
		sess *se = *p;
		if (!se->busy && (now - se->used >= IDLE_MAX_S || now - se->logged >= login_max)) {
			*p = se->next;
			sess_free(se, true);
			continue;
		}
		if (!found && !se->busy && se->port == port && !strcmp(se->host, u->host) && !strcmp(se->user, u->user))
			found = se;
		p = &se->next;
	}
	if (found)
		found->busy = true;
	return found;
}

static void give_back(sess *se, bool broken)
{
	pthread_mutex_lock(&lock);
	int n = 0;
	for (sess *k = kept; k; k = k->next)
		n++;
	bool in = false;
	for (sess *k = kept; k; k = k->next)
		in = in || k == se;
	if (broken || (!in && n >= MAX_KEPT) || kept_pid != getpid()) {
		if (in)
			unlink_sess(se);
		pthread_mutex_unlock(&lock);
		sess_free(se, false);
		return;
	}
	se->busy = false;
	se->used = mono();
	if (!in) {
		se->next = kept;
		kept = se;
	}
	pthread_mutex_unlock(&lock);
}

/* Drop a kept session found dead; the caller then connects anew. */
static void drop(sess *se)
{
	pthread_mutex_lock(&lock);
	unlink_sess(se);
	pthread_mutex_unlock(&lock);
	sess_free(se, false);
}

/* A channel on se running cmd, within timeout_ms: 0, or -1 with libssh2's
 * words (the channel is not left open). */
static int start(LIBSSH2_CHANNEL **out, sess *se, const char *cmd, long timeout_ms)
{
	*out = NULL;
	libssh2_session_set_timeout(se->s, timeout_ms);
	LIBSSH2_CHANNEL *ch = libssh2_channel_open_session(se->s);
	int e = 0;
	if (!ch) {
		ps_ssh_error(se->s, "Failed to open SSH channel");
		e = -1;
	} else if (libssh2_channel_exec(ch, cmd) < LIBSSH2_ERROR_NONE) {
		ps_ssh_error(se->s, "SSH could not execute request");
		libssh2_channel_free(ch);
		e = -1;
	}
	libssh2_session_set_timeout(se->s, IO_TIMEOUT_MS);
	if (!e)
		*out = ch;
	return e;
}

int ps_ssh_channel_open(ps_ssh_sess **out, LIBSSH2_CHANNEL **ch, git_transport *owner, ps_ssh_target *u,
                        const char *line)
{
	*out = NULL;
	*ch = NULL;
	git_credential *cred = NULL;
	char ident[1200] = "";
	sess *se = NULL;
	int e;
	if ((e = username(owner, u)) < 0)
		return e;
	pthread_mutex_lock(&lock);
	se = take_kept(u);
	pthread_mutex_unlock(&lock);
	if (se) {
		/* the same identity as the callbacks would offer now, and the
		 * host key still passes: else this session is not for us */
		if ((e = ask_credentials(&cred, owner, u->user, se->methods)) < 0) {
			give_back(se, false);
			return e;
		}
		ident_of(ident, sizeof(ident), cred);
		if (strcmp(ident, se->ident)) {
			give_back(se, false);
			se = NULL;
		} else if ((e = host_check(owner, se)) < 0) {
			drop(se);
			git_credential_free(cred);
			return e;
		} else if (start(ch, se, line, PROBE_TIMEOUT_MS) < 0) {
			drop(se); /* dead (restarted, cut, timed out): one new connection */
			se = NULL;
		} else {
			git_credential_free(cred);
			cred = NULL;
		}
	}
	if (!se) {
		e = sess_connect(&se, owner, u, cred, cred ? ident : NULL);
		cred = NULL;
		if (e < 0)
			return e;
		if (start(ch, se, line, IO_TIMEOUT_MS) < 0) {
			give_back(se, true);
			return -1;
		}
	}
	*out = se;
	return 0;
}

void ps_ssh_session_release(ps_ssh_sess *se, bool broken)
{
	give_back(se, broken);
}

LIBSSH2_SESSION *ps_ssh_session_raw(ps_ssh_sess *se)
{
	return se->s;
}
