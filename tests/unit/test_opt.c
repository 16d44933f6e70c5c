/* test_opt.c - the option parser (cli/opt.c): typed values from one spec,
 * usage errors that name the program, the option and the value, and --help
 * printed from the same spec. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h" /* before cmocka, whose fail() is a macro */
#include "util.h"

typedef struct t_opts {
	bool flag, quiet;
	const char *name;
	long count, big;
	int level;
	opt_list tag;
} t_opts;
static const char *const levels[] = {"error", "warning", "info", "debug", "done", "delayed", NULL};
static const opt_spec t_spec[] = {
    OPT_BOOL('f', "flag", t_opts, flag, "a flag"),
    OPT_BOOL('q', NULL, t_opts, quiet, "a short-only flag"),
    OPT_STRING('n', "name", t_opts, name, "NAME", "a string"),
    OPT_INT('c', "count", t_opts, count, "N", 1, 10, 3, "a number from 1 to 10"),
    OPT_INT(0, "big", t_opts, big, "N", 0, LONG_MAX, 50, "a number, 0 or more"),
    OPT_ENUM('l', "level", t_opts, level, "LEVEL", levels, -1, "a level"),
    OPT_LIST('t', "tag", t_opts, tag, "TAG", "a tag"),
    OPT_END,
};
static const opt_table t_table = {t_spec, sizeof(t_opts)};
static const cmd t_cmd = {"thing do", NULL, "Do a thing.", "A [B]", &t_table, 1, 2, CMD_JSON, "More words."};
static const cmd t_bare = {"", NULL, "Run.", "[-f]", &t_table, 0, 0, 0, NULL};
static const cmd t_global = {"", NULL, "", "COMMAND", &t_table, 0, 0, CMD_OPTS_FIRST, NULL};

static char err[2048];

