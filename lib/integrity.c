/* integrity.c - checking a replica against itself.
 *
 * Exports the check an export runs on its pending changes, and ps_check
 * ('plansync check'): SQLite's integrity_check, the tables and indexes of
 * the schema, repo.git there (the way out keeps queued changes), each
 * change row's bytes against the blob id stored when it was written and
 * against its own columns, the state against a fresh fold (rolled back), the Git objects our
 * refs need, and our branch against the exports table. With repair, a
 * damaged change row is rewritten from an intact copy: the Git object of
 * its blob id, the bytes re-encoded from its columns when they hash to that
 * id, or its columns decoded from bytes that still match it. Never changes
 * anything else; never touches the network. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <git2.h>
#include "plansync/integrity.h"
#include "plansync/store.h"
#include "store_sync.h"
#include "store_views.h"
#include "plansync/change.h"
#include "plansync/error.h"
#include "plansync/fold.h"
#include "plansync/json.h"
#include "plansync/log.h"
#include "repo.h"

#define MAX_LISTED 20 /* findings of one kind listed one by one */

/* 0 when the row is intact, else 1 with the reason in why. Bytes with a
 * blob id are checked against it; deep also decodes them and compares
 * the columns (the export needs only the bytes; rows of schema 1, with no
 * blob id, are always decoded). */
static int row_check(const ps_change_row *row, bool deep, char *why, size_t wn)
{
	const char *id = row->id, *record = row->record, *op = row->op, *fields = row->fields, *blob = row->blob;
	const void *bytes = row->bytes;
	size_t len = row->len;
	if (blob) {
		char got[41];
		ps_store_blob_id(got, bytes ? bytes : "", len);
		if (strcmp(got, blob) != 0) {
			snprintf(why, wn,
			         "its stored bytes do not match the blob id %.40s recorded when it was written", blob);
			return 1;
		}
		if (!deep)
			return 0;
	}
	ps_change *c = NULL;
	if (ps_change_decode(&c, bytes ? bytes : "", len)) {
		snprintf(why, wn, "its stored bytes no longer decode (%.200s)", ps_error_last());
		return 1;
	}
	char *cf = ps_json_compact(c->fields);
	int same = cf && id && record && op && fields && strcmp(c->id, id) == 0 && strcmp(c->record, record) == 0 &&
	           strcmp(op, c->op == PS_OP_SET ? "set" : "retire") == 0 && strcmp(cf, fields) == 0;
	free(cf);
	ps_change_free(c);
	if (!same) {
		snprintf(why, wn, "its stored bytes and its columns (id, record, operation, fields) disagree");
		return 1;
	}
	return 0;
}

static int add_problem(ps_store *s, const char *id, const char *reason)
{
	bool added;
	return ps_store_problem_add(s, PS_PROBLEM_OWN, "", id, reason, NULL, &added);
}

typedef struct stop_ctx {
	long long stop;
	char id[PS_CHANGE_ID_MAX + 1], why[300];
} stop_ctx;

static int stop_at_damage(void *ctx, const ps_change_row *row)
{
	stop_ctx *x = ctx;
	if (!row_check(row, false, x->why, sizeof(x->why)))
		return 0;
	x->stop = row->seq;
	snprintf(x->id, sizeof(x->id), "%s", row->id ? row->id : "");
	return 1;
}

int ps_integrity_export_stop(ps_store *s, long long after, long long *stop, char *why, size_t wn)
{
	*stop = LLONG_MAX;
	if (why && wn)
		why[0] = '\0';
	int rc = ps_repo_global_init();
	if (rc)
		return rc;
	stop_ctx x = {.stop = LLONG_MAX};
	if ((rc = ps_store_change_rows(s, true, after, stop_at_damage, &x)) < 0)
		return rc;
	if ((*stop = x.stop) == LLONG_MAX)
		return 0;
	char reason[700];
	snprintf(reason, sizeof(reason),
	         "local change %s was not exported: %s; it and the local changes after it wait, nothing was lost; run "
	         "'plansync check --repair', or 'plansync check' for how to recover",
	         x.id, x.why);
	ps_log(PS_LOG_WARN, "%s", reason);
	if (why && wn)
		snprintf(why, wn, "%s", reason);
	rc = ps_store_begin(s);
	if (!rc)
		rc = add_problem(s, x.id, reason);
	return rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
}

