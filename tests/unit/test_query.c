/* test_query.c - the typed reads of views.h on a small replica: plan,
 * tasks, targets, progress, log, conflicts, status, problems; filters that
 * name nothing; a bad record id that allocates nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/plan.h"
#include "plansync/progress.h"
#include "plansync/views.h"
#include "plansync/dump.h"
#include "plansync/json.h"
#include "store_sync.h"
#include "store_views.h"
#include "plansync/report.h"
#include "plansync/review.h"

static const char plan_doc[] =
    "{\"format\": \"plansync-plan/1\", \"province\": \"tinh\",\n"
    " \"plan\": {\"title\": \"Plan\", \"issuer\": \"Province\", \"date\": \"2020-10\", \"term\": \"2020-2025\"},\n"
    " \"offices\": [{\"id\": \"tinh\", \"name\": \"Province\"}, {\"id\": \"ha\", \"name\": \"A\"},\n"
    "              {\"id\": \"hb\", \"name\": \"B\"}],\n"
    " \"programs\": [{\"id\": \"p2\", \"title\": \"Two\", \"number\": 2, \"period\": \"2021-2025\"},\n"
    "              {\"id\": \"p1\", \"title\": \"One\", \"number\": 1, \"period\": \"2021-2025\"}],\n"
    " \"objectives\": [{\"id\": \"p1-o1\", \"program\": \"p1\", \"text\": \"o\"}],\n"
    " \"tasks\": [{\"id\": \"p1-t10\", \"program\": \"p1\", \"text\": \"ten\"},\n"
    "           {\"id\": \"p1-t2\", \"program\": \"p1\", \"text\": \"two\"},\n"
    "           {\"id\": \"p2-t1\", \"program\": \"p2\", \"text\": \"other\"}],\n"
    " \"committees\": [{\"id\": \"p1\", \"program\": \"p1\", \"head_role\": \"Chair\", \"members\": [\"tc\", "
    "\"kh\"]}],\n"
    " \"agencies\": [{\"id\": \"tc\", \"name\": \"Finance\"}, {\"id\": \"kh\", \"name\": \"Planning\"}],\n"
    " \"targets\": [{\"id\": \"t-a\", \"task\": \"p1-t2\", \"office\": \"ha\", \"text\": \"for a\", \"deadline\": "
    "\"2025-12-31\"},\n"
    "             {\"id\": \"t-b\", \"task\": \"p1-t2\", \"office\": \"hb\", \"text\": \"for b\"}],\n"
    " \"periods\": [{\"id\": \"2021\", \"kind\": \"year\", \"start\": \"2021-01-01\", \"end\": \"2021-12-31\"}]\n"
    "}\n";

typedef struct fixture {
	char *dir;
	ps_replica *r;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	f->dir = tmpdir_new();
	char path[700];
	snprintf(path, sizeof(path), "%s/r", f->dir);
	ps_init_opts o = {.office = "tinh", .replica = "tinh-aaaaaa", .user_name = "Lan"};
	assert_int_equal(ps_replica_init(&f->r, path, &o), 0);
	ps_plan_stats st;
	int rc = ps_plan_import(f->r, plan_doc, sizeof(plan_doc) - 1, &st);
	if (rc)
		print_error("%s\n", ps_error_last());
	assert_int_equal(rc, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	ps_replica_free(f->r);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static void plan_view(void **state)
{
	fixture *f = *state;
	ps_plan_view *v = NULL;
	assert_int_equal(ps_view_plan(&v, f->r), 0);
	assert_string_equal(v->title, "Plan");
	assert_string_equal(v->issuer, "Province");
	assert_null(v->place);
	assert_int_equal(v->nprograms, 2);
	assert_string_equal(v->programs[0].id, "p1");
	assert_int_equal(v->programs[0].number, 1);
	assert_int_equal(v->programs[0].objectives, 1);
	assert_int_equal(v->programs[0].tasks, 2);
	assert_int_equal(v->programs[0].committee_size, 2);
	assert_string_equal(v->programs[0].committee_head, "Chair");
	assert_int_equal(v->programs[1].committee_size, 0);
	assert_null(v->programs[1].committee_head);
	assert_int_equal(v->programs[1].vision_year, -1);
	long offices = -1, tasks = -1;
	for (size_t i = 0; i < v->ncounts; i++) {
		if (!strcmp(v->counts[i].kind, "office"))
			offices = v->counts[i].n;
		if (!strcmp(v->counts[i].kind, "task"))
			tasks = v->counts[i].n;
		assert_string_not_equal(v->counts[i].kind, "committee");
	}
	assert_int_equal(offices, 3);
	assert_int_equal(tasks, 3);
	ps_plan_view_free(v);
	ps_plan_view_free(NULL);
}

static void tasks_and_targets(void **state)
{
	fixture *f = *state;
	ps_tasks_view *t = NULL;
	assert_int_equal(ps_view_tasks(&t, f->r, "p1", NULL), 0);
	assert_int_equal(t->n, 2);
	assert_string_equal(t->v[0].id, "p1-t2"); /* natural order */
	assert_string_equal(t->v[1].id, "p1-t10");
	assert_int_equal(t->v[0].noffices, 2);
	assert_string_equal(t->v[0].offices[0], "ha");
	assert_non_null(t->v[1].offices); /* an empty list, not absent */
	assert_int_equal(t->v[1].noffices, 0);
	ps_tasks_view_free(t);

	/* Every office reports on every task: all of them, its own target
	 * marked; matched case-insensitively. */
	assert_int_equal(ps_view_tasks(&t, f->r, NULL, "HB"), 0);
	assert_int_equal(t->n, 3);
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].id, "p1-t2")) {
			assert_string_equal(t->v[i].target, "t-b");
			assert_int_equal(t->v[i].noffices, 2);
		} else {
			assert_null(t->v[i].target);
		}
	ps_tasks_view_free(t);

	t = (ps_tasks_view *)1;
	assert_int_equal(ps_view_tasks(&t, f->r, "p9", NULL), PS_ENOTFOUND);
	assert_null(t);
	assert_non_null(strstr(ps_error_last(), "unknown program \"p9\""));

	ps_targets_view *g = NULL;
	assert_int_equal(ps_view_targets(&g, f->r, NULL), 0);
	assert_int_equal(g->n, 2);
	assert_string_equal(g->v[0].id, "t-a");
	assert_string_equal(g->v[0].deadline, "2025-12-31");
	assert_null(g->v[1].deadline);
	ps_targets_view_free(g);
	assert_int_equal(ps_view_targets(&g, f->r, "nowhere"), PS_ENOTFOUND);
}

