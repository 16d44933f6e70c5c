/* progress.c - an office's progress reports: one from options, many from CSV.
 *
 * Checks what a person typed before anything is written: the task and
 * period exist in the plan, the status is one of the list, percent is a
 * whole number 0-100, actual a decimal kept as text. CSV import is all or
 * nothing: every row is checked and written inside one transaction, and
 * any bad row rolls all of it back with a report naming line and column. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/ops.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/record.h"
#include "plansync/review.h"
#include "plansync/text.h"

/* Fields from the options; *bad names the option at fault on error. */
/* reporter_default (may be NULL) fills the reporter when none is given. */
static int build(cJSON **out, const ps_progress_in *in, const char *reporter_default, const char **bad)
{
	*out = NULL;
	*bad = NULL;
	cJSON *f = cJSON_CreateObject();
	char *clean = NULL;
	int rc = 0;
	if (!f)
		return ps_error_set(PS_ENOMEM, "out of memory");
	if (in->status) {
		*bad = "status";
		int ok = 0;
		for (const char *const *s = ps_progress_statuses; *s; s++)
			ok |= strcmp(*s, in->status) == 0;
		if (!ok) {
			rc = ps_error_set(
			    PS_EINVALID,
			    "status \"%.40s\" is not one of not_started, on_track, at_risk, delayed, done, cancelled",
			    in->status);
			goto out;
		}
		if (!cJSON_AddStringToObject(f, "status", in->status))
			goto oom;
	}
	if (in->percent) {
		*bad = "percent";
		long v;
		if (!ps_number_parse(in->percent, 0, 100, &v)) {
			rc = ps_error_set(PS_EINVALID, "percent \"%.40s\" must be a whole number from 0 to 100",
			                  in->percent);
			goto out;
		}
		if (!cJSON_AddNumberToObject(f, "percent", (double)v))
			goto oom;
	}
	if (in->actual) {
		*bad = "actual";
		if (!ps_decimal_valid(in->actual)) {
			rc = ps_error_set(PS_EINVALID, "actual \"%.40s\" must be a decimal number such as 12 or 3.75",
			                  in->actual);
			goto out;
		}
		if (!cJSON_AddStringToObject(f, "actual", in->actual))
			goto oom;
	}
	if (in->note) {
		*bad = "note";
		if ((rc = ps_text_clean(&clean, in->note, PS_NOTE_MAX, true, "the note")))
			goto out;
		if (!cJSON_AddStringToObject(f, "note", clean))
			goto oom;
		free(clean);
		clean = NULL;
	}
	if (in->nevidence) {
		*bad = "evidence";
		if (in->nevidence > PS_EVIDENCE_MAX_ITEMS) {
			rc = ps_error_set(PS_EINVALID, "at most %d evidence references", PS_EVIDENCE_MAX_ITEMS);
			goto out;
		}
		cJSON *arr = cJSON_AddArrayToObject(f, "evidence");
		if (!arr)
			goto oom;
		for (size_t i = 0; i < in->nevidence; i++) {
			if ((rc = ps_text_clean(&clean, in->evidence[i], PS_EVIDENCE_MAX, false,
			                        "an evidence reference")))
				goto out;
			if (!clean[strspn(clean, " ")]) {
				/* An import drops an empty reference (a trailing ';'); one
				 * given alone is a mistake: no document is named. */
				rc = ps_error_set(
				    PS_EINVALID,
				    "an evidence reference is empty; give the document's reference, such as "
				    "QĐ-123/UBND");
				goto out;
			}
			cJSON *item = cJSON_CreateString(clean);
			if (!item || !cJSON_AddItemToArray(arr, item)) {
				cJSON_Delete(item);
				goto oom;
			}
			free(clean);
			clean = NULL;
		}
	}
	if (!f->child) {
		*bad = NULL;
		rc = ps_error_set(
		    PS_EINVALID,
		    "nothing to record: give at least one of --status, --percent, --actual, --note, --evidence");
		goto out;
	}
	const char *rep = in->reporter ? in->reporter : reporter_default;
	*bad = "reporter";
	if (rep) {
		if ((rc = ps_text_clean(&clean, rep, PS_REPORTER_MAX, false, "the reporter")))
			goto out;
		if (!cJSON_AddStringToObject(f, "reporter", clean))
			goto oom;
	}
	*bad = NULL;
	goto out;
oom:
	*bad = NULL;
	rc = ps_error_set(PS_ENOMEM, "out of memory");
out:
	free(clean);
	if (rc) {
		cJSON_Delete(f);
		return rc;
	}
	*out = f;
	return 0;
}