/* ---- plansync check --------------------------------------------------- */

static ps_check_finding *finding(ps_check_result *res, const char *area)
{
	ps_check_finding *nf = realloc(res->f, (res->n + 1) * sizeof(*nf));
	if (!nf)
		return NULL;
	res->f = nf;
	ps_check_finding *f = &res->f[res->n++];
	memset(f, 0, sizeof(*f));
	f->area = area;
	return f;
}

/* Damaged rows hold any bytes: keep the report printable, one line. */
static void printable(char *t)
{
	for (unsigned char *p = (unsigned char *)t; *p; p++)
		if (*p == '\n')
			*p = ';';
		else if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
}

void ps_check_result_release(ps_check_result *res)
{
	free(res->f);
	memset(res, 0, sizeof(*res));
}

/* Tables and indexes of the schema that plansync.db lacks: rebuild makes
 * again what is derived; what only this replica held is restored from a
 * copy or the replica is made again. */
static int check_schema(ps_replica *r, ps_check_result *res)
{
	ps_store *s = ps_replica_store(r);
	char rb[400], lost[400];
	int rc = ps_store_schema_missing(s, rb, sizeof(rb), lost, sizeof(lost));
	if (rc || (!rb[0] && !lost[0]))
		return rc;
	ps_check_finding *f = finding(res, "database");
	if (!f)
		return ps_error_set(PS_ENOMEM, "out of memory");
	const char *d = ps_replica_dir(r);
	snprintf(f->what, sizeof(f->what), "plansync.db lacks %s%s%s of its schema", rb, rb[0] && lost[0] ? ", " : "",
	         lost);
	if (!lost[0])
		snprintf(f->fix, sizeof(f->fix),
		         "they hold only what the stored changes and Git give again: stop the daemon, then make them "
		         "again and recompute them:\n  plansync -C %s rebuild && plansync -C %s check",
		         d, d);
	else
		snprintf(
		    f->fix, sizeof(f->fix),
		    "%s held what only this replica had: stop the daemon, keep a copy, then restore plansync.db "
		    "from a backup, or re-create the replica from the remote (local changes not yet sent are lost; "
		    "'plansync -C %s.broken log' may list them):\n"
		    "  cp -a %s %s.broken\n"
		    "  plansync init NEWDIR --office %s --remote \"$(plansync -C %s.broken config remote)\"",
		    lost, d, d, d, ps_replica_office(r), d);
	return 0;
}

static int check_database(ps_replica *r, ps_check_result *res)
{
	ps_store *s = ps_replica_store(r);
	if (ps_store_quick_check(s, true) == 0)
		return check_schema(r, res);
	ps_check_finding *f = finding(res, "database");
	if (!f)
		return ps_error_set(PS_ENOMEM, "out of memory");
	const char *d = ps_replica_dir(r);
	snprintf(f->what, sizeof(f->what), "%s", ps_error_last());
	snprintf(
	    f->fix, sizeof(f->fix),
	    "stop the daemon, keep a copy, salvage the rows SQLite can still read, then recompute the rest:\n"
	    "  cp -a %s %s.broken\n"
	    "  sqlite3 %s.broken/plansync.db .recover | sqlite3 %s/plansync.recovered.db\n"
	    "  mv %s/plansync.recovered.db %s/plansync.db && rm -f %s/plansync.db-wal %s/plansync.db-shm\n"
	    "  plansync -C %s rebuild && plansync -C %s check\n"
	    "or re-create the replica from the remote (local changes not yet sent are lost; 'plansync -C %s.broken "
	    "log' lists them):\n"
	    "  plansync init NEWDIR --office %s --remote \"$(plansync -C %s.broken config remote)\"",
	    d, d, d, d, d, d, d, d, d, d, d, ps_replica_office(r), d);
	return 0;
}

