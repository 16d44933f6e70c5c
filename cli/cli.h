/* cli.h - what the plansync commands share: the command table entry, the
 * option spec (data that both parses and prints --help), output helpers and
 * exit codes. */
#ifndef PLANSYNC_CLI_H
#define PLANSYNC_CLI_H
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "plansync/replica.h"

/* Exit codes. A sync that did its local work and then met several remote
 * failures exits with the first of 7 (the push was refused), 5 (the remote
 * was not reached), in that order (cmd_sync.c). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,     /* the operation failed */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_INPUT = 3,    /* bad input data: nothing was written */
	EXIT_NOTOWNER = 4, /* the office may not write that */
	EXIT_OFFLINE = 5,  /* local work done; the remote was not reached */
	EXIT_CONFLICT = 6, /* conflicts need a person */
	EXIT_REJECTED = 7, /* local work done; the remote refused the push */
	EXIT_REPAIR = 8,   /* the replica needs repair: see plansync check */
};

typedef struct opt_spec {
	const char *name; /* long name without "--" */
	char shrt;        /* short letter or 0 */
	const char *arg;  /* NULL: a flag; else the argument's name */
	int multi;        /* may repeat */
	const char *help;
} opt_spec;

#define MAX_OPTS  16
#define MAX_POS   8
#define MAX_MULTI 32

typedef struct args {
	const char *val[MAX_OPTS]; /* last value, or "1" for a set flag */
	const char *multi[MAX_OPTS][MAX_MULTI];
	size_t nmulti[MAX_OPTS];
	const char *pos[MAX_POS];
	int npos;
	bool json;
} args;

struct ctx;
typedef struct cmd {
	const char *name; /* "progress set" */
	int (*fn)(struct ctx *, const args *);
	const char *summary;
	const char *usage;    /* positional part: "TASK PERIOD" */
	const opt_spec *opts; /* terminated by {NULL} */
	int min_pos, max_pos;
	unsigned flags;
	const char *details; /* more help text, may be NULL */
} cmd;
#define CMD_REPLICA 1u /* opens the replica before fn */
#define CMD_JSON    2u /* accepts --json */
#define CMD_WRITES  4u /* wakes a running daemon after success */

typedef struct ctx {
	const char *dir;
	ps_replica *r;
	const cmd *cmd;
	bool tty;
} ctx;

/* Value of option name, or NULL. */
const char *arg_get(const args *a, const cmd *c, const char *name);
size_t arg_multi(const args *a, const cmd *c, const char *name, const char *const **out);
/* Parse argv (after the command words). Prints the error; EXIT_USAGE on failure. */
int args_parse(args *a, const cmd *c, int argc, char **argv);
void cmd_help(const cmd *c, FILE *to);

/* The exit status for a library code (0 for 0): each code has one. */
int exit_code(int rc);
/* Print an error for the last library failure; the exit code for it. */
int fail(int rc);
int fail_msg(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print v as canonical JSON to stdout. */
void print_json(const cJSON *v);
/* After a write: the new change id as JSON or a sentence; frees id; 0. */
int print_written(const args *a, const char *what, char *id);
/* A string member of o, "" when absent. */
const char *json_str(const cJSON *o, const char *key);
/* Progress on a terminal (stderr), nothing otherwise. */
void progress_tty(void *ctx, const char *what, long done, long total);

/* Tables: columns aligned by display width; the last column is cut to the
 * terminal width. */
typedef struct table table;
table *table_new(int ncols, const char *const *headers);
void table_row(table *t, const char *const *cells);
void table_print(table *t, FILE *to);
void table_free(table *t);
/* rows: an array of objects; one column per key. */
void table_print_rows(const cJSON *rows, const char *const *keys, const char *const *heads, int n);
/* A JSON value as table text: strings bare, null empty, lists joined. */
char *cell_text(const cJSON *v);

#define DECL(name) int name(ctx *, const args *)
DECL(cmd_init);
DECL(cmd_config);
DECL(cmd_plan_import);
DECL(cmd_plan_show);
DECL(cmd_plan_tasks);
DECL(cmd_plan_targets);
DECL(cmd_progress_set);
DECL(cmd_progress_show);
DECL(cmd_progress_import);
DECL(cmd_log);
DECL(cmd_conflicts);
DECL(cmd_resolve);
DECL(cmd_sync);
DECL(cmd_status);
DECL(cmd_dump);
DECL(cmd_rebuild);
DECL(cmd_remote_seed);
DECL(cmd_problems);
DECL(cmd_check);
#undef DECL

extern const opt_spec opts_init[], opts_config[], opts_plan_import[], opts_plan_show[], opts_plan_tasks[],
    opts_plan_targets[], opts_progress_set[], opts_progress_show[], opts_progress_import[], opts_log[],
    opts_conflicts[], opts_resolve[], opts_sync[], opts_status[], opts_dump[], opts_rebuild[], opts_problems[],
    opts_remote_seed[], opts_check[];

/* Read a whole file ("-" for stdin); free(). */
int read_file(const char *path, char **data, size_t *len);

#endif
