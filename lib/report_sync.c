/* report_sync.c - report sync: every replica of every office as this
 * replica's database knows it (its newest change, when its branch last
 * brought something, how many changes, what is held and quarantined), and
 * each office of the plan that no replica has been heard from, so the
 * province sees who has gone quiet.
 *
 * Exports ps_report_sync and ps_sync_report_free of plansync/report.h.
 * Reads rows through lib/store_report.c; never writes. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "plansync/report.h"
#include "plansync/error.h"
#include "plansync/hlc.h"
#include "store_report.h"
#include "view_mem.h"

typedef struct office_name {
	const char *id, *name;
	long order;
	bool heard;
} office_name;

typedef struct sync_walk {
	ps_sync_report *v;
	office_name *offices;
	size_t noffices;
	const char *own_replica;
} sync_walk;

static int office_row(void *ctx, const ps_sr_field *row)
{
	sync_walk *w = ctx;
	ps_view_mem *m = w->v->mem;
	const char *slug = strchr(row->record, '/') ? strchr(row->record, '/') + 1 : row->record;
	if (!w->noffices || strcmp(w->offices[w->noffices - 1].id, slug)) {
		office_name *o = ps_view_mem_push(m, &w->offices, &w->noffices, sizeof(*o));
		if (!o)
			return ps_error_set(PS_ENOMEM, "out of memory");
		o->id = ps_view_mem_str(m, slug);
		o->order = -1;
	}
	office_name *o = &w->offices[w->noffices - 1];
	cJSON *v = row->field ? cJSON_Parse(row->value) : NULL;
	if (v && !strcmp(row->field, "name") && cJSON_IsString(v))
		o->name = ps_view_mem_str(m, v->valuestring);
	if (v && !strcmp(row->field, "order") && cJSON_IsNumber(v))
		o->order = (long)v->valuedouble;
	cJSON_Delete(v);
	return 0;
}

static office_name *office_find(sync_walk *w, const char *id)
{
	for (size_t i = 0; i < w->noffices; i++)
		if (!strcmp(w->offices[i].id, id))
			return &w->offices[i];
	return NULL;
}

static int replica_row(void *ctx, const ps_sr_replica *row)
{
	sync_walk *w = ctx;
	ps_view_mem *m = w->v->mem;
	ps_sync_row *r = ps_view_mem_push(m, &w->v->rows, &w->v->n, sizeof(*r));
	if (!r)
		return ps_error_set(PS_ENOMEM, "out of memory");
	office_name *o = office_find(w, row->office);
	r->office = ps_view_mem_str(m, row->office);
	r->name = o ? o->name : NULL;
	r->enrolled = o != NULL;
	r->order = o ? o->order : LONG_MAX; /* unenrolled last */
	if (o)
		o->heard = true;
	r->replica = ps_view_mem_str(m, row->replica);
	r->own = row->own || (w->own_replica && !strcmp(row->replica, w->own_replica));
	r->last = row->last ? (int64_t)PS_HLC_MS((ps_hlc)row->last) : 0;
	r->received = row->received * 1000;
	r->changes = (long)row->changes;
	r->held_future = (long)row->held;
	r->held_unplanned = (long)row->unplanned;
	r->problems = (long)row->problems;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const ps_sync_row *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	int c = strcmp(x->office, y->office);
	return c ? c : strcmp(x->replica ? x->replica : "", y->replica ? y->replica : "");
}

int ps_report_sync(ps_sync_report **out, ps_replica *r)
{
	*out = NULL;
	ps_sync_report *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	sync_walk w = {v, NULL, 0, ps_replica_id(r)};
	ps_store *s = ps_replica_store(r);
	int rc = ps_store_report_fields(s, "office", office_row, &w);
	if (!rc)
		rc = ps_store_report_replicas(s, replica_row, &w);
	for (size_t i = 0; !rc && i < w.noffices; i++) {
		if (w.offices[i].heard)
			continue;
		ps_sync_row *row = ps_view_mem_push(v->mem, &v->rows, &v->n, sizeof(*row));
		if (!row) {
			rc = ps_error_set(PS_ENOMEM, "out of memory");
			break;
		}
		row->office = w.offices[i].id;
		row->name = w.offices[i].name;
		row->enrolled = true;
		row->order = w.offices[i].order;
	}
	if (!rc && v->n)
		qsort(v->rows, v->n, sizeof(*v->rows), cmp_row);
	return ps_view_done(rc, v, out);
}

void ps_sync_report_free(ps_sync_report *v)
{
	ps_view_release(v);
}