/* Rewrite one damaged change row from an intact copy; 1 when repaired. */
static int repair_row(ps_store *s, git_odb *odb, const ps_change_row *row)
{
	const char *id = row->id, *blob = row->blob;
	git_oid oid;
	git_odb_object *o = NULL;
	int fixed = 0;
	if (!id)
		return 0;
	/* 1: the Git object the bytes were written as (exported or imported) */
	if (blob && odb && git_oid_fromstrn(&oid, blob, 40) == 0 && git_odb_read(&o, odb, &oid) == 0) {
		ps_change *c = NULL;
		if (ps_change_decode(&c, git_odb_object_data(o), git_odb_object_size(o)) == 0 && strcmp(c->id, id) == 0)
			fixed = ps_store_change_rewrite(s, id, git_odb_object_data(o), git_odb_object_size(o), c) == 0;
		ps_change_free(c);
		git_odb_object_free(o);
		if (fixed)
			return 1;
	}
	/* 2: the bytes re-encoded from the columns, when they hash to the id */
	if (!blob)
		return 0;
	ps_change *c = NULL;
	char *bytes = NULL;
	size_t len = 0;
	char got[41] = "";
	if (ps_store_change_from_columns(s, id, &c) == 0 && ps_change_encode(&bytes, &len, c) == 0)
		ps_store_blob_id(got, bytes, len);
	if (strcmp(got, blob) == 0 && strcmp(c->id, id) == 0)
		fixed = ps_store_change_set_bytes(s, id, bytes, len) == 0;
	free(bytes);
	ps_change_free(c);
	return fixed;
}

typedef struct changes_ctx {
	ps_replica *r;
	ps_store *s;
	git_odb *odb;
	ps_check_result *res;
	bool repairing;
	long unrepaired;
} changes_ctx;

static int check_row(void *ctx, const ps_change_row *row)
{
	changes_ctx *x = ctx;
	ps_check_result *res = x->res;
	char why[300];
	res->changes++;
	if (!row_check(row, true, why, sizeof(why)))
		return 0;
	if (x->repairing && repair_row(x->s, x->odb, row)) {
		res->repaired++;
		return 0;
	}
	if (x->unrepaired++ >= MAX_LISTED)
		return 0;
	ps_check_finding *f = finding(res, "change");
	if (!f)
		return ps_error_set(PS_ENOMEM, "out of memory");
	snprintf(f->what, sizeof(f->what), "%s change %s: %s", row->local ? "local" : "imported",
	         row->id ? row->id : "?", why);
	if (x->repairing)
		snprintf(f->fix, sizeof(f->fix),
		         "no intact copy is left here. %s\n"
		         "  or restore plansync.db from a backup, or re-create the replica from the remote: "
		         "plansync "
		         "init NEWDIR --office %s --remote URL",
		         row->local
		             ? "If it was sent already, re-create the replica from the remote; if not, write the "
		               "value again with 'plansync progress set' after restoring a backup."
		             : "Fetch it again from Git: plansync -C DIR rebuild",
		         ps_replica_office(x->r));
	else
		snprintf(f->fix, sizeof(f->fix),
		         "rewrite it from an intact copy (its Git object, or its columns when they hash to its blob "
		         "id):\n  plansync -C %s check --repair%s",
		         ps_replica_dir(x->r),
		         row->local ? "" : "\n  or fetch it again from Git: plansync -C DIR rebuild");
	return 0;
}

static int check_changes(ps_replica *r, const ps_check_opts *o, git_odb *odb, ps_check_result *res)
{
	ps_store *s = ps_replica_store(r);
	changes_ctx x = {r, s, odb, res, o && o->repair && !ps_store_readonly(s), 0};
	int rc = x.repairing ? ps_store_begin(s) : 0;
	if (!rc)
		rc = ps_store_change_rows(s, false, 0, check_row, &x);
	if (x.repairing) {
		if (!rc && res->repaired)
			rc = ps_fold_all(s, NULL, NULL);
		rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	}
	if (!rc && x.unrepaired > MAX_LISTED) {
		ps_check_finding *f = finding(res, "change");
		if (f)
			snprintf(f->what, sizeof(f->what), "%ld more damaged changes not listed",
			         x.unrepaired - MAX_LISTED);
	}
	return rc;
}

