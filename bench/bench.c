/* bench.c - the measuring half of the benchmarks (bench/run.sh drives it).
 *
 *   bench gen DIR N           write N progress changes (one transaction per 10k)
 *   bench export DIR          time one export cycle (ps_sync_export)
 *   bench fetch DIR           fetch only (no import)
 *   bench import DIR          time importing what was fetched (ps_sync_import)
 *   bench fi-stream DIR OUT   git fast-import stream of the local changes, same paths and bytes
 *   bench csv DIR OUT         the changes rows as CSV (for sqlite3 .import)
 *   bench sync DIR N          N sync cycles in this process (as plansyncd runs them): median seconds
 *   bench cycle DIR N         N rounds of one new change, then one sync cycle in this process: median
 *                             seconds of the cycle (the write is not timed)
 *
 * Each timed command prints "seconds <s> maxrss_kib <k>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "plansync/change.h"
#include "plansync/error.h"
#include "repo.h"
#include "plansync/sync.h"
#include "store_int.h" /* raw SQL to look inside */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(double t0)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("seconds %.6f maxrss_kib %ld\n", now() - t0, ru.ru_maxrss);
}

static int die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, ps_error_last());
	return 1;
}

/* Realistic Vietnamese notes, varied so blobs differ. */
static const char *const notes[] = {
    "Đã hoàn thành rà soát quy hoạch chi tiết; đang chờ phê duyệt của Ủy ban nhân dân tỉnh.",
    "Tiến độ giải phóng mặt bằng chậm do vướng mắc về đền bù; đề nghị tỉnh hỗ trợ.",
    "Hoàn thành 9/13 tiêu chí đô thị loại IV, còn tiêu chí hạ tầng giao thông và thoát nước.",
    "Tổ chức tập huấn cho cán bộ cấp xã về chuyển đổi số; 214 lượt người tham dự.",
    "Thu ngân sách quý đạt 27,4% dự toán năm; tăng 6,1% so với cùng kỳ.",
    "Đã trình hồ sơ di tích lên Bộ Văn hóa, Thể thao và Du lịch; chờ thẩm định.",
};
static const char *const statuses[] = {"not_started", "on_track", "at_risk", "delayed", "done"};

static int gen(ps_replica *r, long n)
{
	ps_store *s = ps_replica_store(r);
	char rec[200];
	unsigned seed = 12345;
	int rc = 0;
	for (long i = 0; i < n && !rc; i++) {
		if (i % 10000 == 0 && (rc = ps_store_begin(s)))
			return die("begin");
		int task = (int)(rand_r(&seed) % 34), period = (int)(rand_r(&seed) % 25);
		static const int per_prog[] = {7, 8, 6, 6, 7};
		int p = 0;
		while (task >= per_prog[p]) {
			task -= per_prog[p];
			p++;
		}
		char per[16];
		if (period < 5)
			snprintf(per, sizeof(per), "%d", 2021 + period);
		else
			snprintf(per, sizeof(per), "%d-q%d", 2021 + (period - 5) / 4, (period - 5) % 4 + 1);
		snprintf(rec, sizeof(rec), "progress/%s/p%d-t%d/%s", ps_replica_office(r), p + 1, task + 1, per);
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "status", statuses[rand_r(&seed) % 5]);
		cJSON_AddNumberToObject(f, "percent", (double)(i % 101));
		char note[300];
		snprintf(note, sizeof(note), "%s (lần %ld)", notes[rand_r(&seed) % 6], i);
		cJSON_AddStringToObject(f, "note", note);
		rc = ps_replica_write_full(r, rec, PS_OP_SET, f, NULL, true, true, NULL);
		if (rc)
			return die("write");
		if ((i + 1) % 10000 == 0 || i + 1 == n) {
			if ((rc = ps_store_commit(s)))
				return die("commit");
			fprintf(stderr, "\rgen: %ld/%ld", i + 1, n);
		}
	}
	fprintf(stderr, "\n");
	return 0;
}

static int fi_stream(ps_replica *r, const char *out)
{
	FILE *f = fopen(out, "wb");
	if (!f)
		return 1;
	sqlite3_stmt *st;
	sqlite3_prepare_v2(ps_store_db(ps_replica_store(r)),
	                   "SELECT id, bytes FROM changes WHERE local = 1 ORDER BY id", -1, &st, NULL);
	long mark = 0;
	/* blobs first, then one commit naming them all */
	FILE *idx = tmpfile();
	while (sqlite3_step(st) == SQLITE_ROW) {
		int len = sqlite3_column_bytes(st, 1);
		fprintf(f, "blob\nmark :%ld\ndata %d\n", ++mark, len);
		fwrite(sqlite3_column_blob(st, 1), 1, (size_t)len, f);
		fputc('\n', f);
		char path[PS_CHANGE_PATH_MAX];
		ps_change_path(path, ps_replica_office(r), (const char *)sqlite3_column_text(st, 0));
		fprintf(idx, "M 100644 :%ld %s\n", mark, path);
	}
	sqlite3_finalize(st);
	fprintf(f,
	        "commit refs/heads/bench\ncommitter bench <bench@example.invalid> 1700000000 +0000\ndata 5\nbench\n");
	rewind(idx);
	char line[400];
	while (fgets(line, sizeof(line), idx))
		fputs(line, f);
	fclose(idx);
	fputc('\n', f);
	fclose(f);
	return 0;
}

