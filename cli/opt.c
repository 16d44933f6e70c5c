/* opt.c - option parsing from opt_spec tables, and --help from the same data. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static int find(const cmd *c, const char *name, char shrt)
{
	for (int i = 0; c->opts && c->opts[i].name; i++)
		if ((name && !strcmp(c->opts[i].name, name)) || (shrt && c->opts[i].shrt == shrt))
			return i;
	return -1;
}

const char *arg_get(const args *a, const cmd *c, const char *name)
{
	int i = find(c, name, 0);
	return i >= 0 ? a->val[i] : NULL;
}

size_t arg_multi(const args *a, const cmd *c, const char *name, const char *const **out)
{
	int i = find(c, name, 0);
	*out = i >= 0 ? a->multi[i] : NULL;
	return i >= 0 ? a->nmulti[i] : 0;
}

int args_parse(args *a, const cmd *c, int argc, char **argv)
{
	memset(a, 0, sizeof(*a));
	int only_pos = 0;
	for (int k = 0; k < argc; k++) {
		const char *s = argv[k];
		if (!only_pos && !strcmp(s, "--")) {
			only_pos = 1;
			continue;
		}
		if (!only_pos && s[0] == '-' && s[1]) {
			const char *name = NULL, *inl = NULL;
			char shrt = 0, nbuf[64];
			if (s[1] == '-') {
				name = s + 2;
				const char *eq = strchr(name, '=');
				if (eq && (size_t)(eq - name) < sizeof(nbuf)) {
					memcpy(nbuf, name, (size_t)(eq - name));
					nbuf[eq - name] = '\0';
					name = nbuf;
					inl = eq + 1;
				}
				if (!strcmp(name, "json") && (c->flags & CMD_JSON)) {
					a->json = true;
					continue;
				}
			} else {
				shrt = s[1];
				if (s[2])
					inl = s + 2;
			}
			int i = find(c, name, shrt);
			if (i < 0) {
				fprintf(stderr, "plansync: %s: unknown option %s; see 'plansync %s --help'\n", c->name,
				        s, c->name);
				return EXIT_USAGE;
			}
			const opt_spec *o = &c->opts[i];
			const char *v = "1";
			if (o->arg) {
				if (inl)
					v = inl;
				else if (k + 1 < argc)
					v = argv[++k];
				else {
					fprintf(stderr, "plansync: %s: option --%s needs a value (%s)\n", c->name,
					        o->name, o->arg);
					return EXIT_USAGE;
				}
			} else if (inl) {
				fprintf(stderr, "plansync: %s: option --%s takes no value\n", c->name, o->name);
				return EXIT_USAGE;
			}
			if (o->multi) {
				if (a->nmulti[i] >= MAX_MULTI) {
					fprintf(stderr, "plansync: %s: too many --%s options\n", c->name, o->name);
					return EXIT_USAGE;
				}
				a->multi[i][a->nmulti[i]++] = v;
			} else if (a->val[i]) {
				fprintf(stderr, "plansync: %s: option --%s given twice\n", c->name, o->name);
				return EXIT_USAGE;
			}
			a->val[i] = v;
			continue;
		}
		if (a->npos >= c->max_pos) {
			fprintf(stderr, "plansync: %s: unexpected argument \"%s\"; usage: plansync %s %s\n", c->name, s,
			        c->name, c->usage ? c->usage : "");
			return EXIT_USAGE;
		}
		a->pos[a->npos++] = s;
	}
	if (a->npos < c->min_pos) {
		fprintf(stderr, "plansync: %s: missing argument; usage: plansync %s %s\n", c->name, c->name,
		        c->usage ? c->usage : "");
		return EXIT_USAGE;
	}
	return 0;
}

void cmd_help(const cmd *c, FILE *to)
{
	if (!c->name[0]) {
		fprintf(to, "%s\n", c->summary);
	} else
		fprintf(to, "usage: plansync [-C DIR] %s%s%s%s\n\n%s\n", c->name, c->usage ? " " : "",
		        c->usage ? c->usage : "",
		        (c->opts && c->opts[0].name) || (c->flags & CMD_JSON) ? " [options]" : "", c->summary);
	if (c->details)
		fprintf(to, "\n%s\n", c->details);
	if ((c->opts && c->opts[0].name) || (c->flags & CMD_JSON)) {
		fprintf(to, "\noptions:\n");
		for (int i = 0; c->opts && c->opts[i].name; i++) {
			char left[64];
			const opt_spec *o = &c->opts[i];
			if (o->shrt)
				snprintf(left, sizeof(left), "-%c, --%s%s%s", o->shrt, o->name, o->arg ? " " : "",
				         o->arg ? o->arg : "");
			else
				snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				         o->arg ? o->arg : "");
			fprintf(to, "  %-26s %s%s\n", left, o->help, o->multi ? " (repeatable)" : "");
		}
		if (c->flags & CMD_JSON)
			fprintf(to, "  %-26s %s\n", "    --json", "print JSON instead of a table");
	}
	fprintf(to, "  %-26s %s\n", "-h, --help", "show this help");
}
