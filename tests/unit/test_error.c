#define _GNU_SOURCE /* posix_openpt, cfmakeraw: for the progress test */
/* test_error.c - error codes keep their meaning: the last message per
 * thread, one exit status per library code (cli/output.c), and the exit
 * statuses the README promises. */
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h" /* before cmocka, whose fail() and fail_msg() are macros */
#include "plansync/error.h"
#include "util.h"

static void message_is_kept_per_thread(void **st)
{
	ps_error_clear();
	assert_string_equal(ps_error_last(), "unknown error");
	assert_int_equal(ps_error_set(PS_EINVALID, "bad %s %d", "thing", 7), PS_EINVALID);
	assert_string_equal(ps_error_last(), "bad thing 7");
	ps_error_clear();
	assert_string_equal(ps_error_last(), "unknown error");
}

static void *other_thread(void *arg)
{
	ps_error_set(PS_ERROR, "from the other thread");
	*(int *)arg = strcmp(ps_error_last(), "from the other thread") == 0;
	return NULL;
}

static void threads_do_not_share(void **st)
{
	ps_error_set(PS_ENOTOWNER, "mine");
	pthread_t t;
	int seen = 0;
	assert_int_equal(pthread_create(&t, NULL, other_thread, &seen), 0);
	pthread_join(t, NULL);
	assert_true(seen);
	assert_string_equal(ps_error_last(), "mine");
}

/* The README's table, code by code. */
static void exit_status_per_code(void **st)
{
	static const struct {
		int rc, status;
	} want[] = {
	    {PS_OK, 0},         {PS_ERROR, 1},         {PS_ENOMEM, 1},
	    {PS_EBUSY, 1},      {PS_ENOREMOTE, 2}, /* sync with no remote: the command that sets one */
	    {PS_ENOREPLICA, 2}, {PS_EINVALID, 3},      {PS_ENOTFOUND, 3},
	    {PS_EEXISTS, 3},    {PS_ENOREMOTEPATH, 3}, {PS_ENOTOWNER, 4},
	    {PS_EOFFLINE, 5},   {PS_EAUTH, 5},         {PS_ECONFLICT, 6},
	    {PS_EREJECTED, 7},  {PS_EREPAIR, 8},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (exit_code(want[i].rc) != want[i].status)
			print_message("code %d: exit %d, want %d\n", want[i].rc, exit_code(want[i].rc), want[i].status);
		assert_int_equal(exit_code(want[i].rc), want[i].status);
	}
	/* an unknown code is a failure, never 0 */
	assert_int_equal(exit_code(-999), EXIT_FAIL);
}

/* No two codes share a value, and the named ones run -1..-15 without gaps
 * (a new one is added at the end: the numbers travel in the daemon's reply). */
static void codes_are_distinct(void **st)
{
	static const int codes[] = {PS_ERROR,     PS_ENOTFOUND, PS_ENOTOWNER, PS_ECONFLICT,  PS_EOFFLINE,
	                            PS_EINVALID,  PS_EBUSY,     PS_EEXISTS,   PS_EREJECTED,  PS_ENOMEM,
	                            PS_ENOREMOTE, PS_EREPAIR,   PS_EAUTH,     PS_ENOREPLICA, PS_ENOREMOTEPATH};
	int seen[16] = {0};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_true(codes[i] < 0 && codes[i] >= -15);
		assert_int_equal(seen[-codes[i]]++, 0);
	}
}

static void fail_prints_and_maps(void **st)
{
	char path[] = "/tmp/plansync-test-err-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	FILE *saved = stderr;
	FILE *f = fdopen(fd, "w+");
	assert_non_null(f);
	stderr = f;
	ps_error_set(PS_EOFFLINE, "the remote is down; changes stay queued");
	int status = (fail)(PS_EOFFLINE); /* ours, not cmocka's macro */
	fflush(f);
	stderr = saved;
	assert_int_equal(status, EXIT_OFFLINE);
	char buf[200] = "";
	rewind(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "plansync: the remote is down; changes stay queued\n");
	/* a repair need passed on as a plain failure still exits 8; other
	 * codes behind PS_ERROR do not change it */
	stderr = f;
	ps_error_set(PS_EREPAIR, "plansync.db lacks part of its schema");
	status = (fail)(PS_ERROR);
	ps_error_set(PS_EINVALID, "bad");
	int other = (fail)(PS_ERROR);
	fflush(f);
	stderr = saved;
	assert_int_equal(status, EXIT_REPAIR);
	assert_int_equal(other, EXIT_FAIL);
	assert_int_equal(ps_error_last_code(), PS_EINVALID);
	ps_error_clear();
	assert_int_equal(ps_error_last_code(), 0);
	fclose(f);
	unlink(path);
}

/* On a terminal the progress line is redrawn a few times a second at
 * most, whatever the rate of calls: a burst of a thousand calls of one
 * stage draws its first line, maybe one more, and its last. */
static void progress_redraws_rarely(void **st)
{
	(void)st;
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	assert_true(s >= 0);
	struct termios tio; /* raw: no \n -> \r\n on the way */
	assert_int_equal(tcgetattr(s, &tio), 0);
	cfmakeraw(&tio);
	assert_int_equal(tcsetattr(s, TCSANOW, &tio), 0);
	int saved = dup(STDERR_FILENO);
	assert_int_equal(dup2(s, STDERR_FILENO), STDERR_FILENO);
	for (long i = 1; i <= 1000; i++)
		progress_tty(NULL, "objects copied", i, 1000);
	for (long i = 1; i <= 1000; i++)
		progress_tty(NULL, "changes applied", i, 0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(s);
	char buf[8192];
	size_t n = 0;
	struct pollfd pf = {m, POLLIN, 0};
	while (n < sizeof(buf) - 1 && poll(&pf, 1, 200) == 1) {
		ssize_t k = read(m, buf + n, sizeof(buf) - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(m);
	assert_true(n > 0);
	buf[n] = '\0';
	int draws = 0;
	for (char *p = buf; (p = strchr(p, '\r')); p++)
		draws++;
	/* each stage: its first line, the last of the first (done == total),
	 * at most a few in between */
	assert_true(draws >= 3);
	assert_true(draws <= 8);
	assert_non_null(strstr(buf, "objects copied: 1000/1000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(message_is_kept_per_thread), cmocka_unit_test(threads_do_not_share),
	    cmocka_unit_test(exit_status_per_code),       cmocka_unit_test(codes_are_distinct),
	    cmocka_unit_test(fail_prints_and_maps),       cmocka_unit_test(progress_redraws_rarely),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