static int check_state(ps_replica *r, ps_check_result *res)
{
	ps_store *s = ps_replica_store(r);
	if (ps_store_readonly(s))
		return 0;
	int rc = ps_store_begin(s);
	if (rc)
		return rc;
	rc = ps_store_state_snapshot(s);
	if (!rc)
		rc = ps_fold_all(s, NULL, NULL);
	long differ = -1;
	if (!rc)
		rc = ps_store_state_diff(s, &differ);
	ps_store_rollback(s); /* the temp tables and the fresh fold go with it */
	if (rc)
		return rc;
	res->state_run = true;
	res->state_ok = differ == 0;
	if (differ) {
		ps_check_finding *f = finding(res, "state");
		if (!f)
			return ps_error_set(PS_ENOMEM, "out of memory");
		snprintf(f->what, sizeof(f->what), "%ld rows of the state differ from a fold of the stored changes",
		         differ);
		snprintf(f->fix, sizeof(f->fix),
		         "recompute the state from the change log and Git:\n  plansync -C %s rebuild",
		         ps_replica_dir(r));
	}
	return 0;
}

typedef struct walkctx {
	git_odb *odb;
	ps_check_result *res;
	ps_replica *r;
	const char *ref;
	bool fetched; /* another replica's branch: a file the fetch left out (over the size cap) is absent by design */
	long bad;
} walkctx;

static void object_fault(walkctx *w, const git_oid *oid, const char *kind)
{
	if (w->bad++ >= MAX_LISTED)
		return;
	ps_check_finding *f = finding(w->res, "git");
	if (!f)
		return;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), oid);
	const git_error *e = git_error_last();
	snprintf(f->what, sizeof(f->what), "Git %s %s (of %s) cannot be read: %s", kind, hex, w->ref,
	         e && e->message ? e->message : "missing");
	char loose[PATH_MAX];
	struct stat sb;
	snprintf(loose, sizeof(loose), "%s/repo.git/objects/%.2s/%s", ps_replica_dir(w->r), hex, hex + 2);
	const char *d = ps_replica_dir(w->r);
	if (!w->fetched) /* our own branch: the remote may never have had it */
		snprintf(f->fix, sizeof(f->fix),
		         "a copy of this replica's own: if not pushed yet, the next sync writes it again from "
		         "plansync.db:\n  plansync -C %s sync\nif pushed, remove the damaged copy and fetch it "
		         "again:\n  rm -f %.900s\n  git -C %s/repo.git fetch --refetch origin && plansync -C %s check",
		         d, loose, d, d);
	else if (stat(loose, &sb) == 0)
		snprintf(
		    f->fix, sizeof(f->fix),
		    "remove the damaged copy and fetch every object again from the remote:\n  rm -f %.900s\n  git -C "
		    "%s/repo.git fetch --refetch origin && plansync -C %s check",
		    loose, d, d);
	else
		snprintf(f->fix, sizeof(f->fix),
		         "fetch every object again from the remote:\n  git -C %s/repo.git fetch --refetch origin && "
		         "plansync "
		         "-C %s check",
		         d, d);
}

static int read_ok(walkctx *w, const git_oid *oid, const char *kind)
{
	size_t size = 0;
	git_object_t type;
	git_odb_object *o = NULL;
	w->res->objects++;
	/* big blobs (quarantined on import) are only looked up, never loaded */
	if (git_odb_read_header(&size, &type, w->odb, oid) < 0 ||
	    (size <= PS_CHANGE_MAX_BYTES && git_odb_read(&o, w->odb, oid) < 0)) {
		object_fault(w, oid, kind);
		return 0;
	}
	git_odb_object_free(o);
	return 1;
}

