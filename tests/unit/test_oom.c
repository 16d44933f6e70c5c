/* test_oom.c - out of memory at every allocation of a write and an import.
 *
 * As SQLite's fault tests do: for N = 1, 2, 3, ... the Nth allocation fails
 * (in "persistent" mode every later one too) while one operation runs, until
 * the operation runs without reaching N. Each failing N must end in a clean
 * error code (PS_ENOMEM or PS_ERROR, or success with the same state), the
 * replica reopened with faults off must pass ps_check, the operation must
 * then succeed, and the state must equal a fault-free run's. The operations:
 * a progress write on a small replica, and the import of a small branch a
 * second replica pushed to a bare repository on disk (already fetched).
 *
 * The allocators are hooked: SQLite's (SQLITE_CONFIG_MALLOC around its
 * default methods), cJSON's (cJSON_InitHooks), ours, through
 * -Wl,--wrap=malloc,... so calls in libplansync.a reach __wrap_malloc below
 * (__real_malloc is libc's, or ASan's under the sanitizers), and libgit2's
 * (GIT_OPT_SET_ALLOCATOR), failed only with PLANSYNC_OOM_GIT=1 because
 * libgit2 1.5 crashes on some of its own (see g_oom). Leaks are
 * LeakSanitizer's to find, at the end of each loop when it is linked in.
 *
 * The default suite tries every third N (about 1,800 runs, some 15 seconds
 * in a release build; every sixth under the sanitizers);
 * PLANSYNC_OOM_STEP=1 tries every N. PLANSYNC_OOM_FULL=1
 * adds a whole sync cycle (export, fetch over the path remote, import) as a
 * third operation: some 7,000 allocations a run, an hour or more at every N
 * (use a step), and the shared remote grows with each run's pushed branch.
 * Never exercises the network. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include <git2.h>
#include <git2/sys/alloc.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/integrity.h"
#include "plansync/log.h"
#include "plansync/ops.h"
#include "repo.h"
#include "plansync/sync.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAK_CHECK() __lsan_do_recoverable_leak_check()
#else
#define LEAK_CHECK() 0
#endif

/* ---- the fault counter ------------------------------------------------ */

static long fault_at;    /* 0: off; else the allocation that fails */
static long fault_count; /* allocations since armed */
static int fault_persistent;
static int fault_hit;

/* A breakpoint for a debugger: gdb -ex 'break fault_trap' with PLANSYNC_OOM_FROM=N. */
__attribute__((noinline)) static void fault_trap(void)
{
	__asm__ volatile("");
}

static int fault_fail(void)
{
	if (!fault_at)
		return 0;
	long n = __atomic_add_fetch(&fault_count, 1, __ATOMIC_RELAXED);
	if (n == fault_at || (fault_persistent && n > fault_at)) {
		if (!fault_hit)
			fault_trap();
		fault_hit = 1;
		return 1;
	}
	return 0;
}

static void fault_arm(long n, int persistent)
{
	fault_count = 0;
	fault_hit = 0;
	fault_persistent = persistent;
	fault_at = n;
}

static void fault_off(void)
{
	fault_at = 0;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n)
{
	return fault_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fault_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fault_fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fault_fail() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fault_fail() ? NULL : __real_strndup(s, n);
}

/* SQLite: its default methods, with malloc and realloc counted. */
static sqlite3_mem_methods sq_default;

static void *sq_malloc(int n)
{
	return fault_fail() ? NULL : sq_default.xMalloc(n);
}

static void *sq_realloc(void *p, int n)
{
	return fault_fail() ? NULL : sq_default.xRealloc(p, n);
}

/* cJSON. */
static void *cj_malloc(size_t n)
{
	return fault_fail() ? NULL : __real_malloc(n);
}

static void cj_free(void *p)
{
	free(p);
}

/* libgit2: each failure sets its out-of-memory error as its own allocator
 * does. libgit2 1.5 itself crashes when some of its allocations fail (in
 * git_repository_open_bare its cleanup clears an object cache never set up;
 * parsing a config file), so its allocations are failed only with
 * PLANSYNC_OOM_GIT=1, to look for ours among its crashes; otherwise they
 * are passed through uncounted. */
static int git_faults;

static void *g_oom(void)
{
	git_error_set_oom();
	return NULL;
}

static int g_fail(void)
{
	return git_faults && fault_fail();
}

