/* opt.c - the command line into typed variables, and --help, both from one
 * opt_table per command (see cli.h).
 *
 * Exports args_parse, cmd_help and opt_help. Long options take "--name VALUE" or
 * "--name=VALUE"; short ones "-x VALUE" or "-xVALUE", and flags bundle
 * ("-fq"); "--" ends the options; a value may begin with '-'. -h/--help, and
 * --json for commands with CMD_JSON, are common to every command. Numbers and
 * enum names are converted here, once, so a command only reads its struct.
 * Never exits and never allocates: values are borrowed from argv. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/text.h"

#define OPT_MAX 32 /* entries in one spec */

/* "prog: command: message" on stderr. */
static void say(const char *prog, const cmd *c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(const char *prog, const cmd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	if (c->name[0])
		fprintf(stderr, "%s: ", c->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* How messages name o: "--limit", or "-C" when it has no long name. */
static const char *opt_name(const opt_spec *o, char *buf, size_t n)
{
	if (o->name)
		snprintf(buf, n, "--%s", o->name);
	else
		snprintf(buf, n, "-%c", o->shrt);
	return buf;
}

/* The names of an enum as "a, b or c". */
static const char *enum_names(const opt_spec *o, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; o->names[i] && len < n; i++) {
		const char *sep = !i ? "" : o->names[i + 1] ? ", " : " or ";
		int w = snprintf(buf + len, n - len, "%s%s", sep, o->names[i]);
		len += w > 0 ? (size_t)w : 0;
	}
	return buf;
}

static const opt_spec *find(const opt_spec *spec, const char *name, size_t len, char shrt)
{
	for (const opt_spec *o = spec; o && o->type != OPT_T_END; o++) {
		if (shrt && o->shrt == shrt)
			return o;
		if (!shrt && o->name && strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	}
	return NULL;
}

static int parse_int(const char *prog, const cmd *c, const opt_spec *o, const char *v, long *out)
{
	char nm[64];
	if (ps_number_parse(v, o->min, o->max, out))
		return 0;
	if (o->max == LONG_MAX)
		say(prog, c, "%s takes a whole number, %ld or more, not \"%s\"", opt_name(o, nm, sizeof(nm)), o->min,
		    v);
	else
		say(prog, c, "%s takes a whole number from %ld to %ld, not \"%s\"", opt_name(o, nm, sizeof(nm)), o->min,
		    o->max, v);
	return EXIT_USAGE;
}

/* A name of o->names, or the one name that v begins ("warn": "warning"). */
static int parse_enum(const char *prog, const cmd *c, const opt_spec *o, const char *v, int *out)
{
	int hit = -1, nhits = 0;
	for (int i = 0; o->names[i]; i++) {
		if (!strcmp(o->names[i], v)) {
			hit = i;
			nhits = 1;
			break;
		}
		if (*v && !strncmp(o->names[i], v, strlen(v))) {
			hit = i;
			nhits++;
		}
	}
	if (nhits == 1) {
		*out = hit;
		return 0;
	}
	char nm[64], names[400];
	say(prog, c, "%s is one of %s, not \"%s\"", opt_name(o, nm, sizeof(nm)), enum_names(o, names, sizeof(names)),
	    v);
	return EXIT_USAGE;
}

/* Store v (NULL for a flag) in the member o names. */
static int set(const char *prog, const cmd *c, void *opts, unsigned char *seen, const opt_spec *o, const char *v)
{
	char *at = (char *)opts + o->off, nm[64];
	size_t i = (size_t)(o - c->opts->spec);
	if (o->type != OPT_T_LIST && seen[i]) {
		say(prog, c, "option %s given twice", opt_name(o, nm, sizeof(nm)));
		return EXIT_USAGE;
	}
	seen[i] = 1;
	switch (o->type) {
	case OPT_T_BOOL:
		*(bool *)at = true;
		return 0;
	case OPT_T_STRING:
		*(const char **)at = v;
		return 0;
	case OPT_T_INT:
		return parse_int(prog, c, o, v, (long *)at);
	case OPT_T_ENUM:
		return parse_enum(prog, c, o, v, (int *)at);
	case OPT_T_LIST: {
		opt_list *l = (opt_list *)at;
		if (l->n >= OPT_LIST_MAX) {
			say(prog, c, "too many %s options (at most %d)", opt_name(o, nm, sizeof(nm)), OPT_LIST_MAX);
			return EXIT_USAGE;
		}
		l->v[l->n++] = v;
		return 0;
	}
	case OPT_T_END:
		break;
	}
	assert(!"an option type without a case");
	return EXIT_USAGE;
}

/* The value of an option that takes one: inline, else the next word. */
static int take_value(const char *prog, const cmd *c, const opt_spec *o, const char *inl, int argc, char **argv, int *k,
                      const char **v)
{
	char nm[64];
	if (o->type == OPT_T_BOOL) {
		if (inl) {
			say(prog, c, "option %s takes no value", opt_name(o, nm, sizeof(nm)));
			return EXIT_USAGE;
		}
		*v = NULL;
		return 0;
	}
	if (inl) {
		*v = inl;
	} else if (*k + 1 < argc) {
		*v = argv[++*k];
	} else {
		say(prog, c, "option %s needs a value (%s)", opt_name(o, nm, sizeof(nm)), o->arg);
		return EXIT_USAGE;
	}
	return 0;
}

/* --format's names, in the order of fmt in render.h. */
static const char *const formats[] = {"table", "json", "csv", "html", NULL};
#define FORMATS "table, json, csv or html"

/* Defaults, and the checks that catch a malformed spec in any test run. */
static void set_defaults(void *opts, const opt_table *t)
{
	memset(opts, 0, t->size);
	for (const opt_spec *o = t->spec; o->type != OPT_T_END; o++) {
		assert(o - t->spec < OPT_MAX);
		assert(o->name || o->shrt);
		assert(o->shrt != 'h' &&
		       (!o->name || (strcmp(o->name, "help") && strcmp(o->name, "json") && strcmp(o->name, "format"))));
		assert(o->help && (o->type == OPT_T_BOOL) == !o->arg);
		assert(o->type != OPT_T_ENUM || (o->names && o->names[0]));
		if (o->type == OPT_T_INT)
			*(long *)((char *)opts + o->off) = o->def;
		else if (o->type == OPT_T_ENUM)
			*(int *)((char *)opts + o->off) = (int)o->def;
	}
}

int args_parse(args *a, void *opts, const char *prog, const cmd *c, int argc, char **argv)
{
	assert(a && prog && c && argc >= 0 && (!c->opts || opts));
	memset(a, 0, sizeof(*a));
	const opt_spec *spec = c->opts ? c->opts->spec : NULL;
	unsigned char seen[OPT_MAX] = {0};
	if (spec)
		set_defaults(opts, c->opts);
	a->opts = opts;
	int k, rc, only_pos = 0;
	bool json_opt = false, format_opt = false;
	for (k = 0; k < argc; k++) {
		const char *s = argv[k], *v;
		if (only_pos || s[0] != '-' || !s[1]) {
			if (c->flags & CMD_OPTS_FIRST)
				break;
			if (a->npos >= c->max_pos || a->npos >= MAX_POS) {
				say(prog, c, "unexpected argument \"%s\"; usage: %s%s%s %s", s, prog,
				    c->name[0] ? " " : "", c->name, c->usage ? c->usage : "");
				return EXIT_USAGE;
			}
			a->pos[a->npos++] = s;
			continue;
		}
		if (!strcmp(s, "--")) {
			only_pos = 1;
			if (c->flags & CMD_OPTS_FIRST) {
				k++;
				break;
			}
			continue;
		}
		if (s[1] == '-') {
			const char *name = s + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			if (len == 4 && !strncmp(name, "help", 4) && !eq) {
				a->help = true;
				a->used = k + 1;
				return 0;
			}
			if (len == 4 && !strncmp(name, "json", 4) && (c->flags & CMD_JSON)) {
				if (eq) {
					say(prog, c, "option --json takes no value");
					return EXIT_USAGE;
				}
				a->json = json_opt = true;
				continue;
			}
			if (len == 6 && !strncmp(name, "format", 6) && (c->flags & CMD_ROWS)) {
				if (!eq && k + 1 >= argc) {
					say(prog, c, "option --format needs a value (%s)", FORMATS);
					return EXIT_USAGE;
				}
				const char *f = eq ? eq + 1 : argv[++k];
				int i = 0;
				while (formats[i] && strcmp(formats[i], f))
					i++;
				if (!formats[i]) {
					say(prog, c, "--format takes %s, not \"%s\"", FORMATS, f);
					return EXIT_USAGE;
				}
				a->format = i;
				a->json = i == 1;
				format_opt = true;
				continue;
			}
			const opt_spec *o = find(spec, name, len, 0);
			if (!o) {
				say(prog, c, "unknown option --%.*s; see '%s%s%s --help'", (int)len, name, prog,
				    c->name[0] ? " " : "", c->name);
				return EXIT_USAGE;
			}
			if ((rc = take_value(prog, c, o, eq ? eq + 1 : NULL, argc, argv, &k, &v)) ||
			    (rc = set(prog, c, opts, seen, o, v)))
				return rc;
			continue;
		}
		/* -x, -xVALUE, or bundled flags -fq */
		for (const char *p = s + 1; *p; p++) {
			if (*p == 'h') {
				a->help = true;
				a->used = k + 1;
				return 0;
			}
			const opt_spec *o = find(spec, NULL, 0, *p);
			if (!o) {
				say(prog, c, "unknown option -%c; see '%s%s%s --help'", *p, prog, c->name[0] ? " " : "",
				    c->name);
				return EXIT_USAGE;
			}
			int flag = o->type == OPT_T_BOOL;
			if ((rc = take_value(prog, c, o, flag || !p[1] ? NULL : p + 1, argc, argv, &k, &v)) ||
			    (rc = set(prog, c, opts, seen, o, v)))
				return rc;
			if (!flag)
				break;
		}
	}
	/* --json is --format json: with another format it is a contradiction. */
	if (json_opt && format_opt && a->format != 1) {
		say(prog, c, "--json and --format %s together: give one of them", formats[a->format]);
		return EXIT_USAGE;
	}
	a->json = a->json || json_opt;
	a->used = k;
	if (a->npos < c->min_pos) {
		say(prog, c, "missing argument; usage: %s%s%s %s", prog, c->name[0] ? " " : "", c->name,
		    c->usage ? c->usage : "");
		return EXIT_USAGE;
	}
	return 0;
}

void opt_help(const opt_table *t, unsigned flags, FILE *to)
{
	for (const opt_spec *o = t ? t->spec : NULL; o && o->type != OPT_T_END; o++) {
		char left[64], names[400];
		const char *arg = o->arg ? o->arg : "", *sp = o->arg ? " " : "";
		if (o->shrt && o->name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->shrt, o->name, sp, arg);
		else if (o->name)
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, sp, arg);
		else
			snprintf(left, sizeof(left), "-%c%s%s", o->shrt, sp, arg);
		fprintf(to, "  %-26s %s%s%s%s\n", left, o->help, o->type == OPT_T_LIST ? " (repeatable)" : "",
		        o->type == OPT_T_ENUM ? ": " : "",
		        o->type == OPT_T_ENUM ? enum_names(o, names, sizeof(names)) : "");
	}
	if (flags & CMD_JSON)
		fprintf(to, "  %-26s %s\n", "    --json", "print JSON instead of a table");
	if (flags & CMD_ROWS)
		fprintf(to, "  %-26s %s\n", "    --format F", "print rows as table (default), json, csv or html");
	fprintf(to, "  %-26s %s\n", "-h, --help", "show this help");
}

void cmd_help(const char *prog, const cmd *c, FILE *to)
{
	int any = (c->opts && c->opts->spec->type != OPT_T_END) || (c->flags & CMD_JSON);
	if (c->name[0])
		fprintf(to, "usage: %s [-C DIR] %s%s%s%s\n\n%s\n", prog, c->name, c->usage ? " " : "",
		        c->usage ? c->usage : "", any ? " [options]" : "", c->summary);
	else
		fprintf(to, "usage: %s%s%s\n\n%s\n", prog, c->usage ? " " : "", c->usage ? c->usage : "", c->summary);
	if (c->details)
		fprintf(to, "\n%s\n", c->details);
	if (any)
		fprintf(to, "\noptions:\n");
	opt_help(c->opts, c->flags, to);
}