static void progress_and_log(void **state)
{
	fixture *f = *state;
	const char *ev[] = {"doc-1", "doc-2"};
	ps_progress_in in = {.status = "on_track", .percent = "40"};
	char *id = NULL;
	assert_int_equal(ps_progress_set(f->r, "p1-t2", "2021", &in, "first report", &id), 0);
	free(id);
	ps_progress_in in2 = {.percent = "55", .note = "half, \"more\"", .evidence = ev, .nevidence = 2};
	assert_int_equal(ps_progress_set(f->r, "p1-t2", "2021", &in2, NULL, &id), 0);

	ps_progress_view *p = NULL;
	assert_int_equal(ps_view_progress(&p, f->r, "tinh", NULL, NULL), 0);
	assert_int_equal(p->n, 1);
	assert_string_equal(p->v[0].task, "p1-t2");
	assert_string_equal(p->v[0].status, "on_track");
	assert_int_equal(p->v[0].percent, 55);
	assert_null(p->v[0].actual);
	assert_string_equal(p->v[0].note, "half, \"more\"");
	assert_int_equal(p->v[0].nevidence, 2);
	assert_string_equal(p->v[0].evidence[1], "doc-2");
	assert_string_equal(p->v[0].author, "Lan");
	assert_true(p->v[0].updated > 1600000000000LL);
	ps_progress_view_free(p);
	assert_int_equal(ps_view_progress(&p, f->r, NULL, "p1-t10", NULL), 0);
	assert_int_equal(p->n, 0);
	ps_progress_view_free(p);

	ps_log_view *l = NULL;
	assert_int_equal(ps_view_log(&l, f->r, "progress/tinh/p1-t2/2021", 0), 0);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->v[0].id, id); /* newest first */
	assert_null(l->v[0].reason);
	assert_string_equal(l->v[1].reason, "first report");
	int saw_percent = 0;
	for (size_t i = 0; i < l->v[0].nfields; i++)
		if (!strcmp(l->v[0].fields[i].field, "percent")) {
			saw_percent = 1;
			assert_string_equal(l->v[0].fields[i].old_json, "40"); /* what the writer saw */
			assert_string_equal(l->v[0].fields[i].new_json, "55");
		} else if (!strcmp(l->v[0].fields[i].field, "note")) {
			assert_null(l->v[0].fields[i].old_json);
		}
	assert_true(saw_percent);
	ps_log_view_free(l);
	free(id);
	assert_int_equal(ps_view_log(&l, f->r, NULL, 1), 0);
	assert_int_equal(l->n, 1);
	ps_log_view_free(l);
	/* A bad id fails before anything is allocated (nothing to leak). */
	l = (ps_log_view *)1;
	assert_int_equal(ps_view_log(&l, f->r, "bogus/x", 0), PS_EINVALID);
	assert_null(l);
}

