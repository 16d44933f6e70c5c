/* dump.c - the whole state as canonical JSON (ps_dump) and recomputing it
 * (ps_rebuild, ps_rebuild_state), declared in dump.h.
 *
 * dump lists the open conflicts and every record with its fields, leaving
 * out records held for the plan (not real yet); two replicas that hold the
 * same changes dump the same bytes. rebuild forgets every derived row,
 * folds the stored changes again (none is deleted) and then reads every
 * fetched branch from its root. Never writes SQL. */
#include <stdlib.h>
#include <string.h>
#include "plansync/dump.h"
#include "plansync/error.h"
#include "plansync/fold.h"
#include "plansync/json.h"
#include "plansync/sync.h"
#include "store_views.h"

typedef struct dump_walk {
	ps_buf *b;
	bool first;
	char *cur; /* the record whose fields are being written */
	const char *sep;
} dump_walk;

static int dump_conflict(void *ctx, const ps_sv_conflict *row)
{
	dump_walk *w = ctx;
	ps_buf_puts(w->b, w->first ? "\n    " : ",\n    ");
	w->first = false;
	ps_buf_puts(w->b, "{\"record\": ");
	ps_json_write_string(w->b, row->record);
	ps_buf_puts(w->b, ", \"field\": ");
	ps_json_write_string(w->b, row->field);
	ps_buf_printf(w->b, ", \"changes\": %s}", row->changes);
	return 0;
}

static int dump_record(void *ctx, const ps_sv_dump_row *row)
{
	dump_walk *w = ctx;
	if (!w->cur || strcmp(w->cur, row->record)) {
		if (w->cur)
			ps_buf_puts(w->b, "}}");
		ps_buf_puts(w->b, w->first ? "\n    " : ",\n    ");
		w->first = false;
		free(w->cur);
		if (!(w->cur = strdup(row->record)))
			return ps_error_set(PS_ENOMEM, "out of memory");
		ps_buf_puts(w->b, "{\"id\": ");
		ps_json_write_string(w->b, row->record);
		ps_buf_printf(w->b, ", \"retired\": %s, \"fields\": {", row->retired ? "true" : "false");
		w->sep = "";
	}
	if (row->field) {
		ps_buf_puts(w->b, w->sep);
		ps_json_write_string(w->b, row->field);
		ps_buf_printf(w->b, ": %s", row->value);
		w->sep = ", ";
	}
	return 0;
}

int ps_dump(ps_replica *r, char **out)
{
	ps_store *s = ps_replica_store(r);
	*out = NULL;
	ps_buf b = PS_BUF_INIT;
	dump_walk w = {&b, true, NULL, ""};
	ps_buf_puts(&b, "{\n  \"conflicts\": [");
	int rc = ps_store_conflicts(s, dump_conflict, &w);
	if (!rc) {
		ps_buf_puts(&b, w.first ? "],\n" : "\n  ],\n");
		ps_buf_puts(&b, "  \"records\": [");
		w.first = true;
		rc = ps_store_dump_records(s, dump_record, &w);
	}
	if (!rc)
		ps_buf_puts(&b, w.cur ? "}}\n  ]\n}\n" : "]\n}\n");
	free(w.cur);
	if (!rc && ps_buf_error(&b))
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	if (rc) {
		ps_buf_release(&b);
		return rc;
	}
	*out = ps_buf_detach(&b);
	return 0;
}

typedef struct fold_ctx {
	ps_progress_fn fn;
	void *ctx;
} fold_ctx;

static void fold_progress(void *ctx, long done, long total)
{
	fold_ctx *pc = ctx;
	if (pc->fn)
		pc->fn(pc->ctx, "records recomputed", done, total);
}

/* Derived state is recomputed from the stored changes, which are never
 * deleted: a change whose branch has disappeared from the remote, or that
 * only this replica still holds, stays. Then every fetched branch is read
 * again from its root, so a change missing here is added (known ones are
 * skipped by id). */
static int rebuild_state(ps_replica *r, ps_progress_fn progress, void *ctx)
{
	ps_store *s = ps_replica_store(r);
	int rc = ps_store_begin(s);
	if (rc)
		return rc;
	rc = ps_store_schema_restore(s); /* derived tables a tool dropped: made again, then filled */
	if (!rc)
		rc = ps_store_forget_derived(s);
	if (!rc)
		rc = ps_store_rebuild_heads(s);
	if (!rc) {
		fold_ctx pc = {progress, ctx};
		rc = ps_fold_all(s, fold_progress, &pc);
	}
	if (!rc)
		rc = ps_store_meta_set(s, "rebuild.pending", NULL);
	if (rc) {
		ps_store_rollback(s);
		return rc;
	}
	return ps_store_commit(s);
}

int ps_rebuild_state(ps_replica *r)
{
	return rebuild_state(r, NULL, NULL);
}

int ps_rebuild(ps_replica *r, ps_progress_fn progress, void *ctx)
{
	int rc = rebuild_state(r, progress, ctx);
	if (rc)
		return rc;
	ps_sync_result res;
	memset(&res, 0, sizeof(res));
	return ps_sync_import(r, &res, progress, ctx);
}
