/* output.c - what every front end prints: errors with exit codes, JSON,
 * write results, progress on a terminal; and reading an input file. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/json.h"

int exit_code(int rc)
{
	switch (rc) {
	case PS_OK:
		return EXIT_OK;
	case PS_EINVALID:
	case PS_ENOTFOUND:     /* a name that is not in the plan: a typo */
	case PS_EEXISTS:       /* init over a replica */
	case PS_ENOREMOTEPATH: /* config remote / remote seed naming nothing */
		return EXIT_INPUT;
	case PS_ENOTOWNER:
		return EXIT_NOTOWNER;
	case PS_EOFFLINE:
	case PS_EAUTH:
		return EXIT_OFFLINE;
	case PS_EREJECTED:
		return EXIT_REJECTED;
	case PS_ENOREMOTE:  /* the command that sets one is in the message */
	case PS_ENOREPLICA: /* -C DIR or PLANSYNC_DIR names no replica */
		return EXIT_USAGE;
	case PS_EREPAIR:
		return EXIT_REPAIR;
	case PS_ECONFLICT:
		return EXIT_CONFLICT;
	default: /* PS_ERROR, PS_ENOMEM, PS_EBUSY */
		return EXIT_FAIL;
	}
}

int fail(int rc)
{
	fprintf(stderr, "plansync: %s\n", ps_error_last());
	/* A damaged or incomplete database found deep in a call that its
	 * callers passed on as a plain failure: still "needs repair". */
	if (rc == PS_ERROR && ps_error_last_code() == PS_EREPAIR)
		rc = PS_EREPAIR;
	return exit_code(rc);
}

int fail_msg(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("plansync: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

void print_json(const cJSON *v)
{
	char *s = ps_json_canonical(v);
	if (s)
		fputs(s, stdout);
	free(s);
}

int print_written(const args *a, const char *what, char *id)
{
	if (a->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "id", id); /* a change id is "id" in every command */
		print_json(j);
		cJSON_Delete(j);
	} else {
		printf("%s (change %s); it goes out with the next sync\n", what, id);
	}
	free(id);
	return 0;
}

const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Redrawn at most five times a second, plus each stage's first and last
 * line: a terminal is for a person, and a redraw per thousand objects is
 * hundreds a second on a bulk copy. The process has one progress line, so
 * its state is module-level. */
#define PROGRESS_EVERY_MS 200

void progress_tty(void *c, const char *what, long done, long total)
{
	static char last_what[64];
	static long long last_ms = -PROGRESS_EVERY_MS;
	(void)c;
	if (!isatty(STDERR_FILENO))
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	bool last = total > 0 && done >= total, fresh = strncmp(what, last_what, sizeof(last_what) - 1) != 0;
	if (!last && !fresh && now - last_ms < PROGRESS_EVERY_MS)
		return;
	last_ms = now;
	snprintf(last_what, sizeof(last_what), "%s", what);
	if (total > 0)
		fprintf(stderr, "\r%s: %ld/%ld%s", what, done, total, last ? "\n" : "");
	else
		fprintf(stderr, "\r%s: %ld", what, done);
}

const char *replica_dir(const char *prog, const char *opt)
{
	if (opt && !*opt) {
		fprintf(stderr, "%s: -C needs a directory name, not an empty one\n", prog);
		return NULL;
	}
	const char *env = getenv("PLANSYNC_DIR");
	return opt ? opt : env && *env ? env : ".";
}

int read_file(const char *path, char **data, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return ps_error_set(PS_ENOTFOUND, "cannot read %s: %s", path, strerror(errno));
	struct stat st;
	if (f != stdin && !fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		return ps_error_set(PS_EINVALID, "%s is a directory, give a file", path);
	}
	ps_buf b = PS_BUF_INIT;
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		ps_buf_put(&b, tmp, n);
	int err = ferror(f) ? errno : 0;
	if (f != stdin)
		fclose(f);
	if (err || ps_buf_error(&b)) {
		ps_buf_release(&b);
		return err == EISDIR ? ps_error_set(PS_EINVALID, "%s is a directory, give a file", path)
		       : err         ? ps_error_set(PS_ERROR, "cannot read %s: %s", path, strerror(err))
		                     : ps_error_set(PS_ENOMEM, "out of memory reading %s", path);
	}
	*len = b.len;
	*data = ps_buf_detach(&b);
	return 0;
}