static void *g_malloc(size_t n, const char *file, int line)
{
	return g_fail() ? g_oom() : __real_malloc(n);
}

static void *g_calloc(size_t n, size_t size, const char *file, int line)
{
	return g_fail() ? g_oom() : __real_calloc(n, size);
}

static char *g_strdup(const char *s, const char *file, int line)
{
	return g_fail() ? g_oom() : __real_strdup(s);
}

static char *g_strndup(const char *s, size_t n, const char *file, int line)
{
	return g_fail() ? g_oom() : __real_strndup(s, n);
}

static char *g_substrdup(const char *s, size_t n, const char *file, int line)
{
	if (n == SIZE_MAX || g_fail())
		return g_oom();
	char *p = __real_malloc(n + 1);
	if (!p)
		return g_oom();
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static void *g_realloc(void *p, size_t n, const char *file, int line)
{
	return g_fail() ? g_oom() : __real_realloc(p, n);
}

static void *g_reallocarray(void *p, size_t n, size_t size, const char *file, int line)
{
	if (size && n > SIZE_MAX / size)
		return g_oom();
	return g_realloc(p, n * size, file, line);
}

static void *g_mallocarray(size_t n, size_t size, const char *file, int line)
{
	return g_reallocarray(NULL, n, size, file, line);
}

static void g_free(void *p)
{
	free(p);
}

static void hooks_install(void)
{
	assert_int_equal(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sq_default), SQLITE_OK);
	sqlite3_mem_methods m = sq_default;
	m.xMalloc = sq_malloc;
	m.xRealloc = sq_realloc;
	assert_int_equal(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
	cJSON_Hooks cj = {cj_malloc, cj_free};
	cJSON_InitHooks(&cj);
	assert_int_equal(ps_repo_global_init(), 0);
	static git_allocator ga = {g_malloc,  g_calloc,       g_strdup,      g_strndup, g_substrdup,
	                           g_realloc, g_reallocarray, g_mallocarray, g_free};
	assert_int_equal(git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &ga), 0);
}

/* ---- the replicas ----------------------------------------------------- */

static char *root;   /* the temporary directory */
static char *remote; /* root/remote.git */
/* PLANSYNC_OOM_STEP; the default keeps the suite short (every sixth N under
 * the sanitizers, each run several times slower there). */
#if defined(__SANITIZE_ADDRESS__)
static long step = 6;
#else
static long step = 3;
#endif
static long oom_from = 1; /* PLANSYNC_OOM_FROM: the first N (to look at one failure) */
static int verbose;       /* PLANSYNC_OOM_VERBOSE: each N on stderr */

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* Copying in the process: a fork per N (system("cp")) is what made the
 * loop slow under the sanitizers. */
static const char *copy_from, *copy_to;

static int copy_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	char dst[1400];
	snprintf(dst, sizeof(dst), "%s%s", copy_to, path + strlen(copy_from));
	if (type == FTW_D)
		return mkdir(dst, sb->st_mode & 07777) == 0 ? 0 : -1;
	if (type != FTW_F)
		return -1;
	int in = open(path, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_EXCL, sb->st_mode & 07777);
	char buf[65536];
	ssize_t n = 0;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	int ok = in >= 0 && out >= 0 && n == 0;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ok ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