/* Store a change of another replica (its office is the id's first part)
 * as an import would; fields is taken over. The caller folds. */
static void imported(ps_store *s, const char *replica, const char *author, uint64_t ms, const char *record,
                     cJSON *fields)
{
	char office[64];
	snprintf(office, sizeof(office), "%.*s", (int)(strrchr(replica, '-') - replica), replica);
	ps_change *c = NULL;
	assert_int_equal(
	    ps_change_new(&c, office, replica, author, PS_HLC_MAKE(ms, 0), record, PS_OP_SET, NULL, 0, fields, NULL),
	    0);
	char *b;
	size_t n;
	assert_int_equal(ps_change_encode(&b, &n, c), 0);
	assert_int_equal(ps_store_insert_change(s, c, b, n, false, NULL), 0);
	free(b);
	ps_change_free(c);
}

/* Two writers of the same field that saw nothing of each other. */
static void conflicts_view(void **state)
{
	fixture *f = *state;
	ps_store *s = ps_replica_store(f->r);
	const char *rec = "progress/tinh/p1-t2/2021";
	for (int i = 0; i < 2; i++) {
		cJSON *fl = cJSON_CreateObject();
		cJSON_AddStringToObject(fl, "note", i ? "from b" : "from c");
		imported(s, i ? "tinh-bbbbbb" : "tinh-cccccc", i ? "Binh" : "Chi", 1700000000000ULL + (uint64_t)i, rec,
		         fl);
	}
	assert_int_equal(ps_rebuild_state(f->r), 0);
	ps_conflicts_view *v = NULL;
	assert_int_equal(ps_view_conflicts(&v, f->r), 0);
	assert_int_equal(v->n, 1);
	assert_string_equal(v->v[0].record, rec);
	assert_string_equal(v->v[0].field, "note");
	assert_string_equal(v->v[0].value_json, "\"from b\"");
	assert_non_null(v->v[0].winner);
	assert_int_equal(v->v[0].nversions, 2);
	assert_string_equal(v->v[0].versions[0].author, "Chi");
	assert_string_equal(v->v[0].versions[1].value_json, "\"from b\"");
	assert_int_equal(v->v[0].versions[0].time, 1700000000000LL);
	ps_conflicts_view_free(v);

	ps_status_view *st = NULL;
	assert_int_equal(ps_view_status(&st, f->r), 0);
	assert_int_equal(st->conflicts, 1);
	ps_status_view_free(st);
}

static void status_and_problems(void **state)
{
	fixture *f = *state;
	ps_status_view *v = NULL;
	assert_int_equal(ps_view_status(&v, f->r), 0);
	assert_string_equal(v->office, "tinh");
	assert_string_equal(v->replica, "tinh-aaaaaa");
	assert_string_equal(v->user, "Lan");
	assert_null(v->remote);
	assert_true(v->records > 10);
	assert_int_equal(v->own.total, v->changes);
	assert_int_equal(v->own.not_exported, v->own.total);
	assert_int_equal(v->own.delivered, 0);
	assert_int_equal(v->own.future, 0);
	assert_int_equal(v->own.future_until, 0);
	assert_false(v->daemon.running);
	assert_int_equal(v->daemon.pid, -1);
	assert_int_equal(v->last_sync.time, 0);
	assert_string_equal(v->last_sync.message, "never synced");
	ps_status_view_free(v);

	ps_problems_view *p = NULL;
	assert_int_equal(ps_view_problems(&p, f->r), 0);
	assert_int_equal(p->n, 0);
	ps_problems_view_free(p);

	/* One of this replica's own changes held back names the change, not
	 * a branch or a path. */
	bool added;
	assert_int_equal(ps_store_problem_add(ps_replica_store(f->r), PS_PROBLEM_OWN, "", "01a2-tinh-aaaaaa", "damaged",
	                                      NULL, &added),
	                 0);
	assert_int_equal(ps_view_problems(&p, f->r), 0);
	assert_int_equal(p->n, 1);
	assert_null(p->v[0].branch);
	assert_null(p->v[0].path);
	assert_null(p->v[0].commit);
	assert_null(p->v[0].record);
	assert_string_equal(p->v[0].change, "01a2-tinh-aaaaaa");
	ps_problems_view_free(p);
}

