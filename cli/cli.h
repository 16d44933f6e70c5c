/* cli.h - what the plansync commands share: the command table entry, the
 * option spec (data that both parses and prints --help), output helpers and
 * exit codes. */
#ifndef PLANSYNC_CLI_H
#define PLANSYNC_CLI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
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

/* The version plansync and plansyncd print (--version). */
#define PLANSYNC_VERSION "0.2.0"

/* The replica directory: opt (-C DIR), else $PLANSYNC_DIR unless it is
 * empty (an exported but unset variable counts as unset), else ".". NULL
 * when opt is empty, after saying so as prog: the caller exits 2. */
const char *replica_dir(const char *prog, const char *opt);

/* Options as data, bound to typed variables (git's parse-options.h, libgit2's
 * cli_opt_spec). A command keeps its options in a struct of its own; each
 * spec entry names a member of it and its C type (checked when compiled), so
 * the parser converts and checks every value once, with a usage error that
 * names the option, the bad value and what is allowed, and the same entries
 * print --help. Record field values (--status, --percent, --actual) are data,
 * not command-line structure: they stay strings and the library checks them,
 * as it checks the same fields in a CSV import. */
typedef enum opt_type {
	OPT_T_END = 0, /* ends a spec */
	OPT_T_BOOL,    /* bool: true when given */
	OPT_T_STRING,  /* const char *: the value (borrowed from argv), NULL when not given */
	OPT_T_INT,     /* long: a whole number in [min, max]; def when not given */
	OPT_T_ENUM,    /* int: the index of the value in names (or of the one name it is a prefix of) */
	OPT_T_LIST,    /* opt_list: every value of a repeatable option, in order */
} opt_type;

#define OPT_LIST_MAX 32
typedef struct opt_list {
	const char *v[OPT_LIST_MAX];
	size_t n;
} opt_list;

typedef struct opt_spec {
	opt_type type;
	char shrt;                /* short letter or 0 */
	const char *name;         /* long name without "--", or NULL */
	size_t off;               /* the member it sets in the command's options struct */
	const char *arg;          /* the value's name in --help ("N"); NULL for OPT_T_BOOL */
	const char *help;         /* one line; enums get their names appended */
	long min, max, def;       /* OPT_T_INT: range and default; OPT_T_ENUM: def (-1: none) */
	const char *const *names; /* OPT_T_ENUM: the values, NULL-terminated */
} opt_spec;

/* offsetof(T, m), refused by the compiler unless T.m has type ctype. */
#define OPT_AT_(T, m, ctype) (offsetof(T, m) + 0 * sizeof(_Generic(((T *)0)->m, ctype : 1)))
/* Spec entries: s the short letter (or 0), l the long name (or NULL), T.m
 * the member set, arg the value's name in --help. */
/* clang-format off */
#define OPT_BOOL(s, l, T, m, help)                   {OPT_T_BOOL, s, l, OPT_AT_(T, m, bool), NULL, help}
#define OPT_STRING(s, l, T, m, arg, help)            {OPT_T_STRING, s, l, OPT_AT_(T, m, const char *), arg, help}
#define OPT_INT(s, l, T, m, arg, lo, hi, dflt, help) {OPT_T_INT, s, l, OPT_AT_(T, m, long), arg, help, lo, hi, dflt}
#define OPT_ENUM(s, l, T, m, arg, names, dflt, help) \
	{OPT_T_ENUM, s, l, OPT_AT_(T, m, int), arg, help, 0, 0, dflt, names}
#define OPT_LIST(s, l, T, m, arg, help)              {OPT_T_LIST, s, l, OPT_AT_(T, m, opt_list), arg, help}
#define OPT_END                                      {OPT_T_END}
/* clang-format on */

/* A command's options: the spec and the size of the struct it fills. */
typedef struct opt_table {
	const opt_spec *spec; /* ends with OPT_END */
	size_t size;
} opt_table;

#define MAX_POS 8

