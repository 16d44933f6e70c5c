/* ssh_transport.c - ssh:// remotes for libgit2: a smart subtransport
 * whose streams are exec channels (git-upload-pack, git-receive-pack) on
 * the kept sessions of ssh_session.c, one channel per transfer.
 *
 * Registered for ssh://, ssh+git://, git+ssh:// and scp-like
 * [user@]host:path remotes in place of libgit2 1.5's own transport, which
 * connects anew for every transfer. The protocol part (the URL as libgit2
 * parses it, the command line, how stderr becomes an error, which libssh2
 * call reports what) follows libgit2's src/libgit2/transports/ssh.c so
 * every error reads as before.
 *
 * Exports ps_ssh_transport_register. Never talks to the server outside a
 * transfer libgit2 asked for. */
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include <git2/sys/transport.h>
#include <libssh2.h>
#include "ssh_session.h"
#include "ssh_transport.h"

typedef struct stream {
	git_smart_subtransport_stream parent;
	ps_ssh_sess *se;
	LIBSSH2_CHANNEL *ch;
	bool broken; /* an I/O error: the session is dropped, not kept */
} stream;

typedef struct sub {
	git_smart_subtransport parent;
	git_transport *owner;
	stream *current;
} sub;

static int copy_n(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* user, host, port and path of ssh://[user@]host[:port]/path or the
 * scp-like [user@]host:path, as libgit2 reads them; 0 or -1. */
static int parse_url(ps_ssh_target *u, const char *s)
{
	memset(u, 0, sizeof(*u));
	const char *sep = strstr(s, "://");
	bool scp = !sep;
	const char *h = scp ? s : sep + 3;
	const char *end = scp ? h + strcspn(h, ":") : h + strcspn(h, "/");
	const char *at = memchr(h, '@', (size_t)(end - h));
	if (at) {
		if (copy_n(u->user, sizeof(u->user), h, (size_t)(at - h)) < 0)
			return -1;
		h = at + 1;
	}
	if (scp) { /* host:path, no port */
		if (!*end || copy_n(u->host, sizeof(u->host), h, (size_t)(end - h)) < 0 ||
		    copy_n(u->path, sizeof(u->path), end + 1, strlen(end + 1)) < 0)
			return -1;
		snprintf(u->port, sizeof(u->port), "22");
	} else {
		const char *hend = end, *colon;
		if (*h == '[') {
			const char *close = memchr(h, ']', (size_t)(end - h));
			if (!close)
				return -1;
			colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
			if (copy_n(u->host, sizeof(u->host), h + 1, (size_t)(close - h - 1)) < 0)
				return -1;
		} else {
			colon = memchr(h, ':', (size_t)(end - h));
			if (copy_n(u->host, sizeof(u->host), h, (size_t)((colon ? colon : hend) - h)) < 0)
				return -1;
		}
		if (colon && colon + 1 < end) {
			if (copy_n(u->port, sizeof(u->port), colon + 1, (size_t)(end - colon - 1)) < 0)
				return -1;
		} else
			snprintf(u->port, sizeof(u->port), "22");
		if (copy_n(u->path, sizeof(u->path), end, strlen(end)) < 0)
			return -1;
	}
	return u->host[0] ? 0 : -1;
}

static int stream_read(git_smart_subtransport_stream *stream_, char *buf, size_t size, size_t *got)
{
	stream *s = (stream *)stream_;
	*got = 0;
	ssize_t n = libssh2_channel_read(s->ch, buf, size);
	if (n < LIBSSH2_ERROR_NONE) {
		s->broken = true;
		ps_ssh_error(ps_ssh_session_raw(s->se), "SSH could not read data");
		return -1;
	}
	/* nothing on stdout: typically a "not found" the server says on stderr */
	if (n == 0) {
		n = libssh2_channel_read_stderr(s->ch, buf, size);
		if (n > 0) {
			git_error_set(GIT_ERROR_SSH, "%*s", (int)n, buf);
			return GIT_EEOF;
		}
		if (n < LIBSSH2_ERROR_NONE) {
			s->broken = true;
			ps_ssh_error(ps_ssh_session_raw(s->se), "SSH could not read stderr");
			return -1;
		}
	}
	*got = (size_t)n;
	return 0;
}

static int stream_write(git_smart_subtransport_stream *stream_, const char *buf, size_t len)
{
	stream *s = (stream *)stream_;
	for (size_t off = 0; off < len;) {
		ssize_t n = libssh2_channel_write(s->ch, buf + off, len - off);
		if (n < 0) {
			s->broken = true;
			ps_ssh_error(ps_ssh_session_raw(s->se), "SSH could not write data");
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

static void stream_free(git_smart_subtransport_stream *stream_)
{
	stream *s = (stream *)stream_;
	if (!s)
		return;
	sub *t = (sub *)s->parent.subtransport;
	t->current = NULL;
	if (s->ch && !s->broken) {
		s->broken = libssh2_channel_close(s->ch) < 0;
		libssh2_channel_free(s->ch);
	}
	ps_ssh_session_release(s->se, s->broken);
	free(s);
}

/* The command line git runs on the server: cmd 'path' (a leading /~ is ~). */
static int command(char *out, size_t n, const char *cmd, const char *path)
{
	if (path[0] == '/' && path[1] == '~')
		path++;
	if (!path[0]) {
		git_error_set(GIT_ERROR_NET, "malformed git protocol URL");
		return -1;
	}
	if ((size_t)snprintf(out, n, "%s '%s'", cmd, path) >= n) {
		git_error_set(GIT_ERROR_NET, "malformed git protocol URL");
		return -1;
	}
	return 0;
}

/* UPLOADPACK_LS / RECEIVEPACK_LS: a channel running cmd on a kept session
 * for this server and identity, or on a new one. */
static int open_stream(stream **out, sub *t, const char *urlstr, const char *cmd)
{
	*out = NULL;
	ps_ssh_target u;
	char line[2200];
	ps_ssh_sess *se = NULL;
	LIBSSH2_CHANNEL *ch = NULL;
	int e;
	if (parse_url(&u, urlstr) < 0) {
		git_error_set(GIT_ERROR_NET, "malformed URL '%s'", urlstr);
		return -1;
	}
	if ((e = command(line, sizeof(line), cmd, u.path)) < 0)
		return e;
	if ((e = ps_ssh_channel_open(&se, &ch, t->owner, &u, line)) < 0)
		return e;
	stream *s = calloc(1, sizeof(*s));
	if (!s) {
		libssh2_channel_free(ch);
		ps_ssh_session_release(se, true);
		git_error_set_oom();
		return -1;
	}
	s->parent.subtransport = &t->parent;
	s->parent.read = stream_read;
	s->parent.write = stream_write;
	s->parent.free = stream_free;
	s->se = se;
	s->ch = ch;
	t->current = s;
	*out = s;
	return 0;
}

static int action(git_smart_subtransport_stream **out, git_smart_subtransport *sub_, const char *urlstr,
                  git_smart_service_t what)
{
	sub *t = (sub *)sub_;
	stream *s = NULL;
	*out = NULL;
	switch (what) {
	case GIT_SERVICE_UPLOADPACK_LS:
	case GIT_SERVICE_RECEIVEPACK_LS: {
		int e = open_stream(&s, t, urlstr,
		                    what == GIT_SERVICE_UPLOADPACK_LS ? "git-upload-pack" : "git-receive-pack");
		if (e < 0)
			return e;
		*out = &s->parent;
		return 0;
	}
	case GIT_SERVICE_UPLOADPACK:
	case GIT_SERVICE_RECEIVEPACK:
		if (t->current) {
			*out = &t->current->parent;
			return 0;
		}
		git_error_set(GIT_ERROR_NET, "must call %s before %s",
		              what == GIT_SERVICE_UPLOADPACK ? "UPLOADPACK_LS" : "RECEIVEPACK_LS",
		              what == GIT_SERVICE_UPLOADPACK ? "UPLOADPACK" : "RECEIVEPACK");
		return -1;
	}
	return -1;
}

static int sub_close(git_smart_subtransport *sub_)
{
	assert(!((sub *)sub_)->current);
	(void)sub_;
	return 0;
}

static void sub_free(git_smart_subtransport *sub_)
{
	free(sub_);
}

static int sub_new(git_smart_subtransport **out, git_transport *owner, void *param)
{
	(void)param;
	*out = NULL;
	sub *t = calloc(1, sizeof(*t));
	if (!t) {
		git_error_set_oom();
		return -1;
	}
	t->owner = owner;
	t->parent.action = action;
	t->parent.close = sub_close;
	t->parent.free = sub_free;
	*out = &t->parent;
	return 0;
}

static int transport_new(git_transport **out, git_remote *owner, void *param)
{
	static git_smart_subtransport_definition def = {sub_new, 0 /* stateful, as git:// */, NULL};
	(void)param;
	return git_transport_smart(out, owner, &def);
}

int ps_ssh_transport_register(void)
{
	static const char *const schemes[] = {"ssh", "ssh+git", "git+ssh"};
	for (size_t i = 0; i < sizeof(schemes) / sizeof(*schemes); i++) {
		int e = git_transport_register(schemes[i], transport_new, NULL);
		if (e < 0 && e != GIT_EEXISTS)
			return e;
	}
	return 0;
}