/* Progress naming a period the plan lacks is held: a problem, not shown. */
static void unplanned_problem(void **state)
{
	fixture *f = *state;
	ps_store *s = ps_replica_store(f->r);
	cJSON *fl = cJSON_CreateObject();
	cJSON_AddNumberToObject(fl, "percent", 5);
	imported(s, "ha-dddddd", "Dung", 1700000000000ULL, "progress/ha/p1-t2/2099", fl);
	assert_int_equal(ps_rebuild_state(f->r), 0);
	ps_problems_view *p = NULL;
	assert_int_equal(ps_view_problems(&p, f->r), 0);
	assert_int_equal(p->n, 1);
	assert_int_equal(p->v[0].time, 0);
	assert_null(p->v[0].commit);
	assert_string_equal(p->v[0].branch, "replicas/ha/ha-dddddd");
	assert_null(p->v[0].path); /* a record is not a file */
	assert_null(p->v[0].change);
	assert_string_equal(p->v[0].record, "progress/ha/p1-t2/2099");
	assert_non_null(strstr(p->v[0].reason, "period/2099"));
	ps_problems_view_free(p);
	ps_progress_view *pv = NULL;
	assert_int_equal(ps_view_progress(&pv, f->r, "ha", NULL, NULL), 0);
	assert_int_equal(pv->n, 0);
	ps_progress_view_free(pv);
}

/* plan offices, plan periods: what ids exist, in the document's order. */
static void offices_and_periods(void **state)
{
	fixture *f = *state;
	ps_offices_view *o = NULL;
	assert_int_equal(ps_view_offices(&o, f->r), 0);
	assert_int_equal(o->n, 3);
	assert_string_equal(o->v[0].id, "tinh");
	assert_string_equal(o->v[1].id, "ha");
	assert_string_equal(o->v[1].name, "A");
	assert_int_equal(o->v[1].targets, 1);
	assert_int_equal(o->v[0].targets, 0);
	ps_offices_view_free(o);
	ps_periods_view *p = NULL;
	assert_int_equal(ps_view_periods(&p, f->r), 0);
	assert_int_equal(p->n, 1);
	assert_string_equal(p->v[0].id, "2021");
	assert_string_equal(p->v[0].state, "open");
	assert_null(p->v[0].closed);
	assert_null(p->v[0].due);
	ps_periods_view_free(p);
	/* an unknown status filter is bad input, with the closest one */
	ps_progress_view *pv = NULL;
	ps_progress_filter pf = {.status = "don"};
	assert_int_equal(ps_view_progress_where(&pv, f->r, &pf), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "did you mean \"done\""));
	pf.status = "DONE";
	assert_int_equal(ps_view_progress_where(&pv, f->r, &pf), 0);
	ps_progress_view_free(pv);
}

static void no_plan(void **state)
{
	(void)state;
	char *dir = tmpdir_new();
	char path[700];
	snprintf(path, sizeof(path), "%s/r", dir);
	ps_init_opts o = {.office = "ha"};
	ps_replica *r = NULL;
	assert_int_equal(ps_replica_init(&r, path, &o), 0);
	ps_plan_view *v = (ps_plan_view *)1;
	assert_int_equal(ps_view_plan(&v, r), PS_ENOTFOUND);
	assert_null(v);
	assert_non_null(strstr(ps_error_last(), "no plan yet"));
	ps_replica_free(r);
	tmpdir_remove(dir);
}

/* The province's reports (report.h): coverage with review states, the
 * mean per program, target verdicts late first, a withdrawn or unknown
 * period refused. */
