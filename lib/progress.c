/* progress.c - an office's progress reports: one from options, many from
 * CSV, and taking one back (withdraw: the record retired).
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
#include <strings.h>
#include "csv.h"
#include "plansync/ops.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/record.h"
#include "plansync/suggest.h"
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
		/* matched case-insensitively ("On_track"), stored as listed */
		const char *st = NULL;
		for (const char *const *s = ps_progress_statuses; *s; s++)
			if (!strcasecmp(*s, in->status))
				st = *s;
		if (!st) {
			rc = ps_error_set(
			    PS_EINVALID,
			    "status \"%.40s\" is not one of not_started, on_track, at_risk, delayed, done, cancelled",
			    in->status);
			goto out;
		}
		if (!cJSON_AddStringToObject(f, "status", st))
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

/* The task and period as typed are matched case-insensitively: ct and cp
 * (64 bytes each) get their canonical forms, which the record id uses. */
static int check_refs(ps_replica *r, const char *task, const char *period, const char **bad, char *ct, char *cp)
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
		    "check the office id (plansync plan offices lists the offices; has this replica synced "
		    "the plan?) and create the replica again with the right --office",
		    ps_replica_office(r));
	*bad = "task";
	if (!ps_id_canon_to(ct, 64, task) || !ps_slug_valid(ct))
		return ps_error_set(PS_EINVALID,
		                    "task \"%.40s\" is not a task id (such as p2-t7); see 'plansync plan tasks'", task);
	snprintf(rec, sizeof(rec), "task/%s", ct);
	int live = ps_replica_record_live(r, rec);
	if (live < 0)
		return live;
	if (!live)
		return ps_suggest_unknown(r, PS_KIND_TASK, task, "has this replica synced the plan?");
	*bad = "period";
	if (!ps_id_canon_to(cp, 64, period) || !ps_slug_valid(cp))
		return ps_error_set(PS_EINVALID,
		                    "period \"%.40s\" is not a period id (such as 2021 or 2021-q3); see 'plansync "
		                    "plan periods'",
		                    period);
	snprintf(rec, sizeof(rec), "period/%s", cp);
	live = ps_replica_record_live(r, rec);
	if (live < 0)
		return live;
	if (!live)
		return ps_suggest_unknown(r, PS_KIND_PERIOD, period,
		                          "periods are years (2021) and quarters (2021-q3) of the plan");
	*bad = NULL;
	return 0;
}

