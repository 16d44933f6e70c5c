#define _GNU_SOURCE
/* plansyncd.c - keep one replica in sync, unattended.
 *
 * One loop around poll(): the control socket (wake / sync requests), a
 * self-pipe for signals, and a timeout for the next cycle. Signal handlers
 * only set flags. After a failed cycle the next one waits by exponential
 * backoff with jitter (5 s up to 15 min); a local write tries again at
 * once. State changes are logged once ("remote unreachable since ...",
 * "back online ..."), not every failed attempt. A connection's one-line
 * request is read from the same poll() without blocking, so clients that
 * connect and say nothing never hold the loop. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "plansync/daemon.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/log.h"
#include "plansync/replica.h"
#include "plansync/repo_global.h"
#include "plansync/store.h"
#include "plansync/sync.h"
#include "plansync/text.h"

#define MAX_WAITERS 32

static volatile sig_atomic_t got_term, got_hup, got_usr1;
static int sigpipe_w = -1;

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	if (sigpipe_w >= 0) {
		ssize_t n = write(sigpipe_w, "x", 1);
		(void)n;
	}
	errno = saved;
}

#define PROG "plansyncd"

typedef struct daemon_opts {
	const char *dir;
	long interval; /* 0: config sync.interval, else 60 */
	bool foreground, syslog, version;
	int log_level; /* enum ps_log_level */
} daemon_opts;
/* In the order of enum ps_log_level. */
static const char *const log_levels[] = {"error", "warning", "info", "debug", NULL};
static const opt_spec daemon_spec[] = {
    OPT_STRING('C', "dir", daemon_opts, dir, "DIR", "the replica directory (default: $PLANSYNC_DIR, else .)"),
    OPT_INT('i', "interval", daemon_opts, interval, "SECONDS", 1, 86400, 0,
            "seconds between cycles (default: config sync.interval, else 60)"),
    OPT_BOOL('f', "foreground", daemon_opts, foreground, "stay in the foreground and log to stderr (for systemd)"),
    OPT_ENUM('l', "log-level", daemon_opts, log_level, "LEVEL", log_levels, PS_LOG_INFO, "what to log (default info)"),
    OPT_BOOL(0, "syslog", daemon_opts, syslog, "log to syslog instead of stderr"),
    OPT_BOOL(0, "version", daemon_opts, version, "print the version"),
    OPT_END,
};
static const opt_table daemon_table = {daemon_spec, sizeof(daemon_opts)};

static const cmd daemon_cmd = {
    "",
    NULL,
    "Run sync cycles for one replica on a timer, soon after local writes, and on request.",
    "[-C DIR] [--interval SECONDS] [--foreground] [--log-level LEVEL] [--syslog] [--version]",
    &daemon_table,
    0,
    0,
    0,
    "Signals: SIGTERM/SIGINT stop (exit 0), SIGHUP re-reads the configuration, SIGUSR1 syncs now.\n"
    "'plansync sync' asks a running daemon for a cycle; writes by 'plansync' wake it.",
};

/* "plansyncd: message" on stderr; code. */
static int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long config_interval(ps_replica *r, long cli)
{
	if (cli > 0)
		return cli;
	char *v = NULL;
	long iv = 60;
	if (ps_store_meta_get(ps_replica_store(r), "sync.interval", &v) == 0 && !ps_number_parse(v, 1, 86400, &iv)) {
		ps_log(PS_LOG_WARN, "sync.interval \"%s\" is not a number of seconds; every 60 s until it is set again",
		       v);
		iv = 60;
	}
	free(v);
	return iv;
}

static void record_schedule(ps_replica *r, double delay, unsigned failures)
{
	ps_store *s = ps_replica_store(r);
	if (ps_store_begin(s))
		return;
	if (ps_store_meta_set_int(s, "daemon.next_at", (long long)(ps_now_ms() / 1000 + (uint64_t)delay)) ||
	    ps_store_meta_set_int(s, "daemon.failures", failures))
		ps_store_rollback(s);
	else
		ps_store_commit(s);
}