static int on_tree_entry(const char *root, const git_tree_entry *e, void *payload)
{
	(void)root;
	walkctx *w = payload;
	git_object_t t = git_tree_entry_type(e);
	if (t == GIT_OBJECT_BLOB) {
		if (!w->fetched || git_odb_exists(w->odb, git_tree_entry_id(e)))
			read_ok(w, git_tree_entry_id(e), "file");
	} else if (t == GIT_OBJECT_TREE && !read_ok(w, git_tree_entry_id(e), "tree"))
		return 1; /* skip what is below an unreadable tree */
	return 0;
}

/* The commits of ref and every tree and file they hold (format 2: each
 * commit's tree holds only its own files, and a re-read needs them all). */
static void check_ref(walkctx *w, git_repository *repo, const char *ref)
{
	git_oid tip, oid;
	if (git_reference_name_to_id(&tip, repo, ref) < 0)
		return;
	w->ref = ref;
	git_revwalk *walk = NULL;
	if (git_revwalk_new(&walk, repo) < 0 || git_revwalk_push(walk, &tip) < 0) {
		object_fault(w, &tip, "commit");
		git_revwalk_free(walk);
		return;
	}
	while (git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		git_tree *t = NULL;
		if (!read_ok(w, &oid, "commit") || git_commit_lookup(&c, repo, &oid) < 0)
			continue;
		if (read_ok(w, git_commit_tree_id(c), "tree") && git_commit_tree(&t, c) == 0)
			git_tree_walk(t, GIT_TREEWALK_PRE, on_tree_entry, w);
		git_tree_free(t);
		git_commit_free(c);
	}
	git_revwalk_free(walk);
}

static int check_git(ps_replica *r, git_repository *repo, git_odb *odb, ps_check_result *res)
{
	walkctx w = {odb, res, r, "", false, 0};
	char own[300];
	snprintf(own, sizeof(own), "refs/heads/replicas/%s/%s", ps_replica_office(r), ps_replica_id(r));
	check_ref(&w, repo, own);
	git_reference_iterator *it = NULL;
	if (git_reference_iterator_glob_new(&it, repo, PS_TRACK_REF_PREFIX "*") < 0)
		return ps_repo_error(PS_ERROR, "listing fetched branches");
	git_reference *ref;
	while (git_reference_next(&ref, it) == 0) {
		char name[300];
		snprintf(name, sizeof(name), "%s", git_reference_name(ref));
		git_reference_free(ref);
		w.fetched = true;
		check_ref(&w, repo, name);
	}
	git_reference_iterator_free(it);
	if (w.bad > MAX_LISTED) {
		ps_check_finding *f = finding(res, "git");
		if (f)
			snprintf(f->what, sizeof(f->what), "%ld more unreadable Git objects not listed",
			         w.bad - MAX_LISTED);
	}
	/* Our branch against the exports table: the last export is the tip, or
	 * one step ahead of it (the ref moves after the row; a sync finishes). */
	ps_store *s = ps_replica_store(r);
	char last[GIT_OID_HEXSZ + 1] = "";
	long long batch;
	bool found;
	int rc = ps_store_export_last(s, last, &batch, &found);
	if (rc)
		return rc;
	git_oid tip, lo;
	int has_tip = git_reference_name_to_id(&tip, repo, own) == 0;
	if (!last[0] && !has_tip)
		return 0;
	const char *d = ps_replica_dir(r);
	ps_check_finding *f = NULL;
	if (last[0] && (git_oid_fromstr(&lo, last) < 0 || !git_odb_exists(odb, &lo))) {
		if ((f = finding(res, "branch"))) {
			snprintf(f->what, sizeof(f->what), "the last export, commit %s, is not in repo.git", last);
			snprintf(
			    f->fix, sizeof(f->fix),
			    "fetch it again if it was pushed: git -C %s/repo.git fetch --refetch origin; otherwise "
			    "re-create the replica from the remote: plansync init NEWDIR --office %s --remote URL",
			    d, ps_replica_office(r));
		}
	} else if (has_tip && last[0] && !git_oid_equal(&tip, &lo) && git_graph_descendant_of(repo, &lo, &tip) != 1) {
		char th[GIT_OID_HEXSZ + 1];
		git_oid_tostr(th, sizeof(th), &tip);
		if ((f = finding(res, "branch"))) {
			snprintf(
			    f->what, sizeof(f->what),
			    "this replica's branch %s is at %s, which the exports table does not lead to (last export "
			    "%s): the directory was copied, or the branch was moved by hand",
			    own, th, last);
			snprintf(
			    f->fix, sizeof(f->fix),
			    "never run two copies of one replica; re-create this one from the remote:\n  plansync init "
			    "NEWDIR --office %s --remote URL",
			    ps_replica_office(r));
		}
	} else if (has_tip && !last[0]) {
		if ((f = finding(res, "branch"))) {
			snprintf(
			    f->what, sizeof(f->what),
			    "this replica's branch %s exists but plansync.db records no export (plansync.db replaced?)",
			    own);
			snprintf(
			    f->fix, sizeof(f->fix),
			    "re-create the replica from the remote:\n  plansync init NEWDIR --office %s --remote URL",
			    ps_replica_office(r));
		}
	}
	return 0;
}

