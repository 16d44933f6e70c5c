/* cmd_keys_admin.c - the province's side of the key registry:
 * plansync keys pending [--json], keys approve|refuse|revoke
 * REPLICA-OR-FINGERPRINT. Prints what lib/keys.c found or wrote; the
 * decisions themselves (and the province-only rule) are the library's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/keys.h"
#include "render.h"

/* One pending request, copied out of the library's borrowed row. */
typedef struct pending_row {
	const char *replica, *office, *fingerprint, *first_seen, *commit;
	long changes;
} pending_row;

static const column pending_cols[] = {
    COL_S(pending_row, replica, "replica", "replica"),
    COL_S(pending_row, office, "office", "office"),
    COL_S(pending_row, fingerprint, "fingerprint", "fingerprint"),
    COL_S(pending_row, first_seen, "first_seen", "first seen"),
    COL_L(pending_row, changes, "changes_held", "changes held"),
    COL_S(pending_row, commit, "commit", NULL),
};
static const view pending_view = VIEW(pending_row, pending_cols);

typedef struct pending_list {
	pending_row *v;
	size_t n, cap;
	int oom;
} pending_list;

static char *dup_or(pending_list *l, const char *s)
{
	char *d = strdup(s ? s : "");
	l->oom |= !d;
	return d;
}

static int add_pending(void *arg, const ps_keyreq *q)
{
	pending_list *l = arg;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		pending_row *nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			return ps_error_set(PS_ENOMEM, "out of memory");
		l->v = nv;
		l->cap = nc;
	}
	pending_row *p = &l->v[l->n++];
	p->replica = dup_or(l, q->replica);
	p->office = dup_or(l, q->office);
	p->fingerprint = dup_or(l, q->fingerprint);
	p->first_seen = dup_or(l, q->first_seen);
	p->commit = dup_or(l, q->commit);
	p->changes = q->changes;
	return l->oom ? ps_error_set(PS_ENOMEM, "out of memory") : 0;
}

static void pending_free(pending_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free((char *)l->v[i].replica);
		free((char *)l->v[i].office);
		free((char *)l->v[i].fingerprint);
		free((char *)l->v[i].first_seen);
		free((char *)l->v[i].commit);
	}
	free(l->v);
}

int cmd_keys_pending(ctx *x, const args *a)
{
	pending_list l = {0};
	int rc = ps_keys_pending_each(x->r, add_pending, &l);
	if (rc) {
		pending_free(&l);
		return fail(rc);
	}
	fmt f = fmt_of(a);
	if (f == FMT_TABLE && !l.n) {
		printf("no enrolment requests\n");
	} else {
		render_rows(stdout, f, &pending_view, l.v, l.n);
		if (f == FMT_TABLE)
			printf(
			    "\nConfirm each fingerprint with the office by phone, then: plansync keys approve REPLICA "
			    "(or keys refuse REPLICA)\n");
	}
	pending_free(&l);
	return 0;
}

typedef struct approve_opts {
	const char *person, *key;
} approve_opts;
static const opt_spec approve_spec[] = {
    OPT_STRING(0, "person", approve_opts, person, "NAME", "the person the key belongs to, kept in the registry"),
    OPT_STRING(0, "key", approve_opts, key, "FILE",
               "the office's key.pub, sent out of band: enrol REPLICA before its first request"),
    OPT_END,
};
const opt_table opts_keys_approve = {approve_spec, sizeof(approve_opts)};

static int print_done(const args *a, const ps_keydone *d, const char *verb)
{
	if (a->json) {
		cJSON *j = cJSON_CreateObject();
		if (!j)
			return fail_msg(EXIT_FAIL, "out of memory");
		cJSON_AddStringToObject(j, "record", d->record);
		cJSON_AddStringToObject(j, "office", d->office);
		cJSON_AddStringToObject(j, "replica", d->replica);
		cJSON_AddStringToObject(j, "fingerprint", d->fingerprint);
		cJSON_AddStringToObject(j, "decision", verb);
		if (!strcmp(verb, "revoked")) {
			if (d->revoked_after[0])
				cJSON_AddStringToObject(j, "revoked_after", d->revoked_after);
			else
				cJSON_AddNullToObject(j, "revoked_after");
		}
		print_json(j);
		cJSON_Delete(j);
		return 0;
	}
	printf("%s the key %s of replica %s (office %s)", verb, d->fingerprint, d->replica, d->office);
	if (!strcmp(verb, "revoked"))
		printf(d->revoked_after[0] ? "; commits after %s are refused" : "; all its commits are refused%s",
		       d->revoked_after);
	printf("; it goes out with the next sync\n");
	return 0;
}

int cmd_keys_approve(ctx *x, const args *a)
{
	const approve_opts *o = a->opts;
	ps_keydone d;
	char *pub = NULL;
	size_t len = 0;
	if (o->key && read_file(o->key, &pub, &len))
		return fail_msg(EXIT_INPUT, "keys approve --key: %s", ps_error_last());
	int rc = ps_keys_approve(&d, x->r, a->pos[0], o->person, pub);
	free(pub);
	return rc ? fail(rc) : print_done(a, &d, "enrolled");
}

int cmd_keys_refuse(ctx *x, const args *a)
{
	ps_keydone d;
	int rc = ps_keys_refuse(&d, x->r, a->pos[0]);
	return rc ? fail(rc) : print_done(a, &d, "refused");
}

int cmd_keys_revoke(ctx *x, const args *a)
{
	ps_keydone d;
	int rc = ps_keys_revoke(&d, x->r, a->pos[0]);
	return rc ? fail(rc) : print_done(a, &d, "revoked");
}
