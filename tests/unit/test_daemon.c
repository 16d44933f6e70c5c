/* test_daemon.c - the daemon's lock, its control socket as a client sees
 * it (request and reply framing, the client's codes: a reply, no daemon,
 * a daemon too slow), a socket path too long for sun_path, and the backoff
 * schedule. A thread plays the daemon; nothing here forks. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util.h"
#include "plansync/daemon.h"
#include "plansync/error.h"

/* One connection of a fake daemon: what it read, what it answers. */
typedef struct fake {
	int lfd;
	const char *reply; /* NULL: close without a reply */
	int hold_s;        /* sleep before answering */
	char got[64];
} fake;

static void *serve_one(void *arg)
{
	fake *f = arg;
	struct pollfd p = {f->lfd, POLLIN, 0};
	if (poll(&p, 1, 10000) != 1)
		return NULL;
	int c = accept(f->lfd, NULL, NULL);
	if (c < 0)
		return NULL;
	size_t n = 0;
	while (n < sizeof(f->got) - 1) {
		ssize_t k = read(c, f->got + n, sizeof(f->got) - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
		if (memchr(f->got, '\n', n))
			break;
	}
	f->got[n] = '\0';
	if (f->hold_s)
		sleep((unsigned)f->hold_s);
	if (f->reply) {
		ssize_t w = send(c, f->reply, strlen(f->reply), MSG_NOSIGNAL); /* the client may be gone */
		(void)w;
	}
	close(c);
	return NULL;
}

static void lock_and_running(void **st)
{
	char *dir = tmpdir_new();
	pid_t holder = 123;
	assert_int_equal(ps_daemon_running(dir), 0);
	int fd = ps_daemon_lock(dir, &holder);
	assert_true(fd >= 0);
	assert_int_equal(holder, 0);
	assert_int_equal(ps_daemon_running(dir), getpid());
	/* a second daemon (flock is per open file: this process counts) */
	assert_int_equal(ps_daemon_lock(dir, &holder), PS_EEXISTS);
	assert_int_equal(holder, getpid());
	assert_non_null(strstr(ps_error_last(), "already running"));
	assert_non_null(strstr(ps_error_last(), "kill -TERM"));
	close(fd);
	/* the lock goes with the holder; the stale pid in the file means nothing */
	assert_int_equal(ps_daemon_running(dir), 0);
	fd = ps_daemon_lock(dir, &holder);
	assert_true(fd >= 0);
	close(fd);
	/* a directory that cannot hold the lock file */
	char missing[700];
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	assert_int_equal(ps_daemon_lock(missing, &holder), PS_ERROR);
	assert_non_null(strstr(ps_error_last(), "cannot open"));
	tmpdir_remove(dir);
}

/* Run one request against a fake daemon in dir; the client's code. */
static int ask(const char *dir, fake *f, int timeout_s, char **reply)
{
	f->lfd = ps_daemon_listen(dir);
	assert_true(f->lfd >= 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, serve_one, f), 0);
	int rc = ps_daemon_request_sync(dir, timeout_s, reply);
	pthread_join(t, NULL);
	close(f->lfd);
	return rc;
}

static void request_sync(void **st)
{
	char *dir = tmpdir_new();
	char *reply = (char *)"x";
	pid_t holder;
	/* no daemon: the caller runs the cycle itself */
	assert_int_equal(ps_daemon_request_sync(dir, 5, &reply), PS_ENOTFOUND);
	assert_null(reply);
	int lock = ps_daemon_lock(dir, &holder);
	assert_true(lock >= 0);
	/* a lock but no socket yet */
	assert_int_equal(ps_daemon_request_sync(dir, 5, &reply), PS_ENOTFOUND);
	/* one request, one JSON reply, then EOF */
	const char *json = "{\"ok\":true,\"code\":0,\"exported\":2}";
	fake f = {.reply = json};
	assert_int_equal(ask(dir, &f, 5, &reply), 0);
	assert_string_equal(f.got, "sync\n");
	assert_string_equal(reply, json);
	free(reply);
	/* a reply longer than one read comes whole */
	char *big = malloc(20001);
	memset(big, 'a', 20000);
	big[0] = '{', big[19999] = '}', big[20000] = '\0';
	fake g = {.reply = big};
	assert_int_equal(ask(dir, &g, 5, &reply), 0);
	assert_int_equal(strlen(reply), 20000);
	assert_string_equal(reply, big);
	free(reply);
	free(big);
	/* the daemon closed without a reply: as if none ran */
	fake h = {.reply = NULL};
	assert_int_equal(ask(dir, &h, 5, &reply), PS_ENOTFOUND);
	assert_null(reply);
	/* too slow */
	fake s = {.reply = "{}", .hold_s = 2};
	assert_int_equal(ask(dir, &s, 1, &reply), PS_EBUSY);
	assert_null(reply);
	assert_non_null(strstr(ps_error_last(), "did not answer within 1 s"));
	close(lock);
	tmpdir_remove(dir);
}

static void wake_and_long_path(void **st)
{
	char *base = tmpdir_new();
	char dir[700];
	/* longer than sun_path (108): reached through /proc/self/fd */
	snprintf(dir, sizeof(dir), "%s/%0120d", base, 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	pid_t holder;
	int lock = ps_daemon_lock(dir, &holder);
	assert_true(lock >= 0);
	fake f = {.lfd = ps_daemon_listen(dir)};
	assert_true(f.lfd >= 0);
	char sock[800];
	struct stat sb;
	snprintf(sock, sizeof(sock), "%s/plansyncd.sock", dir);
	assert_int_equal(stat(sock, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, serve_one, &f), 0);
	ps_daemon_wake(dir);
	pthread_join(t, NULL);
	assert_string_equal(f.got, "wake\n");
	/* listening again replaces the stale socket */
	close(f.lfd);
	f.lfd = ps_daemon_listen(dir);
	assert_true(f.lfd >= 0);
	close(f.lfd);
	close(lock);
	/* no daemon: wake is a no-op */
	ps_daemon_wake(dir);
	tmpdir_remove(base);
}

static void backoff(void **st)
{
	assert_float_equal(ps_backoff_delay(1, 0.5), 5.0, 1e-9);
	assert_float_equal(ps_backoff_delay(1, 0.0), 4.0, 1e-9);
	assert_float_equal(ps_backoff_delay(2, 0.5), 10.0, 1e-9);
	assert_float_equal(ps_backoff_delay(3, 0.5), 20.0, 1e-9);
	assert_float_equal(ps_backoff_delay(8, 0.5), 640.0, 1e-9);
	assert_float_equal(ps_backoff_delay(9, 0.5), 900.0, 1e-9);
	assert_float_equal(ps_backoff_delay(1000, 0.0), 720.0, 1e-9);
	assert_float_equal(ps_backoff_delay(1000, 0.999), 900.0 * (0.8 + 0.4 * 0.999), 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lock_and_running),
	    cmocka_unit_test(request_sync),
	    cmocka_unit_test(wake_and_long_path),
	    cmocka_unit_test(backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
