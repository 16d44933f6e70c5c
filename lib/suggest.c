/* suggest.c - the closest known id to a mistyped one, ids in canonical
 * form, and the one error text for an id the plan lacks.
 *
 * Exports ps_suggest (edit distance, case-insensitive), ps_id_canon and
 * ps_id_canon_to (ASCII lower-case: ids are slugs), ps_suggest_unknown
 * (the "unknown X" message with the closest live id and the command that
 * lists them), ps_suggest_kind (that id alone), ps_suggest_list_command and ps_suggest_check_office (init
 * --office against the plan on the remote). Reads the live records of a
 * kind through lib/store_views.c; never writes and holds no SQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "plansync/suggest.h"
#include "plansync/error.h"
#include "store_views.h"

/* Longer input is no id (slugs are at most 63 bytes): no suggestion. */
#define SUGGEST_MAX 128

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Edit distance with adjacent transpositions (optimal string alignment),
 * ASCII case ignored. Both at most SUGGEST_MAX bytes. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t rows[3][SUGGEST_MAX + 1];
	size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = lower(a[i - 1]) != lower(b[j - 1]);
			size_t d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (prev[j - 1] + cost < d)
				d = prev[j - 1] + cost;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) && pp[j - 2] + 1 < d)
				d = pp[j - 2] + 1;
			cur[j] = d;
		}
		size_t *t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

/* input occurs in s, case ignored */
static bool contains(const char *s, const char *input, size_t li)
{
	for (; *s; s++) {
		size_t k = 0;
		while (k < li && s[k] && lower(s[k]) == lower(input[k]))
			k++;
		if (k == li)
			return true;
	}
	return false;
}

const char *ps_suggest(const char *input, const char *const *candidates, size_t n)
{
	size_t li = input ? strlen(input) : 0;
	if (!li || li > SUGGEST_MAX)
		return NULL;
	const char *best = NULL, *part = NULL;
	size_t best_d = (size_t)-1;
	bool tie = false; /* two as close: no guess ("p9" is as near p1 as p5) */
	for (size_t i = 0; i < n; i++) {
		const char *c = candidates[i];
		size_t lc = c ? strlen(c) : 0;
		if (!lc || lc > SUGGEST_MAX)
			continue;
		/* Close: a slip of about one character in four, at least one
		 * ("tx-kinhmon", "2021q3", "kinh-mon" for "tx-kinh-mon"; not
		 * "2021" for "2030"). */
		size_t longer = li > lc ? li : lc;
		size_t limit = (longer + 2) / 4 < 1 ? 1 : (longer + 2) / 4;
		size_t d = distance(input, li, c, lc);
		if (d < li && d <= limit && d < best_d) {
			best = c;
			best_d = d;
			tie = false;
		} else if (d == best_d && strcasecmp(c, best)) {
			tie = true;
		}
		/* A part of the id ("kinh" for "tx-kinh-mon"): the shortest. */
		if (li >= 3 && contains(c, input, li) && (!part || lc < strlen(part)))
			part = c;
	}
	return best && !tie ? best : best ? NULL : part;
}

const char *ps_id_canon_to(char *out, size_t size, const char *id)
{
	size_t n = strlen(id);
	if (n >= size)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		out[i] = lower(id[i]);
	return out;
}

char *ps_id_canon(const char *id)
{
	if (!id)
		return NULL;
	char *c = strdup(id);
	for (char *p = c; p && *p; p++)
		*p = lower(*p);
	return c;
}

/* Where the ids of each kind are listed; a kind not named here is in the
 * dump. */
static const struct {
	const char *kind, *command;
} lists[] = {
    {"office", "plansync plan offices"}, {"task", "plansync plan tasks"},     {"period", "plansync plan periods"},
    {"program", "plansync plan show"},   {"target", "plansync plan targets"}, {"progress", "plansync progress show"},
};

const char *ps_suggest_list_command(ps_kind kind)
{
	const char *name = ps_kind_name(kind);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (!strcmp(lists[i].kind, name))
			return lists[i].command;
	return "plansync dump";
}

typedef struct ids {
	char **v;
	size_t n;
} ids;

static int add_id(void *ctx, const ps_sv_last *row)
{
	ids *w = ctx;
	const char *slash = strchr(row->record, '/');
	char **nv = realloc(w->v, (w->n + 1) * sizeof(*nv));
	if (!nv)
		return ps_error_set(PS_ENOMEM, "out of memory");
	w->v = nv;
	if (!(w->v[w->n] = strdup(slash ? slash + 1 : row->record)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	w->n++;
	return 0;
}

int ps_suggest_kind(char **out, ps_replica *r, ps_kind kind, const char *input)
{
	*out = NULL;
	ids w = {NULL, 0};
	int rc = ps_store_shown_records(ps_replica_store(r), kind, add_id, &w);
	const char *near = rc ? NULL : ps_suggest(input, (const char *const *)w.v, w.n);
	if (near && !(*out = strdup(near)))
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	for (size_t i = 0; i < w.n; i++)
		free(w.v[i]);
	free(w.v);
	return rc;
}

int ps_suggest_unknown(ps_replica *r, ps_kind kind, const char *input, const char *hint)
{
	char *near = NULL;
	int rc = ps_suggest_kind(&near, r, kind, input);
	if (rc)
		return rc;
	/* The typed text goes into the message as at most 60 bytes: it may be
	 * anything. */
	if (near)
		ps_error_set(PS_ENOTFOUND, "unknown %s \"%.60s\" (did you mean \"%s\"? the list: %s)%s%s",
		             ps_kind_name(kind), input, near, ps_suggest_list_command(kind), hint ? "; " : "",
		             hint ? hint : "");
	else
		ps_error_set(PS_ENOTFOUND, "unknown %s \"%.60s\" (the list: %s)%s%s", ps_kind_name(kind), input,
		             ps_suggest_list_command(kind), hint ? "; " : "", hint ? hint : "");
	free(near);
	return PS_ENOTFOUND;
}

int ps_suggest_check_office(ps_replica *r)
{
	char rec[PS_RECORD_ID_MAX + 1];
	int plan = ps_replica_record_live(r, "plan/header");
	if (plan <= 0)
		return plan;
	snprintf(rec, sizeof(rec), "office/%s", ps_replica_office(r));
	int live = ps_replica_record_live(r, rec);
	if (live)
		return live < 0 ? live : 0;
	return ps_suggest_unknown(r, PS_KIND_OFFICE, ps_replica_office(r),
	                          "the plan on the remote does not have it, so no office would see this replica's "
	                          "reports; give --office one of the plan's offices");
}
