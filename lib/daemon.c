/* daemon.c - the daemon's lock and control socket, and the backoff rule.
 *
 * Exports ps_daemon_* and ps_backoff_delay (the protocol is in daemon.h).
 * Shared by plansyncd (which holds the lock and listens) and plansync
 * (which asks whether a daemon runs, wakes it after a write, and asks it for
 * a sync). Socket paths longer than sun_path are reached through the
 * directory's descriptor (/proc/self/fd/N/plansyncd.sock); never changes
 * the process's working directory. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "plansync/daemon.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/text.h"

#define LOCK_NAME "plansyncd.lock"
#define SOCK_NAME "plansyncd.sock"

static void join(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

/* The pid in the lock file at fd ("%ld\n", as ps_daemon_lock writes it),
 * or 0 when it holds none yet. */
static pid_t lock_pid(int fd)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	long pid = 0;
	return ps_number_parse(buf, 1, 0x7fffffffL, &pid) ? (pid_t)pid : 0;
}

int ps_daemon_lock(const char *dir, pid_t *holder)
{
	char path[4200];
	*holder = 0;
	join(path, sizeof(path), dir, LOCK_NAME);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return ps_error_set(PS_ERROR, "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		*holder = lock_pid(fd);
		close(fd);
		return ps_error_set(PS_EEXISTS,
		                    "already running for %s (pid %ld); stop that one first (kill -TERM %ld)", dir,
		                    (long)*holder, (long)*holder);
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		close(fd);
		return ps_error_set(PS_ERROR, "cannot write %s: %s", path, strerror(errno));
	}
	return fd;
}

pid_t ps_daemon_running(const char *dir)
{
	char path[4200];
	join(path, sizeof(path), dir, LOCK_NAME);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	pid_t pid = 0;
	if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
		pid = lock_pid(fd);
		if (pid <= 0)
			pid = 1; /* held, pid not yet written */
	}
	close(fd);
	return pid;
}

/* Fill addr for dir's socket. A path too long for sun_path goes through
 * an open descriptor of dir (Linux resolves /proc/self/fd/N to it), so no
 * chdir is needed: *dfd >= 0 then, for the caller to close after bind or
 * connect. */
static int sock_addr(const char *dir, struct sockaddr_un *addr, int *dfd)
{
	char path[4200];
	*dfd = -1;
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	join(path, sizeof(path), dir, SOCK_NAME);
	if (strlen(path) < sizeof(addr->sun_path)) {
		memcpy(addr->sun_path, path, strlen(path) + 1);
		return 0;
	}
	*dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dfd < 0)
		return ps_error_set(PS_ERROR, "cannot open %s: %s", dir, strerror(errno));
	snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/%s", *dfd, SOCK_NAME);
	return 0;
}

static void close_dfd(int dfd)
{
	if (dfd >= 0)
		close(dfd);
}

int ps_daemon_listen(const char *dir)
{
	struct sockaddr_un addr;
	int dfd;
	int rc = sock_addr(dir, &addr, &dfd);
	if (rc)
		return rc;
	unlink(addr.sun_path); /* a stale socket of a dead daemon; we hold the lock */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 16) != 0) {
		rc = ps_error_set(PS_ERROR, "cannot listen on %s/%s: %s", dir, SOCK_NAME, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = rc;
	}
	close_dfd(dfd);
	return fd;
}

static int connect_to(const char *dir)
{
	struct sockaddr_un addr;
	int dfd;
	if (sock_addr(dir, &addr, &dfd))
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(fd);
		fd = -1;
	}
	close_dfd(dfd);
	return fd;
}

void ps_daemon_wake(const char *dir)
{
	if (!ps_daemon_running(dir))
		return;
	int fd = connect_to(dir);
	if (fd < 0)
		return;
	ssize_t n = send(fd, "wake\n", 5, MSG_NOSIGNAL);
	(void)n;
	close(fd);
}

int ps_daemon_request_sync(const char *dir, int timeout_s, char **reply)
{
	*reply = NULL;
	if (!ps_daemon_running(dir))
		return PS_ENOTFOUND;
	int fd = connect_to(dir);
	if (fd < 0)
		return PS_ENOTFOUND;
	if (send(fd, "sync\n", 5, MSG_NOSIGNAL) != 5) {
		close(fd);
		return PS_ENOTFOUND;
	}
	ps_buf b = PS_BUF_INIT;
	time_t end = time(NULL) + timeout_s;
	int rc = 0;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int left = (int)(end - time(NULL));
		if (left <= 0) {
			rc = ps_error_set(PS_EBUSY, "the daemon did not answer within %d s; see its log", timeout_s);
			break;
		}
		int e = poll(&p, 1, left * 1000);
		if (e < 0 && errno == EINTR)
			continue;
		if (e <= 0)
			continue;
		char tmp[4096];
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		ps_buf_put(&b, tmp, (size_t)n);
	}
	close(fd);
	if (rc) {
		ps_buf_release(&b);
		return rc;
	}
	if (b.len == 0) {
		ps_buf_release(&b);
		return PS_ENOTFOUND; /* the daemon went away: run the cycle ourselves */
	}
	*reply = ps_buf_detach(&b);
	return *reply ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
}

double ps_backoff_delay(unsigned failures, double r01)
{
	double d = 5.0 * pow(2.0, failures > 8 ? 8 : (double)failures - 1);
	if (d > 900.0)
		d = 900.0;
	return d * (0.8 + 0.4 * r01);
}