static void reply_all(int *waiters, int *nw, const char *text)
{
	for (int i = 0; i < *nw; i++) {
		size_t len = strlen(text), off = 0;
		while (off < len) {
			ssize_t n = send(waiters[i], text + off, len - off, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		close(waiters[i]);
	}
	*nw = 0;
}

/* Connections that have not yet sent their one-line request. Each is read
 * without blocking from the main poll(), so a client that connects and
 * says nothing costs the loop nothing; after REQUEST_WAIT seconds (or on
 * its newline, end of stream or a full buffer) what it sent is taken as
 * its request. */
#define MAX_PENDING  64
#define REQUEST_WAIT 1.0
typedef struct pending {
	int fd;
	double until;
	size_t got;
	char buf[32];
} pending;

static void reply_blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

/* Act on pending[i]'s request and drop it from the list. */
static void take_request(pending *pend, int *np, int i, int *waiters, int *nw, double *next_at)
{
	pending *q = &pend[i];
	q->buf[q->got] = '\0';
	if (!strncmp(q->buf, "sync", 4) && *nw < MAX_WAITERS) {
		reply_blocking(q->fd);
		waiters[(*nw)++] = q->fd;
		*next_at = now_mono();
	} else {
		if (!strncmp(q->buf, "wake", 4))
			*next_at = now_mono();
		close(q->fd);
	}
	pend[i] = pend[--*np];
}

/* Read what pending[i] has sent; take its request when it is whole. */
static void read_pending(pending *pend, int *np, int i, int *waiters, int *nw, double *next_at)
{
	pending *q = &pend[i];
	ssize_t k = read(q->fd, q->buf + q->got, sizeof(q->buf) - 1 - q->got);
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (k > 0)
		q->got += (size_t)k;
	if (k <= 0 || memchr(q->buf, '\n', q->got) || q->got + 1 >= sizeof(q->buf))
		take_request(pend, np, i, waiters, nw, next_at);
}

/* Accept every waiting connection, unblocking; past MAX_PENDING the
 * oldest silent one is taken as it stands. */
static void accept_all(int lfd, pending *pend, int *np, int *waiters, int *nw, double *next_at)
{
	int c;
	while ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		if (*np == MAX_PENDING)
			take_request(pend, np, 0, waiters, nw, next_at);
		pend[(*np)++] = (pending){c, now_mono() + REQUEST_WAIT, 0, {0}};
	}
}

static int daemonize(int *ready_w)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		char msg[600];
		ssize_t n = read(p[0], msg, sizeof(msg) - 1);
		if (n > 2) { /* the child's error: 'E', its exit status, the text */
			msg[n] = '\0';
			fprintf(stderr, "plansyncd: %s\n", msg + 2);
			_exit(msg[1] ? (unsigned char)msg[1] : EXIT_FAIL);
		}
		_exit(n == 1 ? 0 : EXIT_FAIL);
	}
	close(p[0]);
	setsid();
	*ready_w = p[1];
	return 0;
}