static int set_one(ps_replica *r, const char *task, const char *period, const ps_progress_in *in, const char *reason,
                   bool in_txn, char **id_out, const char **bad)
{
	char ct[64], cp[64];
	int rc = check_refs(r, task, period, bad, ct, cp);
	if (rc)
		return rc;
	/* a period the province closed takes a report with a reason only */
	*bad = "reason";
	if ((rc = ps_period_write_check(r, cp, reason)))
		return rc;
	*bad = NULL;
	cJSON *fields = NULL;
	char rec[PS_RECORD_ID_MAX + 1];
	snprintf(rec, sizeof(rec), "progress/%s/%s/%s", ps_replica_office(r), ct, cp);
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

int ps_progress_withdraw(ps_replica *r, const char *task, const char *period, const char *reason, char **id_out)
{
	const char *bad;
	char ct[64], cp[64], rec[PS_RECORD_ID_MAX + 1];
	if (id_out)
		*id_out = NULL;
	if (!reason || !reason[strspn(reason, " \t\n")])
		return ps_error_set(PS_EINVALID,
		                    "say why the report is withdrawn: --reason TEXT (kept in the history)");
	int rc = check_refs(r, task, period, &bad, ct, cp);
	if (rc)
		return rc;
	snprintf(rec, sizeof(rec), "progress/%s/%s/%s", ps_replica_office(r), ct, cp);
	int live = ps_replica_record_live(r, rec);
	if (live < 0)
		return live;
	if (!live)
		return ps_error_set(PS_ENOTFOUND,
		                    "office %s has no report on %s for %s to withdraw (withdrawn already, or never "
		                    "made); see 'plansync progress show --office %s'",
		                    ps_replica_office(r), ct, cp, ps_replica_office(r));
	return ps_replica_write(r, rec, PS_OP_RETIRE, NULL, reason, false, id_out);
}

/* ---- CSV import (the reader is lib/csv.c) ---------------------------- */

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
#define NCOLUMNS 9

/* Header names as offices write them, folded (ps_csv_fold), and the
 * column each names. */
static const struct {
	const char *folded;
	int col;
} header_names[] = {
    {"task", 0},
    {"nhiem vu", 0},
    {"ma nhiem vu", 0},
    {"period", 1},
    {"ky", 1},
    {"ky bao cao", 1},
    {"status", 2},
    {"trang thai", 2},
    {"tinh trang", 2},
    {"percent", 3},
    {"ty le", 3},
    {"ti le", 3},
    {"ty le hoan thanh", 3},
    {"ti le hoan thanh", 3},
    {"phan tram", 3},
    {"actual", 4},
    {"gia tri thuc te", 4},
    {"thuc te", 4},
    {"gia tri", 4},
    {"note", 5},
    {"ghi chu", 5},
    {"evidence", 6},
    {"minh chung", 6},
    {"tai lieu minh chung", 6},
    {"reporter", 7},
    {"nguoi bao cao", 7},
    {"reason", 8},
    {"ly do", 8},
    {"li do", 8},
};

/* The column a header cell names, -1 for none, -2 for an empty one (a
 * column a spreadsheet left with no name: its cells must be empty). */
static int header_col(const char *name)
{
	if (!name[strspn(name, " \t")])
		return -2;
	char *f = ps_csv_fold(name);
	int k = -1;
	for (size_t i = 0; f && k < 0 && i < sizeof(header_names) / sizeof(header_names[0]); i++)
		if (!strcmp(f, header_names[i].folded))
			k = header_names[i].col;
	free(f);
	return k;
}

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
	ps_csv c;
	ps_csv_init(&c, data, len);
	char **hdr = NULL;
	size_t nh = 0;
	int line;
	int rc = ps_csv_row(&c, &hdr, &nh, &line);
	if (rc <= 0)
		return rc ? rc
		          : ps_error_set(
		                PS_EINVALID,
		                "the CSV file is empty; the first line must name the columns (task,period,status,...)");
	int col[NCOLUMNS];
	for (int k = 0; k < NCOLUMNS; k++)
		col[k] = -1;
	ps_buf rep = PS_BUF_INIT;
	for (size_t i = 0; i < nh; i++) {
		int k = header_col(hdr[i]);
		if (k == -1)
			ps_buf_printf(&rep,
			              "line 1, column %zu: unknown column \"%s\" (known: task, period, status, "
			              "percent, actual, note, evidence, reporter, reason; or in Vietnamese: Nhiệm vụ, "
			              "Kỳ, Trạng thái, Tỷ lệ, Giá trị thực tế, Ghi chú, Minh chứng, Người báo cáo, Lý "
			              "do)\n",
			              i + 1, hdr[i]);
		else if (k >= 0 && col[k] >= 0)
			ps_buf_printf(&rep, "line 1, column %zu: column \"%s\" appears twice\n", i + 1, hdr[i]);
		else if (k >= 0)
			col[k] = (int)i;
	}
	if (col[0] < 0 || col[1] < 0)
		ps_buf_puts(&rep, "line 1: the header must have the columns task and period\n");
	/* Columns with no name (-2) take no data: where are they? */
	bool *unnamed = calloc(nh ? nh : 1, sizeof(bool));
	if (!unnamed) {
		ps_strv_free(hdr, nh);
		ps_buf_release(&rep);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < nh; i++)
		unnamed[i] = header_col(hdr[i]) == -2;
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
		int e = ps_csv_row(&c, &cells, &n, &line);
		if (e == 0)
			break;
		if (e < 0) {
			ps_buf_printf(&rep, "%s\n", ps_error_last());
			bad_rows = 1;
			break;
		}
		if (ps_csv_blank(cells, n)) {
			ps_strv_free(cells, n);
			continue; /* a blank line, or a row of empty cells */
		}
		rows++;
		/* Cells past the header, or under a column with no name, would be
		 * dropped: a value there is a mistake (an unquoted separator in a
		 * note splits it); empty ones are what a spreadsheet leaves. */
		size_t stray = 0;
		for (size_t i = 0; !stray && i < n; i++)
			if ((i >= nh || unnamed[i]) && cells[i][strspn(cells[i], " \t")])
				stray = i + 1;
		/* Numbers as a spreadsheet writes them ("40%", "3,75"); task and
		 * period without spaces around them. */
		char pct[32], act[64], tk[64], pd[64];
		const char *numbad = NULL;
		for (int k = 0; k < 5 && !stray && !numbad; k++) {
			const char *cl = col[k] >= 0 && (size_t)col[k] < n ? cells[col[k]] : NULL;
			if (!cl || !cl[0] || k == 2)
				continue;
			int nrc = k == 0   ? ps_csv_trim(tk, sizeof(tk), cl)
			          : k == 1 ? ps_csv_trim(pd, sizeof(pd), cl)
			          : k == 3 ? ps_csv_percent(pct, sizeof(pct), cl)
			                   : ps_csv_decimal(act, sizeof(act), cl, c.sep);
			if (nrc == 0) {
				char *cv = k == 0 ? tk : k == 1 ? pd : k == 3 ? pct : act;
				free(cells[col[k]]);
				if (!(cells[col[k]] = strdup(cv)))
					nrc = ps_error_set(PS_ENOMEM, "out of memory");
			}
			if (nrc)
				numbad = columns[k];
			if (nrc && nrc != PS_EINVALID) {
				stray = 0;
				break;
			}
		}
#define CELL(k) (col[k] >= 0 && (size_t)col[k] < n && cells[col[k]] && cells[col[k]][0] ? cells[col[k]] : NULL)
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
		if (stray > nh) {
			ps_buf_printf(&rep,
			              "line %d: %zu cells, but the header names %zu columns; put a cell holding a %s "
			              "in double quotes\n",
			              line, n, nh, c.sep == ';' ? "semicolon" : "comma");
			bad_rows = 1;
		} else if (stray) {
			ps_buf_printf(&rep, "line %d, column %zu: a value under a column with no name in the header\n",
			              line, stray);
			bad_rows = 1;
		} else if (numbad) {
			int k = 0;
			while (strcmp(columns[k], numbad))
				k++;
			ps_buf_printf(&rep, "line %d, column %d (%s): %s\n", line, col[k] + 1, numbad, ps_error_last());
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
				char ct[64], cp[64];
				r2 = check_refs(r, CELL(0), CELL(1), &bad, ct, cp);
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
	free(unnamed);
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