static void csv_field(FILE *f, const char *s, int len)
{
	fputc('"', f);
	for (int i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	fputc('"', f);
}

static int csv(ps_replica *r, const char *out)
{
	FILE *f = fopen(out, "wb");
	sqlite3_stmt *st;
	sqlite3_prepare_v2(ps_store_db(ps_replica_store(r)),
	                   "SELECT id, record, office, replica, author, hlc, op, fields, coalesce(reason, ''), bytes "
	                   "FROM changes WHERE local = 1",
	                   -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < 10; c++) {
			if (c)
				fputc(',', f);
			csv_field(f, c == 9 ? sqlite3_column_blob(st, c) : (const char *)sqlite3_column_text(st, c),
			          sqlite3_column_bytes(st, c));
		}
		fputc('\n', f);
	}
	sqlite3_finalize(st);
	fclose(f);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* N sync cycles in this process; before each, one new progress change when
 * one_change. Prints the median seconds of the cycles. */
static int cycles(ps_replica *r, long n, bool one_change)
{
	double *t = calloc((size_t)n, sizeof(double));
	ps_sync_result res;
	char rec[200];
	int rc = 0;
	if (!t)
		return die("out of memory");
	snprintf(rec, sizeof(rec), "progress/%s/p1-t1/2021", ps_replica_office(r));
	ps_sync_run(r, &res, NULL, NULL); /* warm: libgit2 initialised, caches filled */
	for (long i = 0; i < n && !rc; i++) {
		if (one_change) {
			cJSON *f = cJSON_CreateObject();
			cJSON_AddNumberToObject(f, "percent", (double)(i % 101));
			if ((rc = ps_replica_write_full(r, rec, PS_OP_SET, f, NULL, false, true, NULL)))
				rc = die("write");
		}
		double s0 = now();
		if (!rc && (rc = ps_sync_run(r, &res, NULL, NULL)))
			rc = die("sync");
		else if (!rc && one_change && (res.exported != 1 || res.pushed != 1))
			rc = die("the cycle did not push one change");
		t[i] = now() - s0;
	}
	if (!rc) {
		qsort(t, (size_t)n, sizeof(double), cmp_double);
		printf("seconds %.6f maxrss_kib 0\n", t[n / 2]);
	}
	free(t);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench gen|export|fetch|import|fi-stream|csv DIR [ARG]\n");
		return 2;
	}
	ps_repo_global_init();
	ps_replica *r = NULL;
	if (ps_replica_open(&r, argv[2]))
		return die("open");
	const char *cmd = argv[1];
	int rc = 0;
	double t0 = now();
	if (!strcmp(cmd, "gen")) {
		rc = gen(r, atol(argv[3]));
	} else if (!strcmp(cmd, "export")) {
		long n = 0;
		if ((rc = ps_sync_export(r, &n)))
			return die("export");
		report(t0);
		fprintf(stderr, "exported %ld\n", n);
	} else if (!strcmp(cmd, "fetch")) {
		char path[4200];
		git_repository *repo;
		snprintf(path, sizeof(path), "%s/repo.git", argv[2]);
		if (ps_repo_open(&repo, path) || ps_repo_fetch(repo, NULL, false, NULL, NULL, NULL, NULL))
			return die("fetch");
		git_repository_free(repo);
	} else if (!strcmp(cmd, "import")) {
		ps_sync_result res;
		memset(&res, 0, sizeof(res));
		if ((rc = ps_sync_import(r, &res, NULL, NULL)))
			return die("import");
		report(t0);
		fprintf(stderr, "imported %ld\n", res.imported);
	} else if (!strcmp(cmd, "sync") || !strcmp(cmd, "cycle")) {
		long n = argc > 3 ? atol(argv[3]) : 5;
		rc = cycles(r, n > 0 ? n : 1, !strcmp(cmd, "cycle"));
	} else if (!strcmp(cmd, "fi-stream")) {
		rc = fi_stream(r, argv[3]);
	} else if (!strcmp(cmd, "csv")) {
		rc = csv(r, argv[3]);
	} else {
		fprintf(stderr, "bench: unknown command %s\n", cmd);
		rc = 2;
	}
	ps_replica_free(r);
	return rc;
}