/* repo.git cannot be opened. It holds only copies: plansync.db keeps every
 * change, exported or not, and the remote has what was pushed, so an empty
 * repo.git and a sync bring it back without losing the queued changes
 * (re-creating the replica would). */
static int repo_lost(ps_replica *r, ps_check_result *res)
{
	char what[sizeof(res->f->what)];
	snprintf(what, sizeof(what), "%s", ps_error_last());
	ps_store *s = ps_replica_store(r);
	long long done = 0, queued = 0;
	int rc = ps_store_exports_maxseq(s, &done);
	if (!rc)
		rc = ps_store_local_count(s, done, LLONG_MAX, &queued);
	if (rc) /* the database finding, if any, says why */
		ps_error_clear();
	ps_check_finding *f = finding(res, "git");
	if (!f)
		return ps_error_set(PS_ENOMEM, "out of memory");
	const char *d = ps_replica_dir(r);
	char *tail = strstr(what, "; run 'plansync check'");
	if (tail)
		*tail = '\0';
	snprintf(f->what, sizeof(f->what), "%s", what);
	snprintf(f->fix, sizeof(f->fix),
	         "repo.git holds only copies: make it again, empty, and sync; the remote gives back what was "
	         "pushed, and the %lld local change%s not yet exported (queued in plansync.db) %s exported then, "
	         "nothing is lost (do not re-create the replica: that would lose them):\n"
	         "  rm -rf %s/repo.git && git init --bare %s/repo.git\n"
	         "  plansync -C %s sync && plansync -C %s check",
	         queued, queued == 1 ? "" : "s", queued == 1 ? "is" : "are", d, d, d, d);
	return 0;
}

int ps_check(ps_replica *r, const ps_check_opts *o, ps_check_result *res)
{
	int rc0;
	memset(res, 0, sizeof(*res));
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	if (ps_repo_open_replica(&repo, ps_replica_dir(r)) == 0 && git_repository_odb(&odb, repo) < 0) {
		git_repository_free(repo);
		repo = NULL;
	}
	if (!repo && (rc0 = repo_lost(r, res)))
		return rc0;
	int rc = check_database(r, res);
	bool damaged = res->n > 0;
	if (!rc)
		rc = check_changes(r, o, odb, res);
	if (rc && damaged) /* unreadable rows: the database finding says it */
		rc = 0;
	else if (!rc && res->n == 0)
		rc = check_state(r, res); /* a fold over damaged rows says nothing */
	if (!rc && repo) {
		rc = check_git(r, repo, odb, res);
		if (rc && damaged) /* e.g. no exports table: the database finding says it */
			rc = 0;
	}
	git_odb_free(odb);
	git_repository_free(repo);
	if (rc)
		ps_check_result_release(res);
	for (size_t i = 0; i < res->n; i++)
		printable(res->f[i].what);
	return rc;
}