static int check_refs(ps_replica *r, const char *task, const char *period, const char **bad)
{
	char rec[PS_RECORD_ID_MAX + 1];
	/* This replica's own office must be in the plan too, or every reader
	 * (and this one) holds the report as unplanned and shows it nowhere. */
	*bad = NULL;
	snprintf(rec, sizeof(rec), "office/%s", ps_replica_office(r));
	int known = ps_replica_record_live(r, rec);
	if (known < 0)
		return known;
	if (!known)
		return ps_error_set(
		    PS_ENOTFOUND,
		    "this replica's office %s is not in the plan, so no office would see this report; "
		    "check the office id (plansync plan show lists the offices; has this replica synced "
		    "the plan?) and create the replica again with the right --office",
		    ps_replica_office(r));
	*bad = "task";
	if (!ps_slug_valid(task))
		return ps_error_set(PS_EINVALID,
		                    "task \"%.40s\" is not a task id (such as p2-t7); see 'plansync plan tasks'", task);
	snprintf(rec, sizeof(rec), "task/%s", task);
	int live = ps_replica_record_live(r, rec);
	if (live < 0)
		return live;
	if (!live)
		return ps_error_set(
		    PS_ENOTFOUND, "unknown task \"%s\"; see 'plansync plan tasks' (has this replica synced the plan?)",
		    task);
	*bad = "period";
	if (!ps_slug_valid(period))
		return ps_error_set(PS_EINVALID, "period \"%.40s\" is not a period id (such as 2021 or 2021-q3)",
		                    period);
	snprintf(rec, sizeof(rec), "period/%s", period);
	live = ps_replica_record_live(r, rec);
	if (live < 0)
		return live;
	if (!live)
		return ps_error_set(
		    PS_ENOTFOUND, "unknown period \"%s\"; periods are years (2021) and quarters (2021-q3) of the plan",
		    period);
	*bad = NULL;
	return 0;
}

static int set_one(ps_replica *r, const char *task, const char *period, const ps_progress_in *in, const char *reason,
                   bool in_txn, char **id_out, const char **bad)
{
	int rc = check_refs(r, task, period, bad);
	if (rc)
		return rc;
	/* a period the province closed takes a report with a reason only */
	*bad = "reason";
	if ((rc = ps_period_write_check(r, period, reason)))
		return rc;
	*bad = NULL;
	cJSON *fields = NULL;
	char rec[PS_RECORD_ID_MAX + 1];
	snprintf(rec, sizeof(rec), "progress/%s/%s/%s", ps_replica_office(r), task, period);
	/* The reporter defaults to the person on the first report only, so a
	 * colleague's later edit does not rewrite who reported. */
	int live = ps_replica_record_live(r, rec);
	if (live < 0)
		return live;
	if ((rc = build(&fields, in, live ? NULL : ps_replica_author(r), bad)))
		return rc;
	*bad = "reason";
	rc = ps_replica_write(r, rec, PS_OP_SET, fields, reason, in_txn, id_out);
	if (rc != PS_EINVALID)
		*bad = NULL;
	return rc;
}

int ps_progress_set(ps_replica *r, const char *task, const char *period, const ps_progress_in *in, const char *reason,
                    char **id_out)
{
	const char *bad;
	return set_one(r, task, period, in, reason, false, id_out, &bad);
}

/* ---- CSV (RFC 4180: quotes, doubled quotes, CRLF) --------------------- */

typedef struct csv {
	const char *p, *end;
	int line;
} csv;