typedef struct args {
	const void *opts; /* the command's options struct, filled by args_parse */
	const char *pos[MAX_POS];
	int npos;
	int used;   /* words parsed; with CMD_OPTS_FIRST, the index of the first word left */
	bool json;  /* --json (commands with CMD_JSON) */
	int format; /* --format (commands with CMD_ROWS): 0 table, 1 json, 2 csv, 3 html (fmt in render.h) */
	bool help;  /* -h or --help: print cmd_help, run nothing */
} args;

struct ctx;
typedef struct cmd {
	const char *name; /* "progress set" */
	int (*fn)(struct ctx *, const args *);
	const char *summary;
	const char *usage;     /* positional part: "TASK PERIOD" */
	const opt_table *opts; /* NULL: no options */
	int min_pos, max_pos;
	unsigned flags;
	const char *details; /* more help text, may be NULL */
} cmd;
#define CMD_REPLICA    1u  /* opens the replica before fn */
#define CMD_JSON       2u  /* accepts --json */
#define CMD_WRITES     4u  /* wakes a running daemon after success */
#define CMD_OPTS_FIRST 8u  /* options end at the first other word (global options) */
#define CMD_ROWS       16u /* prints rows: accepts --format table|json|csv|html */

typedef struct ctx {
	const char *dir;
	ps_replica *r;
	const cmd *cmd;
	bool tty;
} ctx;

/* Parse argv (after the command words) into a, and into opts, which must
 * hold c->opts->size bytes (NULL when c has no options): defaults first, then
 * the values given. prog ("plansync", "plansyncd") and c->name begin every
 * message. Prints the error and returns EXIT_USAGE on a bad command line;
 * on -h/--help sets a->help and returns 0 without looking further. */
int args_parse(args *a, void *opts, const char *prog, const cmd *c, int argc, char **argv);
/* --help of c, from its table. */
void cmd_help(const char *prog, const cmd *c, FILE *to);
/* One line per option of t (may be NULL), then --json when json, then -h. */
void opt_help(const opt_table *t, unsigned flags, FILE *to);

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
/* A JSON value as table text: strings bare, null empty, lists joined. */
char *cell_text(const cJSON *v);

#define DECL(name) int name(ctx *, const args *)
DECL(cmd_init);
DECL(cmd_config);
DECL(cmd_plan_import);
DECL(cmd_plan_show);
DECL(cmd_plan_tasks);
DECL(cmd_plan_targets);
DECL(cmd_plan_offices);
DECL(cmd_plan_periods);
DECL(cmd_progress_set);
DECL(cmd_progress_show);
DECL(cmd_progress_import);
DECL(cmd_progress_withdraw);
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
DECL(cmd_keys_show);
DECL(cmd_keys_allowed_signers);
DECL(cmd_keys_trust);
DECL(cmd_review_accept);
DECL(cmd_review_return);
DECL(cmd_inbox);
DECL(cmd_period_close);
DECL(cmd_period_open);
DECL(cmd_report_coverage);
DECL(cmd_report_programs);
DECL(cmd_report_targets);
DECL(cmd_report_office);
DECL(cmd_report_sync);
DECL(cmd_report_html);
DECL(cmd_keys_pending);
DECL(cmd_audit);
DECL(cmd_keys_approve);
DECL(cmd_keys_refuse);
DECL(cmd_keys_revoke);
DECL(cmd_keys_rotate);
DECL(cmd_server_gitolite);
#undef DECL

extern const opt_table opts_init, opts_plan_import, opts_plan_tasks, opts_plan_targets, opts_progress_set,
    opts_progress_show, opts_log, opts_resolve, opts_sync, opts_check;
extern const opt_table opts_keys_allowed_signers;
extern const opt_table opts_review, opts_inbox, opts_period;
extern const opt_table opts_report_coverage, opts_report_programs, opts_report_targets, opts_report_office,
    opts_report_sync, opts_report_html;
extern const opt_table opts_keys_approve;
extern const opt_table opts_server_gitolite;
/* config --help's list of settings (cmd_config.c). */
extern const char config_help[];

/* progress withdraw's options (cmd_progress.c). */
extern const opt_table opts_progress_withdraw;

/* Read a whole file ("-" for stdin); free(). */
int read_file(const char *path, char **data, size_t *len);

#endif