static void report_reads(void **state)
{
	fixture *f = *state;
	ps_store *s = ps_replica_store(f->r);
	const char *rows[][4] = {{"progress/ha/p1-t2/2021", "on_track", "40", "ha-dddddd"},
	                         {"progress/ha/p2-t1/2021", "done", "100", "ha-dddddd"},
	                         {"progress/hb/p1-t2/2021", "delayed", "10", "hb-eeeeee"}};
	for (size_t i = 0; i < 3; i++) {
		cJSON *fl = cJSON_CreateObject();
		cJSON_AddStringToObject(fl, "status", rows[i][1]);
		cJSON_AddNumberToObject(fl, "percent", atoi(rows[i][2]));
		imported(s, rows[i][3], "Dung", 1700000000000ULL + i, rows[i][0], fl);
	}
	assert_int_equal(ps_rebuild_state(f->r), 0);
	assert_int_equal(ps_review_write(f->r, true, "ha", "p1-t2", "2021", NULL, false, NULL), 0);
	assert_int_equal(ps_review_write(f->r, false, "hb", "p1-t2", "2021", "more", false, NULL), 0);

	ps_report *d = NULL;
	assert_int_equal(ps_report_open(&d, f->r), 0);
	assert_int_equal(d->noffices, 2); /* the province does not report */
	assert_int_equal(d->ntasks, 3);
	assert_string_equal(d->tasks[1].id, "p1-t10"); /* natural order */
	ps_coverage *c = NULL;
	assert_int_equal(ps_report_coverage(&c, d, "2021"), 0);
	assert_int_equal(c->n, 2);
	assert_string_equal(c->offices[0].office, "ha");
	assert_int_equal(c->offices[0].reported, 2);
	assert_int_equal(c->offices[0].missing, 1);
	assert_int_equal(c->offices[0].accepted, 1);
	assert_int_equal(c->offices[1].returned, 1);
	ps_programs_report *p = NULL;
	assert_int_equal(ps_report_programs(&p, d, NULL), 0);
	assert_string_equal(p->rows[0].program, "p1");
	assert_string_equal(p->rows[0].scope, "province");
	assert_int_equal(p->rows[0].reported, 2);
	assert_int_equal(p->rows[0].percent, 25); /* (40 + 10) / 2 */
	assert_int_equal(p->rows[1].percent, 40);
	ps_targets_report *t = NULL;
	assert_int_equal(ps_report_targets(&t, d, "2025-06-01"), 0);
	assert_int_equal(t->n, 2);
	assert_string_equal(t->rows[0].target, "t-b"); /* delayed: late, first */
	assert_string_equal(t->rows[0].verdict, "late");
	assert_string_equal(t->rows[1].verdict, "on_track");
	assert_int_equal(ps_report_targets(&t, d, "2026-01-01"), 0);
	assert_int_equal(t->late, 2); /* t-a's deadline passed */
	assert_int_equal(ps_report_coverage(&c, d, "1999"), PS_ENOTFOUND);
	assert_non_null(strstr(ps_error_last(), "plansync plan periods"));
	ps_report_free(d);

	/* A change after acceptance, with no base: changed since accepted. */
	cJSON *fl = cJSON_CreateObject();
	cJSON_AddStringToObject(fl, "note", "later");
	imported(s, "ha-dddddd", "Dung", 1700000001000ULL, "progress/ha/p1-t2/2021", fl);
	assert_int_equal(ps_rebuild_state(f->r), 0);
	assert_int_equal(ps_report_open(&d, f->r), 0);
	assert_int_equal(ps_report_coverage(&c, d, "2021"), 0);
	assert_int_equal(c->offices[0].accepted, 0);
	assert_int_equal(c->offices[0].changed, 1);
	ps_report_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(plan_view, setup, teardown),
	    cmocka_unit_test_setup_teardown(tasks_and_targets, setup, teardown),
	    cmocka_unit_test_setup_teardown(progress_and_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(conflicts_view, setup, teardown),
	    cmocka_unit_test_setup_teardown(status_and_problems, setup, teardown),
	    cmocka_unit_test_setup_teardown(unplanned_problem, setup, teardown),
	    cmocka_unit_test_setup_teardown(offices_and_periods, setup, teardown),
	    cmocka_unit_test(no_plan),
	    cmocka_unit_test_setup_teardown(report_reads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