/* Next record's cells (each malloc'd); 0 at end, 1 with a row, <0 error. */
static int csv_row(csv *c, char ***cells, size_t *n, int *line)
{
	*cells = NULL;
	*n = 0;
	if (c->p >= c->end)
		return 0;
	*line = c->line;
	ps_buf cell = PS_BUF_INIT;
	char **v = NULL;
	size_t cnt = 0;
	for (;;) {
		int quoted = 0;
		ps_buf_put(&cell, "", 0);
		if (c->p < c->end && *c->p == '"') {
			quoted = 1;
			c->p++;
			for (;;) {
				if (c->p >= c->end) {
					ps_buf_release(&cell);
					ps_strv_free(v, cnt);
					return ps_error_set(PS_EINVALID,
					                    "line %d, column %zu: a quoted cell is not closed", *line,
					                    cnt + 1);
				}
				if (*c->p == '"') {
					if (c->p + 1 < c->end && c->p[1] == '"') {
						ps_buf_put(&cell, "\"", 1);
						c->p += 2;
						continue;
					}
					c->p++;
					break;
				}
				if (*c->p == '\r') { /* a multi-line cell from Windows: CRLF is a newline */
					c->p++;
					if (c->p < c->end && *c->p == '\n')
						c->p++;
					c->line++;
					ps_buf_put(&cell, "\n", 1);
					continue;
				}
				if (*c->p == '\n')
					c->line++;
				ps_buf_put(&cell, c->p++, 1);
			}
		}
		while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
			if (quoted || *c->p == '"') {
				ps_buf_release(&cell);
				ps_strv_free(v, cnt);
				return ps_error_set(PS_EINVALID,
				                    "line %d, column %zu: stray quote or text after a quoted cell",
				                    *line, cnt + 1);
			}
			ps_buf_put(&cell, c->p++, 1);
		}
		char **nv = realloc(v, (cnt + 1) * sizeof(char *));
		char *s = ps_buf_detach(&cell);
		if (!nv || !s) {
			free(s);
			ps_strv_free(nv ? nv : v, cnt);
			return ps_error_set(PS_ENOMEM, "out of memory");
		}
		v = nv;
		v[cnt++] = s;
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '\r')
			c->p++;
		if (c->p < c->end && *c->p == '\n')
			c->p++;
		c->line++;
		break;
	}
	*cells = v;
	*n = cnt;
	return 1;
}

/* Splits an evidence cell in place into at most max references: they are
 * separated by ';', a ';' inside one is written ';;' (as progress show
 * --format csv writes it); spaces before a reference and empty ones are
 * dropped. Returns how many. */
static size_t evidence_split(char *cell, const char **ev, size_t max)
{
	size_t n = 0;
	char *start = cell, *w = cell;
	for (char *p = cell;; p++) {
		if (*p == ';' && p[1] == ';') {
			*w++ = *p++;
			continue;
		}
		if (*p && *p != ';') {
			*w++ = *p;
			continue;
		}
		bool end = !*p;
		*w = 0;
		while (*start == ' ')
			start++;
		if (*start && n < max)
			ev[n++] = start;
		if (end)
			return n;
		start = w = p + 1;
	}
}

static const char *const columns[] = {"task", "period",   "status",   "percent", "actual",
                                      "note", "evidence", "reporter", "reason",  NULL};