static void ready(int *ready_w, int code, const char *err)
{
	if (*ready_w < 0)
		return;
	char msg[600];
	int n = snprintf(msg, sizeof(msg), "%c%c%s", err ? 'E' : 'K', err ? code : 0, err ? err : "");
	ssize_t k = write(*ready_w, msg, (size_t)(err ? (n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1) : 1));
	(void)k;
	close(*ready_w);
	*ready_w = -1;
	if (!err) {
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
}

/* A refusal before the loop: said once, by the parent that waits on
 * ready_w when there is one (it prints it and exits with code), else
 * here. Returns code. */
static int refuse(int *ready_w, int code, const char *err)
{
	if (*ready_w >= 0)
		ready(ready_w, code, err);
	else
		fprintf(stderr, PROG ": %s\n", err);
	return code;
}

int main(int argc, char **argv)
{
	daemon_opts o;
	args a;
	int rc = args_parse(&a, &o, PROG, &daemon_cmd, argc - 1, argv + 1);
	if (rc)
		return rc;
	if (a.help) {
		cmd_help(PROG, &daemon_cmd, stdout);
		return 0;
	}
	if (o.version) {
		printf(PROG " %s\n", PLANSYNC_VERSION);
		return 0;
	}
	const char *dir = replica_dir(PROG, o.dir);
	if (!dir)
		return EXIT_USAGE;
	long cli_interval = o.interval;
	ps_log_set_level((enum ps_log_level)o.log_level);
	int foreground = o.foreground;
	ps_log_set_style(o.syslog || !foreground ? PS_LOG_SYSLOG : PS_LOG_JOURNAL);
	/* Into the background before anything is opened: SQLite's locks are
	 * the process's, so a database opened by the parent that exits would
	 * be written by the child without them (a CLI write beside it lost).
	 * The parent waits for the child's first word and exits with it. */
	int ready_w = -1;
	if (!foreground && daemonize(&ready_w) != 0)
		return die(EXIT_FAIL, "cannot start in the background: %s", strerror(errno));
	if (ps_repo_global_init())
		return refuse(&ready_w, EXIT_FAIL, ps_error_last());
	ps_replica *r = NULL;
	if ((rc = ps_replica_open(&r, dir)))
		return refuse(&ready_w, exit_code(rc), ps_error_last());
	pid_t holder;
	int lockfd = ps_daemon_lock(dir, &holder);
	if (lockfd < 0) {
		refuse(&ready_w, EXIT_FAIL, ps_error_last());
		ps_replica_free(r);
		return EXIT_FAIL;
	}
	int lfd = ps_daemon_listen(dir);
	int sp[2];
	if (lfd < 0 || pipe2(sp, O_CLOEXEC | O_NONBLOCK) != 0) {
		refuse(&ready_w, EXIT_FAIL, lfd < 0 ? ps_error_last() : strerror(errno));
		ps_replica_free(r);
		return EXIT_FAIL;
	}
	sigpipe_w = sp[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ps_repo_set_cancel(&got_term);
	ready(&ready_w, 0, NULL);

	long interval = config_interval(r, cli_interval);
	ps_log(PS_LOG_INFO, "started for replica %s of %s in %s, every %ld s (pid %ld)", ps_replica_id(r),
	       ps_replica_office(r), dir, interval, (long)getpid());
	double next_at = now_mono();
	unsigned failures = 0;
	time_t offline_since = 0;
	int waiters[MAX_WAITERS], nw = 0, np = 0;
	pending pend[MAX_PENDING];
	unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			ps_replica *nr = NULL;
			if (ps_replica_open(&nr, dir) == 0) {
				ps_replica_free(r);
				r = nr;
			}
			long ni = config_interval(r, cli_interval);
			ps_log(PS_LOG_INFO, "configuration reloaded: every %ld s", ni);
			if (ni < interval)
				next_at = now_mono();
			interval = ni;
		}
		if (got_usr1) {
			got_usr1 = 0;
			next_at = now_mono();
		}
		for (int i = np - 1; i >= 0; i--)
			if (pend[i].until <= now_mono())
				take_request(pend, &np, i, waiters, &nw, &next_at);
		double wait = next_at - now_mono();
		if (wait > 0) {
			struct pollfd p[2 + MAX_PENDING] = {{lfd, POLLIN, 0}, {sp[0], POLLIN, 0}};
			for (int i = 0; i < np; i++) {
				p[2 + i] = (struct pollfd){pend[i].fd, POLLIN, 0};
				if (pend[i].until - now_mono() < wait)
					wait = pend[i].until - now_mono();
			}
			int ms = wait > 3600 ? 3600000 : wait < 0 ? 0 : (int)(wait * 1000) + 1;
			int npoll = np;
			int e = poll(p, (nfds_t)(2 + npoll), ms);
			if (e < 0 && errno != EINTR)
				ps_log(PS_LOG_ERROR, "poll: %s", strerror(errno));
			if (p[1].revents & POLLIN) {
				char buf[64];
				while (read(sp[0], buf, sizeof(buf)) > 0)
					;
			}
			/* from the last: take_request moves the last entry into i */
			for (int i = npoll - 1; i >= 0; i--)
				if (p[2 + i].revents)
					read_pending(pend, &np, i, waiters, &nw, &next_at);
			if (p[0].revents & POLLIN)
				accept_all(lfd, pend, &np, waiters, &nw, &next_at);
			continue;
		}
		ps_sync_result res;
		rc = ps_sync_run(r, &res, NULL, NULL);
		/* A lost compare-and-swap: another writer moved first; the next
		 * cycle sees its work. Once more at once, and never reported as
		 * a conflict that needs this office (the reply's code is exit 6's). */
		if (rc == PS_ECONFLICT)
			rc = ps_sync_run(r, &res, NULL, NULL);
		if (rc == PS_ECONFLICT)
			rc = PS_ERROR;
		cJSON *j = ps_sync_result_json(&res, rc);
		char *txt = j ? ps_json_canonical(j) : NULL;
		cJSON_Delete(j);
		reply_all(waiters, &nw, txt ? txt : "{}\n");
		free(txt);
		if (got_term)
			break;
		/* A quiet cycle: time to give back what a large export freed. */
		if (!res.exported && !res.imported)
			ps_store_trim(ps_replica_store(r));
		double delay;
		if (rc == 0) {
			if (offline_since)
				ps_log(PS_LOG_INFO, "back online after %ld s; %ld of this replica's changes delivered",
				       (long)(time(NULL) - offline_since), res.delivered);
			offline_since = 0;
			failures = 0;
			delay = (double)interval;
			if (res.exported || res.imported || res.problems)
				ps_log(PS_LOG_INFO, "%s (export %ld ms, push %ld ms, fetch %ld ms, import %ld ms)",
				       res.message, res.export_ms, res.push_ms, res.fetch_ms, res.import_ms);
			else
				ps_log(PS_LOG_DEBUG, "%s (export %ld ms, push %ld ms, fetch %ld ms, import %ld ms)",
				       res.message, res.export_ms, res.push_ms, res.fetch_ms, res.import_ms);
		} else {
			failures++;
			if (!offline_since) {
				offline_since = time(NULL);
				char when[32];
				ps_hlc_time(PS_HLC_MAKE(ps_now_ms(), 0), when);
				ps_log(PS_LOG_WARN, "%s since %s UTC: %s",
				       rc == PS_EOFFLINE    ? "remote unreachable"
				       : rc == PS_EREJECTED ? "the remote refuses this replica's pushes"
				       : rc == PS_EAUTH     ? "the remote refuses this replica's key or password"
				                            : "sync failing",
				       when, res.message);
			} else {
				ps_log(PS_LOG_DEBUG, "still failing (%u): %s", failures, res.message);
			}
			delay = ps_backoff_delay(failures, (double)(rand_r(&seed) % 1000) / 1000.0);
		}
		next_at = now_mono() + delay;
		/* the next cycle is far off: hold no idle ssh:// connection till then */
		if (delay >= 600)
			ps_repo_net_idle(0);
		record_schedule(r, delay, failures);
	}
	ps_log(PS_LOG_INFO, "stopping");
	for (int i = 0; i < np; i++)
		close(pend[i].fd);
	reply_all(waiters, &nw, "{\n  \"code\": -1,\n  \"message\": \"the daemon is stopping\",\n  \"ok\": false\n}\n");
	close(lfd);
	char sock[4200];
	snprintf(sock, sizeof(sock), "%s/plansyncd.sock", dir);
	unlink(sock);
	ps_replica_free(r);
	close(lockfd);
	return 0;
}