/* A fresh copy of the template replica root/tpl at root/work. */
static ps_replica *work_copy(const char *tpl)
{
	char from[700], to[700];
	snprintf(from, sizeof(from), "%s/%s", root, tpl);
	snprintf(to, sizeof(to), "%s/work", root);
	if (access(to, F_OK) == 0)
		assert_int_equal(nftw(to, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	copy_from = from;
	copy_to = to;
	assert_int_equal(nftw(from, copy_one, 16, FTW_PHYS), 0);
	ps_replica *r = NULL;
	assert_int_equal(ps_replica_open(&r, to), 0);
	return r;
}

static int no_bad(void *ctx, const char *branch, const char *hex, const char *reason)
{
	return 0;
}

static void sync_ok(ps_replica *r)
{
	ps_sync_result res;
	int rc = ps_sync_run(r, &res, NULL, NULL);
	if (rc)
		fail_msg("sync: %d %s", rc, ps_error_last());
}

/* ---- the operations under test ---------------------------------------- */

typedef int (*op_fn)(ps_replica *r);

static int op_write(ps_replica *r)
{
	const char *ev[] = {"BC-1/UBND", "QĐ-7"};
	ps_progress_in in = {.status = "on_track",
	                     .percent = "35",
	                     .actual = "9.5",
	                     .note = "Hoàn thành 9/13",
	                     .evidence = ev,
	                     .nevidence = 2};
	char *id = NULL;
	int rc = ps_progress_set(r, "p2-t7", "2021", &in, "báo cáo năm", &id);
	assert_true(rc != 0 || id != NULL);
	free(id);
	return rc;
}

static int op_import(ps_replica *r)
{
	ps_sync_result res;
	memset(&res, 0, sizeof(res));
	return ps_sync_import(r, &res, NULL, NULL);
}

static int op_sync(ps_replica *r)
{
	ps_sync_result res;
	return ps_sync_run(r, &res, NULL, NULL);
}

/* The check 'plansync check' runs: no finding, state equal to a fold. */
static void intact(ps_replica *r, long n, int persistent)
{
	ps_check_opts o = {.repair = false};
	ps_check_result res;
	memset(&res, 0, sizeof(res));
	int rc = ps_check(r, &o, &res);
	if (rc || res.n || !res.state_ok)
		fail_msg("N=%ld%s: check rc %d (%s), %zu finding(s)%s%s, state %s", n, persistent ? " persistent" : "",
		         rc, rc ? ps_error_last() : "", res.n, res.n ? ": " : "", res.n ? res.f[0].what : "",
		         res.state_ok ? "ok" : "differs from a fold");
	ps_check_result_release(&res);
}

/* Run op on a copy of tpl for N = 1, 2, ... until it runs without reaching
 * N; returns the number of Ns tried. want is the fault-free state. */
static long loop(const char *name, const char *tpl, op_fn op, const char *want, int persistent)
{
	char dir[700];
	snprintf(dir, sizeof(dir), "%s/work", root);
	long tried = 0, failed = 0;
	for (long n = oom_from;; n += step) {
		ps_replica *r = work_copy(tpl);
		if (verbose)
			fprintf(stderr, "%s N=%ld%s\n", name, n, persistent ? " persistent" : "");
		ps_error_clear();
		fault_arm(n, persistent);
		int rc = op(r);
		fault_off();
		int hit = fault_hit;
		long count = fault_count;
		ps_replica_free(r);
		tried++;
		if (rc && rc != PS_ENOMEM && rc != PS_ERROR)
			fail_msg("%s N=%ld%s: code %d (%s), expected PS_ENOMEM or PS_ERROR", name, n,
			         persistent ? " persistent" : "", rc, ps_error_last());
		if (rc && !hit)
			fail_msg("%s N=%ld: failed without a fault: %d %s", name, n, rc, ps_error_last());
		if (rc && !ps_error_last()[0])
			fail_msg("%s N=%ld: code %d with no message", name, n, rc);
		failed += rc != 0;
		assert_int_equal(ps_replica_open(&r, dir), 0);
		intact(r, n, persistent);
		if (rc) {
			char first[300];
			snprintf(first, sizeof(first), "%s", ps_error_last());
			int again = op(r);
			if (again)
				fail_msg("%s N=%ld%s: after the fault (%s) the operation fails: %d %s", name, n,
				         persistent ? " persistent" : "", first, again, ps_error_last());
		}
		char *got = replica_dump(r);
		if (strcmp(got, want)) {
			const char *g = got, *w = want;
			while (*g && *g == *w)
				g++, w++;
			while (g > got && g[-1] != '\n')
				g--, w--;
			fail_msg("%s N=%ld%s (rc %d): state differs from a fault-free run at\n%.300s\nexpected\n%.300s",
			         name, n, persistent ? " persistent" : "", rc, g, w);
		}
		free(got);
		ps_replica_free(r);
		if (!hit) {
			printf("%s%s: %ld allocations, %ld runs, %ld failed cleanly\n", name,
			       persistent ? " (persistent)" : "", count, tried, failed);
			break;
		}
	}
	if (LEAK_CHECK())
		fail_msg("%s%s: LeakSanitizer found leaks (above)", name, persistent ? " (persistent)" : "");
	return tried;
}

/* The state after op on a copy of tpl with no fault. */
static char *reference(const char *tpl, op_fn op)
{
	ps_replica *r = work_copy(tpl);
	int rc = op(r);
	if (rc)
		fail_msg("fault-free run: %d %s", rc, ps_error_last());
	char *d = replica_dump(r);
	ps_replica_free(r);
	return d;
}

/* root/write: a province replica with the small plan, no remote.
 * root/import: the province after its district pushed two reports and it
 * fetched them (not yet imported). root/sync: the same before the fetch. */
static int setup(void **st)
{
	root = tmpdir_new();
	char path[700];
	snprintf(path, sizeof(path), "%s/remote.git", root);
	remote = strdup(path);
	git_repository *bare = NULL;
	assert_int_equal(git_repository_init(&bare, remote, 1), 0);
	git_repository_free(bare);
	ps_replica *p = replica_new(root, "write", "tinh", "w", NULL);
	ps_replica_free(p);
	p = replica_new(root, "import", "tinh", "hq", remote);
	trust_root(p);
	sync_ok(p);
	ps_replica *d = replica_new(root, "district", "binh-giang", "pc1", remote);
	trust_enrol(p, d);
	sync_ok(d);
	ps_progress_in a = {.status = "on_track", .percent = "40", .note = "Nhiều dòng\nghi chú"};
	ps_progress_in b = {.status = "done", .actual = "13"};
	assert_int_equal(ps_progress_set(d, "p2-t7", "2021", &a, NULL, NULL), 0);
	assert_int_equal(ps_progress_set(d, "p1-t1", "2021-q1", &b, NULL, NULL), 0);
	sync_ok(d);
	ps_replica_free(d);
	ps_replica_free(p);
	sh("cp -a '%s/import' '%s/sync'", root, root);
	char repo_path[700];
	snprintf(repo_path, sizeof(repo_path), "%s/import/repo.git", root);
	git_repository *repo = NULL;
	assert_int_equal(ps_repo_open(&repo, repo_path), 0);
	assert_int_equal(ps_repo_fetch(repo, NULL, false, no_bad, NULL, NULL, NULL), 0);
	git_repository_free(repo);
	return 0;
}

static int teardown(void **st)
{
	tmpdir_remove(root);
	free(remote);
	return 0;
}

static void run(const char *name, const char *tpl, op_fn op)
{
	char *want = reference(tpl, op);
	long a = loop(name, tpl, op, want, 0);
	long b = loop(name, tpl, op, want, 1);
	assert_true(a > 1 && b > 1);
	free(want);
}

static void oom_progress_write(void **st)
{
	run("progress write", "write", op_write);
}

static void oom_branch_import(void **st)
{
	char *want = reference("import", op_import);
	/* The import brought the district's two reports. */
	assert_non_null(strstr(want, "progress/binh-giang/p2-t7/2021"));
	assert_non_null(strstr(want, "progress/binh-giang/p1-t1/2021-q1"));
	free(want);
	run("branch import", "import", op_import);
}

static void oom_sync_cycle(void **st)
{
	if (!getenv("PLANSYNC_OOM_FULL") || !*getenv("PLANSYNC_OOM_FULL"))
		skip();
	run("sync cycle", "sync", op_sync);
}

int main(void)
{
	/* Thousands of commits, each with its fsyncs: on tmpfs they cost nothing. */
	if (!getenv("PLANSYNC_OOM_TMPDIR") && access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	else if (getenv("PLANSYNC_OOM_TMPDIR"))
		setenv("TMPDIR", getenv("PLANSYNC_OOM_TMPDIR"), 1);
	hooks_install();
	ps_log_set_level(PS_LOG_ERROR); /* each copy is a new instance: no warning for it */
	verbose = getenv("PLANSYNC_OOM_VERBOSE") != NULL;
	git_faults = getenv("PLANSYNC_OOM_GIT") != NULL;
	if (getenv("PLANSYNC_OOM_FROM") && atol(getenv("PLANSYNC_OOM_FROM")) > 0)
		oom_from = atol(getenv("PLANSYNC_OOM_FROM"));
	const char *s = getenv("PLANSYNC_OOM_STEP");
	if (s && atol(s) > 0)
		step = atol(s);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(oom_progress_write),
	    cmocka_unit_test(oom_branch_import),
	    cmocka_unit_test(oom_sync_cycle),
	};
	if (getenv("PLANSYNC_OOM_TEST")) /* one test by name */
		cmocka_set_test_filter(getenv("PLANSYNC_OOM_TEST"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