/* args_parse, its stderr in err. */
static int parse_argv(args *a, t_opts *o, const char *prog, const cmd *c, int argc, char **argv)
{
	fflush(stderr);
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved = dup(2);
	dup2(fileno(tmp), 2);
	int rc = args_parse(a, o, prog, c, argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	size_t n = fread(err, 1, sizeof(err) - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	return rc;
}

/* The same with the NULL-terminated words. */
static int parse_as(args *a, t_opts *o, const char *prog, const cmd *c, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	va_start(ap, c);
	for (const char *w; (w = va_arg(ap, const char *));)
		argv[argc++] = (char *)w;
	va_end(ap);
	return parse_argv(a, o, prog, c, argc, argv);
}
#define PARSE(...) parse_as(&a, &o, "plansync", &t_cmd, __VA_ARGS__, (const char *)NULL)

static void defaults_flags_strings(void **st)
{
	args a;
	t_opts o;
	assert_int_equal(PARSE("x"), 0);
	assert_ptr_equal(a.opts, &o);
	assert_false(o.flag);
	assert_false(o.quiet);
	assert_null(o.name);
	assert_int_equal(o.count, 3);
	assert_int_equal(o.big, 50);
	assert_int_equal(o.level, -1);
	assert_int_equal(o.tag.n, 0);
	assert_false(a.json);
	assert_false(a.help);
	assert_int_equal(a.npos, 1);
	assert_string_equal(a.pos[0], "x");
	assert_string_equal(err, "");

	assert_int_equal(PARSE("--flag", "x", "--name", "N1", "-q", "y", "--json"), 0);
	assert_true(o.flag);
	assert_true(o.quiet);
	assert_string_equal(o.name, "N1");
	assert_true(a.json);
	assert_int_equal(a.npos, 2);
	assert_string_equal(a.pos[1], "y");
}

static void inline_values_and_bundles(void **st)
{
	args a;
	t_opts o;
	assert_int_equal(PARSE("x", "--name=a=b", "--count=7", "-tT1", "-t", "T2"), 0);
	assert_string_equal(o.name, "a=b");
	assert_int_equal(o.count, 7);
	assert_int_equal(o.tag.n, 2);
	assert_string_equal(o.tag.v[0], "T1");
	assert_string_equal(o.tag.v[1], "T2");

	assert_int_equal(PARSE("x", "-nV", "-c9"), 0);
	assert_string_equal(o.name, "V");
	assert_int_equal(o.count, 9);

	assert_int_equal(PARSE("x", "--name="), 0);
	assert_string_equal(o.name, "");

	/* flags bundle; a short option with a value takes the rest */
	assert_int_equal(PARSE("-fqnVAL", "x"), 0);
	assert_true(o.flag);
	assert_true(o.quiet);
	assert_string_equal(o.name, "VAL");

	/* a value may begin with '-': it is not an option */
	assert_int_equal(PARSE("x", "--name", "-f", "--count", "-3x"), EXIT_USAGE);
	assert_non_null(strstr(err, "\"-3x\""));
	assert_int_equal(PARSE("x", "--name", "-f"), 0);
	assert_string_equal(o.name, "-f");
	assert_false(o.flag);
}

static void integers(void **st)
{
	args a;
	t_opts o;
	assert_int_equal(PARSE("x", "--count", "1"), 0);
	assert_int_equal(o.count, 1);
	assert_int_equal(PARSE("x", "--count", "10"), 0);
	assert_int_equal(o.count, 10);
	assert_int_equal(PARSE("x", "--big", "0"), 0);
	assert_int_equal(o.big, 0);

	const char *bad[] = {"0", "11", "-1", "abc", "", " 5", "5 ", "2.5", "99999999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(PARSE("x", "--count", bad[i]), EXIT_USAGE);
		char want[200];
		snprintf(want, sizeof(want),
		         "plansync: thing do: --count takes a whole number from 1 to 10, not \"%s\"\n", bad[i]);
		assert_string_equal(err, want);
	}
	assert_int_equal(PARSE("x", "-c", "11"), EXIT_USAGE);
	assert_non_null(strstr(err, "--count takes a whole number from 1 to 10, not \"11\""));
	assert_int_equal(PARSE("x", "--big=-3"), EXIT_USAGE);
	assert_string_equal(err, "plansync: thing do: --big takes a whole number, 0 or more, not \"-3\"\n");
	assert_int_equal(PARSE("x", "--big", "99999999999999999999999"), EXIT_USAGE);
	assert_non_null(strstr(err, "0 or more"));
}

static void enums(void **st)
{
	args a;
	t_opts o;
	assert_int_equal(PARSE("x", "--level", "info"), 0);
	assert_int_equal(o.level, 2);
	assert_int_equal(PARSE("x", "-l", "error"), 0);
	assert_int_equal(o.level, 0);
	/* the one name a value begins */
	assert_int_equal(PARSE("x", "--level=warn"), 0);
	assert_int_equal(o.level, 1);
	assert_int_equal(PARSE("x", "-ldeb"), 0);
	assert_int_equal(o.level, 3);
	/* an exact name wins over a longer one it begins; two it begins is no answer */
	assert_int_equal(PARSE("x", "--level", "done"), 0);
	assert_int_equal(o.level, 4);
	assert_int_equal(PARSE("x", "--level", "d"), EXIT_USAGE);
	assert_int_equal(PARSE("x", "--level", "loud"), EXIT_USAGE);
	assert_string_equal(err, "plansync: thing do: --level is one of error, warning, info, debug, done or delayed, "
	                         "not \"loud\"\n");
	assert_int_equal(PARSE("x", "--level", ""), EXIT_USAGE);
	assert_non_null(strstr(err, "not \"\""));
}

static void repeated(void **st)
{
	args a;
	t_opts o;
	assert_int_equal(PARSE("x", "--tag", "a", "--flag", "--tag=b", "-tc"), 0);
	assert_int_equal(o.tag.n, 3);
	assert_string_equal(o.tag.v[0], "a");
	assert_string_equal(o.tag.v[1], "b");
	assert_string_equal(o.tag.v[2], "c");

	assert_int_equal(PARSE("x", "--name", "a", "-n", "b"), EXIT_USAGE);
	assert_string_equal(err, "plansync: thing do: option --name given twice\n");
	assert_int_equal(PARSE("x", "-f", "--flag"), EXIT_USAGE);
	assert_non_null(strstr(err, "--flag given twice"));
	assert_int_equal(PARSE("x", "-q", "-q"), EXIT_USAGE);
	assert_non_null(strstr(err, "option -q given twice"));

	char *argv[2 * OPT_LIST_MAX + 3];
	int argc = 0;
	argv[argc++] = (char *)"x";
	for (int i = 0; i <= OPT_LIST_MAX; i++) {
		argv[argc++] = (char *)"-t";
		argv[argc++] = (char *)"v";
	}
	assert_int_equal(parse_argv(&a, &o, "plansync", &t_cmd, argc - 2, argv), 0);
	assert_int_equal(o.tag.n, OPT_LIST_MAX);
	assert_int_equal(parse_argv(&a, &o, "plansync", &t_cmd, argc, argv), EXIT_USAGE);
	assert_string_equal(err, "plansync: thing do: too many --tag options (at most 32)\n");
}

static void double_dash(void **st)
{
	args a;
	t_opts o;
	assert_int_equal(PARSE("-f", "--", "-q", "--name"), 0);
	assert_true(o.flag);
	assert_false(o.quiet);
	assert_null(o.name);
	assert_int_equal(a.npos, 2);
	assert_string_equal(a.pos[0], "-q");
	assert_string_equal(a.pos[1], "--name");
	/* "-" alone is a word (stdin), not an option */
	assert_int_equal(PARSE("-"), 0);
	assert_string_equal(a.pos[0], "-");

	/* global options: stop at the first other word, or after "--" */
	assert_int_equal(parse_as(&a, &o, "plansync", &t_global, "-f", "-n", "d", "log", "--bogus", (char *)NULL), 0);
	assert_true(o.flag);
	assert_string_equal(o.name, "d");
	assert_int_equal(a.used, 3);
	assert_int_equal(a.npos, 0);
	assert_int_equal(parse_as(&a, &o, "plansync", &t_global, "-f", "--", "-x", (char *)NULL), 0);
	assert_int_equal(a.used, 2);
	assert_int_equal(parse_as(&a, &o, "plansync", &t_global, (char *)NULL), 0);
	assert_int_equal(a.used, 0);
}

static void missing_values(void **st)
{
	args a;
	t_opts o;
	assert_int_equal(PARSE("x", "--name"), EXIT_USAGE);
	assert_string_equal(err, "plansync: thing do: option --name needs a value (NAME)\n");
	assert_int_equal(PARSE("x", "-c"), EXIT_USAGE);
	assert_string_equal(err, "plansync: thing do: option --count needs a value (N)\n");
	assert_int_equal(PARSE("x", "-fl"), EXIT_USAGE);
	assert_non_null(strstr(err, "--level needs a value (LEVEL)"));
	/* a flag takes none */
	assert_int_equal(PARSE("x", "--flag=yes"), EXIT_USAGE);
	assert_string_equal(err, "plansync: thing do: option --flag takes no value\n");
	assert_int_equal(PARSE("x", "--json=1"), EXIT_USAGE);
	assert_non_null(strstr(err, "--json takes no value"));
}

static void unknown_options(void **st)
{
	args a;
	t_opts o;
	assert_int_equal(PARSE("x", "--bogus"), EXIT_USAGE);
	assert_string_equal(err, "plansync: thing do: unknown option --bogus; see 'plansync thing do --help'\n");
	assert_int_equal(PARSE("x", "--bogus=1"), EXIT_USAGE);
	assert_non_null(strstr(err, "unknown option --bogus;"));
	assert_int_equal(PARSE("x", "-fz"), EXIT_USAGE);
	assert_string_equal(err, "plansync: thing do: unknown option -z; see 'plansync thing do --help'\n");
	/* long names are whole: no abbreviations */
	assert_int_equal(PARSE("x", "--fla"), EXIT_USAGE);
	/* --json only where the command has it */
	assert_int_equal(parse_as(&a, &o, "plansyncd", &t_bare, "--json", (char *)NULL), EXIT_USAGE);
	/* the program names itself; no empty command name */
	assert_int_equal(parse_as(&a, &o, "plansyncd", &t_bare, "--bogus", (char *)NULL), EXIT_USAGE);
	assert_string_equal(err, "plansyncd: unknown option --bogus; see 'plansyncd --help'\n");
	assert_int_equal(parse_as(&a, &o, "plansyncd", &t_bare, "-c", "0", (char *)NULL), EXIT_USAGE);
	assert_string_equal(err, "plansyncd: --count takes a whole number from 1 to 10, not \"0\"\n");
}

static void positionals(void **st)
{
	args a;
	t_opts o;
	assert_int_equal(PARSE("-f"), EXIT_USAGE);
	assert_string_equal(err, "plansync: thing do: missing argument; usage: plansync thing do A [B]\n");
	assert_int_equal(PARSE("x", "y", "z"), EXIT_USAGE);
	assert_string_equal(err, "plansync: thing do: unexpected argument \"z\"; usage: plansync thing do A [B]\n");
	assert_int_equal(parse_as(&a, &o, "plansyncd", &t_bare, "extra", (char *)NULL), EXIT_USAGE);
	assert_string_equal(err, "plansyncd: unexpected argument \"extra\"; usage: plansyncd [-f]\n");
}

static void help_requests(void **st)
{
	args a;
	t_opts o;
	assert_int_equal(PARSE("--help"), 0);
	assert_true(a.help);
	assert_int_equal(PARSE("-h", "--bogus"), 0);
	assert_true(a.help);
	assert_int_equal(PARSE("-fh"), 0);
	assert_true(a.help);
	/* a value "-h" is a value */
	assert_int_equal(PARSE("x", "--name", "-h"), 0);
	assert_false(a.help);
	assert_string_equal(o.name, "-h");
	/* after "--" it is a word */
	assert_int_equal(PARSE("--", "-h"), 0);
	assert_false(a.help);
}

/* cmd_help's text, in a buffer that lasts until the next call. */
static const char *help_text(const char *prog, const cmd *c)
{
	static char buf[4096];
	FILE *f = tmpfile();
	assert_non_null(f);
	cmd_help(prog, c, f);
	rewind(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void help_output(void **st)
{
	const char *h = help_text("plansync", &t_cmd);
	assert_non_null(strstr(h, "usage: plansync [-C DIR] thing do A [B] [options]\n\nDo a thing.\n\nMore words.\n"));
	for (const opt_spec *o = t_spec; o->type != OPT_T_END; o++) {
		char want[200];
		if (o->name && o->shrt)
			snprintf(want, sizeof(want), "-%c, --%s%s%s", o->shrt, o->name, o->arg ? " " : "",
			         o->arg ? o->arg : "");
		else if (o->name)
			snprintf(want, sizeof(want), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(want, sizeof(want), "-%c%s%s", o->shrt, o->arg ? " " : "", o->arg ? o->arg : "");
		const char *at = strstr(h, want);
		assert_non_null(at);
		const char *eol = strchr(at, '\n');
		const char *help = strstr(at, o->help);
		assert_true(help && help < eol);
	}
	assert_non_null(strstr(h, "a tag (repeatable)\n"));
	assert_non_null(strstr(h, "a level: error, warning, info, debug, done or delayed\n"));
	assert_non_null(strstr(h, "--json"));
	assert_non_null(strstr(h, "-h, --help"));

	h = help_text("plansyncd", &t_bare);
	assert_non_null(strstr(h, "usage: plansyncd [-f]\n\nRun.\n"));
	assert_null(strstr(h, "--json"));

	static const cmd none = {"dump", NULL, "Dump.", NULL, NULL, 0, 0, 0, NULL};
	h = help_text("plansync", &none);
	assert_string_equal(h, "usage: plansync [-C DIR] dump\n\nDump.\n  -h, --help                 show this help\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults_flags_strings),
	    cmocka_unit_test(inline_values_and_bundles),
	    cmocka_unit_test(integers),
	    cmocka_unit_test(enums),
	    cmocka_unit_test(repeated),
	    cmocka_unit_test(double_dash),
	    cmocka_unit_test(missing_values),
	    cmocka_unit_test(unknown_options),
	    cmocka_unit_test(positionals),
	    cmocka_unit_test(help_requests),
	    cmocka_unit_test(help_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