int ps_progress_import_csv(ps_replica *r, const char *data, size_t len, char **report, long *written)
{
	*report = NULL;
	*written = 0;
	const char *nul = memchr(data, 0, len);
	if (nul) {
		int at = 1;
		for (const char *q = data; q < nul; q++)
			at += *q == '\n';
		return ps_error_set(PS_EINVALID,
		                    "the CSV file holds a NUL byte on line %d: it is not a text file; save it as "
		                    "\"CSV UTF-8\" and try again",
		                    at);
	}
	if (!ps_text_valid_utf8(data, len))
		return ps_error_set(PS_EINVALID,
		                    "the CSV file is not valid UTF-8; save it as \"CSV UTF-8\" and try again");
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		data += 3; /* spreadsheet byte-order mark */
		len -= 3;
	}
	csv c = {data, data + len, 1};
	char **hdr = NULL;
	size_t nh = 0;
	int line;
	int rc = csv_row(&c, &hdr, &nh, &line);
	if (rc <= 0)
		return rc ? rc
		          : ps_error_set(
		                PS_EINVALID,
		                "the CSV file is empty; the first line must name the columns (task,period,status,...)");
	int col[9];
	for (int k = 0; k < 9; k++)
		col[k] = -1;
	ps_buf rep = PS_BUF_INIT;
	for (size_t i = 0; i < nh; i++) {
		int k;
		for (k = 0; columns[k] && strcmp(columns[k], hdr[i]); k++)
			;
		if (!columns[k])
			ps_buf_printf(&rep,
			              "line 1, column %zu: unknown column \"%s\" (known: task, period, status, "
			              "percent, actual, note, evidence, reporter, reason)\n",
			              i + 1, hdr[i]);
		else if (col[k] >= 0)
			ps_buf_printf(&rep, "line 1, column %zu: column \"%s\" appears twice\n", i + 1, hdr[i]);
		else
			col[k] = (int)i;
	}
	if (col[0] < 0 || col[1] < 0)
		ps_buf_puts(&rep, "line 1: the header must have the columns task and period\n");
	ps_strv_free(hdr, nh);
	ps_store *s = ps_replica_store(r);
	int bad_rows = rep.len > 0;
	if (!bad_rows && (rc = ps_store_begin(s))) {
		ps_buf_release(&rep);
		return rc;
	}
	long rows = 0;
	while (!bad_rows || rep.len < 60000) {
		char **cells;
		size_t n;
		int e = csv_row(&c, &cells, &n, &line);
		if (e == 0)
			break;
		if (e < 0) {
			ps_buf_printf(&rep, "%s\n", ps_error_last());
			bad_rows = 1;
			break;
		}
		if (n == 1 && !cells[0][0]) {
			ps_strv_free(cells, n);
			continue; /* blank line */
		}
		rows++;
#define CELL(k) (col[k] >= 0 && (size_t)col[k] < n && cells[col[k]][0] ? cells[col[k]] : NULL)
		/* One more than allowed, so the check below refuses a 21st. */
		const char *ev[PS_EVIDENCE_MAX_ITEMS + 1];
		size_t nev = 0;
		const char *evcell = CELL(6);
		char *evbuf = evcell ? strdup(evcell) : NULL;
		if (evcell && !evbuf) {
			ps_strv_free(cells, n);
			ps_buf_printf(&rep, "out of memory\n");
			bad_rows = 1;
			break;
		}
		if (evbuf)
			nev = evidence_split(evbuf, ev, PS_EVIDENCE_MAX_ITEMS + 1);
		ps_progress_in in = {CELL(2), CELL(3), CELL(4), CELL(5), CELL(7), ev, nev};
		const char *bad = NULL;
		if (n > nh) {
			/* Cells past the header would be dropped: an unquoted comma in a
			 * note splits it. */
			ps_buf_printf(
			    &rep,
			    "line %d: %zu cells, but the header names %zu columns; put a cell holding a comma "
			    "in double quotes\n",
			    line, n, nh);
			bad_rows = 1;
		} else if (!CELL(0) || !CELL(1)) {
			/* A column the header lacks was reported once, on line 1. */
			if (col[0] >= 0 && col[1] >= 0)
				ps_buf_printf(&rep, "line %d, column %d: task and period are required\n", line,
				              (CELL(0) ? col[1] : col[0]) + 1);
			bad_rows = 1;
		} else {
			int w = bad_rows ? 0 : 1;
			int r2;
			if (w) {
				r2 = set_one(r, CELL(0), CELL(1), &in, CELL(8), true, NULL, &bad);
			} else {
				/* Already failing: only check, write nothing more. */
				cJSON *f = NULL;
				r2 = check_refs(r, CELL(0), CELL(1), &bad);
				if (!r2)
					r2 = build(&f, &in, ps_replica_author(r), &bad);
				cJSON_Delete(f);
			}
			if (r2 == 0 && w)
				(*written)++;
			else if (r2 && r2 != PS_EEXISTS) {
				int k = -1;
				for (int j = 0; bad && columns[j]; j++)
					if (!strcmp(columns[j], bad))
						k = j;
				/* build() names the options of progress set; a file has columns. */
				bool nothing = r2 == PS_EINVALID && !bad && !in.status && !in.percent && !in.actual &&
				               !in.note && !nev;
				if (k >= 0 && col[k] >= 0)
					ps_buf_printf(&rep, "line %d, column %d (%s): %s\n", line, col[k] + 1,
					              columns[k], ps_error_last());
				else if (nothing)
					ps_buf_printf(
					    &rep,
					    "line %d: nothing to record: fill at least one of the columns status, "
					    "percent, actual, note, evidence\n",
					    line);
				else
					ps_buf_printf(&rep, "line %d: %s\n", line, ps_error_last());
				if (r2 != PS_EINVALID && r2 != PS_ENOTFOUND && r2 != PS_ENOTOWNER) {
					bad_rows = 1;
					free(evbuf);
					ps_strv_free(cells, n);
					break;
				}
				if (!bad_rows)
					ps_store_rollback(s);
				bad_rows = 1;
			}
		}
#undef CELL
		free(evbuf);
		ps_strv_free(cells, n);
	}
	if (bad_rows) {
		ps_store_rollback(s);
		*written = 0;
		*report = ps_buf_detach(&rep);
		return ps_error_set(PS_EINVALID, "the CSV file has errors; nothing was written");
	}
	ps_buf_release(&rep);
	if (rows == 0) {
		ps_store_rollback(s);
		return ps_error_set(PS_EINVALID, "the CSV file has a header but no rows");
	}
	return ps_store_commit(s);
}
