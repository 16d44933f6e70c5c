/* sync.c - the sync cycle: export, push, fetch, import (DESIGN §6).
 *
 * Export writes objects first, then records the commit in SQLite, then moves
 * the own ref by compare-and-swap; a run that finds SQLite ahead of the ref
 * finishes the move. Import treats every fetched byte as hostile (DESIGN
 * §7): branch names, history that only grows, tree entries, sizes, strict
 * decoding, ownership, clock drift, ids seen before. Each branch's new
 * commits apply in one transaction together with its new head, so a kill
 * leaves either all of it or none. Cost follows what changed: only new
 * commits are walked and only changed subtrees are read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "plansync/sync.h"
#include "store_int.h"
#include "plansync/error.h"
#include "plansync/auth.h"
#include "plansync/fault.h"
#include "plansync/fold.h"
#include "plansync/identity.h"
#include "plansync/integrity.h"
#include "plansync/json.h"
#include "plansync/record.h"
#include "plansync/repo.h"
#include "plansync/ops.h"
#include "plansync/replica.h"
#include "plansync/text.h"

#define BULK_THRESHOLD      256
#define DEFAULT_MAX_DRIFT_S 600
#define MSG_LINES           40

static int open_repo(ps_replica *r, git_repository **repo)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/repo.git", ps_replica_dir(r));
	return ps_repo_open(repo, path);
}

static void own_ref(ps_replica *r, char *out, size_t n)
{
	snprintf(out, n, PS_OWN_REF_PREFIX "%s/%s", ps_replica_office(r), ps_replica_id(r));
}

static int ref_oid(git_repository *repo, const char *name, git_oid *out)
{
	int e = git_reference_name_to_id(out, repo, name);
	if (e == GIT_ENOTFOUND)
		return PS_ENOTFOUND;
	return e < 0 ? ps_repo_error(PS_ERROR, "reading a branch") : 0;
}

static int reissue_against(ps_replica *r, git_repository *repo, const git_oid *tip);

/* ---- export ---------------------------------------------------------- */

typedef struct pending {
	long long seq;
	char *id, *summary, *author, *record;
	ps_hlc hlc;
	char path[PS_CHANGE_PATH_MAX];
} pending;

static int cmp_add(const void *a, const void *b)
{
	return strcmp(((const ps_tree_add *)a)->path, ((const ps_tree_add *)b)->path);
}

/* Finish an export that SQLite recorded but whose ref move was cut off. */
/* Forget the exports after batch (their changes are exported again). */
static int drop_exports_after(ps_store *s, long long batch)
{
	sqlite3_stmt *st = ps_store_stmt(s, "DELETE FROM exports WHERE batch > ?1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, batch);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "forgetting exports");
}

/* What the own branch in repo.git says against plansync.db's exports. */
enum { OWN_OK = 0, OWN_DEFER = 1, OWN_DB_BEHIND = 2 };

/* Bring the own ref in line with the last export recorded in SQLite:
 * finish an export whose ref move was cut off, or move a ref left behind
 * (repo.git restored from an older copy) forward to it. OWN_DEFER: the last
 * export's commit is not here but the remote has it (the fetch brings it;
 * export waits a cycle). OWN_DB_BEHIND: the branch holds commits plansync.db
 * does not know (the database was restored from a backup): the caller
 * continues as a new replica id. */
static int recover_own_ref(ps_replica *r, git_repository *repo, const char *ref, git_oid *head, int *has_head)
{
	ps_store *s = ps_replica_store(r);
	for (int pass = 0; pass < 2; pass++) {
		sqlite3_stmt *st = ps_store_stmt(s, "SELECT commit_id, batch FROM exports ORDER BY batch DESC LIMIT 1");
		if (!st)
			return PS_ERROR;
		git_oid last;
		long long batch = 0;
		int row = sqlite3_step(st) == SQLITE_ROW;
		if (row) {
			git_oid_fromstr(&last, (const char *)sqlite3_column_text(st, 0));
			batch = sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
		if (!row)
			return *has_head ? OWN_DB_BEHIND : OWN_OK;
		if (*has_head && git_oid_equal(&last, head))
			return OWN_OK;
		git_commit *c = NULL;
		if (git_commit_lookup(&c, repo, &last) == 0) {
			git_commit_free(c);
			if (*has_head && git_graph_descendant_of(repo, &last, head) != 1)
				return OWN_DB_BEHIND; /* ahead of, or apart from, what SQLite knows */
			git_reference *nr = NULL;
			int e = *has_head
			            ? git_reference_create_matching(&nr, repo, ref, &last, 1, head,
			                                            "plansync: export (resumed)")
			            : git_reference_create(&nr, repo, ref, &last, 0, "plansync: export (resumed)");
			git_reference_free(nr);
			if (e < 0)
				return ps_repo_error(PS_ERROR, "moving the replica's branch");
			*head = last;
			*has_head = 1;
			return OWN_OK;
		}
		/* The last export's commit is missing here (repo.git restored from
		 * an older copy, or damaged). */
		long long dl = 0;
		int rc = ps_store_meta_get_int(s, "delivered_batch", &dl, 0);
		if (rc)
			return rc;
		if (batch <= dl) {
			ps_log(PS_LOG_INFO,
			       "this replica's last delivered commit is not in repo.git; the fetch brings it "
			       "back, and export waits for it");
			return OWN_DEFER;
		}
		/* Not delivered: its changes are exported again from SQLite. */
		if ((rc = ps_store_begin(s)))
			return rc;
		if ((rc = drop_exports_after(s, dl))) {
			ps_store_rollback(s);
			return rc;
		}
		if ((rc = ps_store_commit(s)))
			return rc;
	}
	return OWN_DEFER;
}

static char *commit_message(ps_replica *r, pending *p, size_t n)
{
	ps_buf b = PS_BUF_INIT;
	if (n == 1) {
		ps_buf_puts(&b, p[0].summary ? p[0].summary : p[0].id);
		ps_buf_puts(&b, "\n");
	} else {
		long kinds[PS_KIND__COUNT] = {0};
		for (size_t i = 0; i < n; i++) {
			ps_record_id rid;
			if (ps_record_parse(&rid, p[i].record) == 0)
				kinds[rid.kind]++;
		}
		ps_buf_printf(&b, "%s: %zu changes (", ps_replica_office(r), n);
		int first = 1;
		for (int k = 0; k < PS_KIND__COUNT; k++)
			if (kinds[k]) {
				ps_buf_printf(&b, "%s%ld %s", first ? "" : ", ", kinds[k], ps_kind_name((ps_kind)k));
				first = 0;
			}
		ps_buf_puts(&b, ")\n\n");
		for (size_t i = 0; i < n && i < MSG_LINES; i++)
			ps_buf_printf(&b, "- %s\n", p[i].summary ? p[i].summary : p[i].id);
		if (n > MSG_LINES)
			ps_buf_printf(&b, "- ... and %zu more\n", n - MSG_LINES);
	}
	ps_buf_printf(&b, "\nOffice: %s\nReplica: %s\nChanges: %zu\n", ps_replica_office(r), ps_replica_id(r), n);
	return ps_buf_detach(&b);
}

static void pending_free(pending *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].id);
		free(p[i].summary);
		free(p[i].author);
		free(p[i].record);
	}
	free(p);
}

/* "Name <email> <seconds> +0000" with the characters Git forbids in a name
 * replaced, so the header stays parseable whatever the person typed. */
static void signature(ps_buf *b, const char *role, const char *name, const char *email, long long when)
{
	ps_buf_printf(b, "%s ", role);
	for (const char *p = name; *p; p++)
		ps_buf_put(b, (*p == '<' || *p == '>' || *p == '\n') ? " " : p, 1);
	ps_buf_printf(b, " <%s> %lld +0000\n", email, when);
}

int ps_sync_export(ps_replica *r, long *exported)
{
	*exported = 0;
	ps_store *s = ps_replica_store(r);
	git_repository *repo = NULL;
	ps_objw *w = NULL;
	git_commit *parent = NULL;
	git_tree *base = NULL;
	pending *p = NULL;
	ps_tree_add *adds = NULL;
	char *msg = NULL;
	ps_buf cb = PS_BUF_INIT;
	size_t n = 0, cap = 0;
	char ref[300];
	git_oid head, toid, coid;
	int has_head, rc;
	own_ref(r, ref, sizeof(ref));
	if ((rc = open_repo(r, &repo)))
		return rc;
	rc = ref_oid(repo, ref, &head);
	has_head = rc == 0;
	if (rc && rc != PS_ENOTFOUND)
		goto out;
	rc = recover_own_ref(r, repo, ref, &head, &has_head);
	if (rc == OWN_DEFER) {
		rc = 0;
		goto out;
	}
	if (rc == OWN_DB_BEHIND) {
		/* plansync.db is older than its own branch (restored in place from
		 * a backup: same file, so the open-time check could not see it).
		 * Its clock may mint ids the branch already holds: continue as a
		 * new id, and write again what the branch holds in other bytes. */
		git_oid old = head;
		if ((rc = ps_identity_fork(r, "plansync.db is older than this replica's branch in repo.git (restored "
		                              "from a backup?)")) ||
		    (rc = reissue_against(r, repo, &old)))
			goto out;
		own_ref(r, ref, sizeof(ref));
		rc = ref_oid(repo, ref, &head);
		has_head = rc == 0;
		if (rc && rc != PS_ENOTFOUND)
			goto out;
		rc = 0;
	} else if (rc) {
		goto out;
	}
	long long done_seq = 0;
	sqlite3_stmt *ls = ps_store_stmt(s, "SELECT coalesce(max(maxseq), 0) FROM exports");
	if (ls && sqlite3_step(ls) == SQLITE_ROW)
		done_seq = sqlite3_column_int64(ls, 0);
	if (ls)
		sqlite3_reset(ls);
	/* By seq, not by id: a bounded clock can stamp a later write lower than
	 * an earlier one, so ids need not follow seq; nothing here needs them to
	 * (the exported range and the author date are by seq and by maximum). */
	long long stop; /* the first change whose stored bytes fail their check */
	if ((rc = ps_integrity_export_stop(s, done_seq, &stop)))
		goto out;
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT seq, id, summary, author, hlc, record, bytes FROM changes "
	                                    "WHERE local = 1 AND seq > ?1 AND seq < ?2 ORDER BY seq");
	if (!st) {
		rc = PS_ERROR;
		goto out;
	}
	/* Many objects go into one pack; a few are written loose. */
	long long npending = 0;
	sqlite3_stmt *cnt = ps_store_stmt(s, "SELECT count(*) FROM changes WHERE local = 1 AND seq > ?1 AND seq < ?2");
	if (cnt) {
		sqlite3_bind_int64(cnt, 1, done_seq);
		sqlite3_bind_int64(cnt, 2, stop);
	}
	if (cnt && sqlite3_step(cnt) == SQLITE_ROW)
		npending = sqlite3_column_int64(cnt, 0);
	if (cnt)
		sqlite3_reset(cnt);
	if (npending == 0)
		goto out;
	if ((rc = ps_objw_new(&w, repo, npending >= BULK_THRESHOLD)))
		goto out;
	sqlite3_bind_int64(st, 1, done_seq);
	sqlite3_bind_int64(st, 2, stop);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			pending *np = realloc(p, cap * sizeof(*np));
			ps_tree_add *na = np ? realloc(adds, (cap + 1) * sizeof(*na)) : NULL;
			if (np)
				p = np;
			if (!na)
				break;
			adds = na;
		}
		pending *e = &p[n++];
		memset(e, 0, sizeof(*e));
		e->seq = sqlite3_column_int64(st, 0);
		e->id = strdup((const char *)sqlite3_column_text(st, 1));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			e->summary = strdup((const char *)sqlite3_column_text(st, 2));
		e->author = strdup((const char *)sqlite3_column_text(st, 3));
		e->hlc = (ps_hlc)sqlite3_column_int64(st, 4);
		e->record = strdup((const char *)sqlite3_column_text(st, 5));
		if (!e->id || !e->author || !e->record)
			break;
		ps_change_path(e->path, ps_replica_office(r), e->id);
		if (ps_objw_add(w, &adds[n - 1].blob, GIT_OBJECT_BLOB, sqlite3_column_blob(st, 6),
		                (size_t)sqlite3_column_bytes(st, 6))) {
			sqlite3_reset(st);
			rc = PS_ERROR;
			goto out;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		rc = rc == SQLITE_ROW ? ps_error_set(PS_ENOMEM, "out of memory")
		                      : ps_store_error(s, "reading changes to export");
		goto out;
	}
	rc = 0;
	if (n == 0)
		goto out;
	for (size_t i = 0; i < n; i++) /* p moved while it grew: point at it now */
		adds[i].path = p[i].path;
	ps_fault_point("export:blobs");
	size_t nadd = n;
	if (has_head) {
		if (git_commit_lookup(&parent, repo, &head) < 0 || git_commit_tree(&base, parent) < 0) {
			rc = ps_repo_error(PS_ERROR, "reading the replica's branch");
			goto out;
		}
	}
	if (!base || !git_tree_entry_byname(base, PS_REPO_FORMAT_FILE)) {
		static const char fmt[] =
		    "{\n  \"format\": 1,\n  \"layout\": \"changes/<office>/<h1>/<h2>/<id>.json\"\n}\n";
		if ((rc = ps_objw_add(w, &adds[nadd].blob, GIT_OBJECT_BLOB, fmt, sizeof(fmt) - 1)))
			goto out;
		adds[nadd++].path = PS_REPO_FORMAT_FILE;
	}
	qsort(adds, nadd, sizeof(*adds), cmp_add);
	if ((rc = ps_repo_tree_add(&toid, repo, w, base, adds, nadd)))
		goto out;
	const char *who = p[0].author;
	ps_hlc last = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(p[i].author, who) != 0)
			who = ps_replica_office(r);
		if (p[i].hlc > last)
			last = p[i].hlc;
	}
	char email[200], hex[GIT_OID_HEXSZ + 1];
	snprintf(email, sizeof(email), "%s@plansync.invalid", ps_replica_id(r));
	msg = commit_message(r, p, n);
	git_oid_tostr(hex, sizeof(hex), &toid);
	ps_buf_printf(&cb, "tree %s\n", hex);
	if (parent) {
		git_oid_tostr(hex, sizeof(hex), &head);
		ps_buf_printf(&cb, "parent %s\n", hex);
	}
	signature(&cb, "author", who, email, (long long)(PS_HLC_MS(last) / 1000));
	signature(&cb, "committer", ps_replica_id(r), email, (long long)(ps_now_ms() / 1000));
	ps_buf_puts(&cb, "\n");
	ps_buf_puts(&cb, msg ? msg : "");
	if (!msg || ps_buf_error(&cb)) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = ps_objw_add(w, &coid, GIT_OBJECT_COMMIT, cb.ptr, cb.len)))
		goto out;
	ps_fault_point("export:commit");
	if ((rc = ps_objw_finish(w)))
		goto out;
	/* Objects are durable; now SQLite, then the ref. */
	git_oid_tostr(hex, sizeof(hex), &coid);
	if ((rc = ps_store_begin(s)))
		goto out;
	long long batch = 0;
	st = ps_store_stmt(s, "SELECT coalesce(max(batch), 0) + 1 FROM exports");
	if (st && sqlite3_step(st) == SQLITE_ROW)
		batch = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	/* Rows written after our SELECT have larger seqs (rowids only grow), so
	 * (previous maxseq, maxseq] is exactly the exported set. */
	long long maxseq = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i].seq > maxseq)
			maxseq = p[i].seq;
	st = ps_store_stmt(s, "INSERT INTO exports(batch, commit_id, changes, maxseq, at) VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!batch || !st) {
		rc = ps_store_error(s, "recording the export");
		goto rollback;
	}
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)n);
	sqlite3_bind_int64(st, 4, maxseq);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(ps_now_ms() / 1000));
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		rc = ps_store_error(s, "recording the export");
		goto rollback;
	}
	sqlite3_reset(st);
	if ((rc = ps_store_commit(s)))
		goto out;
	ps_fault_point("export:recorded");
	git_reference *nr = NULL;
	if ((has_head ? git_reference_create_matching(&nr, repo, ref, &coid, 1, &head, "plansync: export")
	              : git_reference_create(&nr, repo, ref, &coid, 0, "plansync: export")) < 0)
		rc = ps_repo_error(PS_ERROR, "moving the replica's branch (the next sync finishes it)");
	git_reference_free(nr);
	ps_fault_point("export:ref");
	if (!rc)
		*exported = (long)n;
	goto out;
rollback:
	ps_store_rollback(s);
out:
	free(msg);
	ps_buf_release(&cb);
	git_tree_free(base);
	git_commit_free(parent);
	free(adds);
	pending_free(p, n);
	ps_objw_free(w);
	git_repository_free(repo);
	return rc;
}

/* ---- import ---------------------------------------------------------- */

typedef struct imp {
	ps_replica *r;
	git_repository *repo;
	git_odb *odb;
	ps_sync_result *res;
	const char *branch, *office, *replica;
	char commit[GIT_OID_HEXSZ + 1];
	uint64_t max_ms;
	ps_progress_fn progress;
	void *pctx;
	long applied;
	/* decoded, checked changes waiting to be applied together */
	struct pend {
		ps_change *c;
		char *bytes;
		size_t len;
		char commit[GIT_OID_HEXSZ + 1];
		char path[PS_CHANGE_PATH_MAX];
	} * batch;
	size_t nbatch, capbatch;
	struct entry *ent;
	size_t nent, capent;
	ps_hlc max_hlc;
	int rewritten; /* the branch being imported no longer contains its last imported head */
} imp;

#define BATCH_MAX 4096
static int enqueue(imp *m, ps_change *c, const char *data, size_t len, const char *path);
static int flush(imp *m);
struct entry;
static void drop_entries(imp *m);
static int process_entry(imp *m, const char *path, const git_oid *oid);

static int add_problem(ps_store *s, const char *branch, const char *commit, const char *path, const char *reason,
                       ps_sync_result *res)
{
	sqlite3_stmt *st = ps_store_stmt(s, "INSERT OR IGNORE INTO problems(at, branch, commit_id, path, reason) "
	                                    "VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(ps_now_ms() / 1000));
	sqlite3_bind_text(st, 2, branch, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, commit, -1, SQLITE_STATIC);
	/* Names from a hostile tree may hold control characters: show them as '?'. */
	char clean[1100];
	snprintf(clean, sizeof(clean), "%s", path);
	for (char *c = clean; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	sqlite3_bind_text(st, 4, clean, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	if (e != SQLITE_DONE)
		return ps_store_error(s, "recording a problem");
	if (res && sqlite3_changes(ps_store_db(s)) > 0) {
		res->problems++;
		ps_log(PS_LOG_WARN, "quarantined %s %s in %s: %s", branch, commit, clean, reason);
	}
	return 0;
}

static int touch(ps_store *s, const char *record)
{
	sqlite3_stmt *st = ps_store_stmt(s, "INSERT OR IGNORE INTO refold(record) VALUES (?1)");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "noting a record");
}

static int fold_touched(ps_store *s)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps_store_db(s), "SELECT record FROM refold", -1, &st, NULL) != SQLITE_OK)
		return ps_store_error(s, "listing records");
	int rc = 0, e;
	while ((e = sqlite3_step(st)) == SQLITE_ROW && !rc)
		rc = ps_fold_record(s, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (!rc && e != SQLITE_DONE && e != SQLITE_ROW)
		rc = ps_store_error(s, "listing records");
	return rc ? rc : ps_store_exec(s, "DELETE FROM refold");
}

static uint64_t max_drift_ms(ps_replica *r)
{
	long long v;
	if (ps_store_meta_get_int(ps_replica_store(r), "sync.max_drift", &v, DEFAULT_MAX_DRIFT_S) || v <= 0)
		v = DEFAULT_MAX_DRIFT_S;
	return (uint64_t)v * 1000;
}

/* Apply one decoded change (ownership checked by the caller). 1 applied,
 * 0 already known, <0 error; an integrity alarm is a problem, not an error. */
static int apply_change(imp *m, ps_change *c, const char *bytes, size_t len, const char *path)
{
	ps_store *s = ps_replica_store(m->r);
	bool later = false;
	int rc = ps_fold_insert(s, c, bytes, len, false, NULL, true, &later);
	if (rc == PS_EEXISTS)
		return 0;
	if (rc == PS_ECONFLICT)
		return add_problem(s, m->branch, m->commit, path, ps_error_last(), m->res);
	if (rc)
		return rc;
	if ((rc = ps_store_hlc_observe(s, c->hlc)) || (later && (rc = touch(s, c->record))))
		return rc;
	m->applied++;
	ps_fault_point("import:apply");
	if (m->res)
		m->res->imported++;
	if (m->progress && m->applied % 1000 == 0)
		m->progress(m->pctx, "changes applied", m->applied, 0);
	return 1;
}

static int hold(imp *m, ps_change *c, const char *bytes, size_t len, const char *path)
{
	ps_store *s = ps_replica_store(m->r);
	sqlite3_stmt *st = ps_store_stmt(s, "INSERT OR IGNORE INTO held(id, hlc, bytes, branch, commit_id, path) "
	                                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)c->hlc);
	sqlite3_bind_blob(st, 3, bytes, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, m->branch, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, path, -1, SQLITE_STATIC);
	int e = sqlite3_step(st);
	sqlite3_reset(st);
	if (e != SQLITE_DONE)
		return ps_store_error(s, "holding a change back");
	if (m->res)
		m->res->held++;
	char when[32];
	ps_hlc_time(c->hlc, when);
	ps_log(PS_LOG_WARN,
	       "held back %s from %s: its clock says %s UTC, more than the allowed drift ahead of this machine; it "
	       "applies once the clock catches up",
	       c->id, m->branch, when);
	return 0;
}

static int on_bad(void *ctx, const char *path, const char *reason)
{
	imp *m = ctx;
	return add_problem(ps_replica_store(m->r), m->branch, m->commit, path, reason, m->res);
}

/* Added files are collected first and read in id order, so each record's
 * changes arrive in history order and extend it in a straight line. */
struct entry {
	git_oid oid;
	char commit[GIT_OID_HEXSZ + 1];
	char *path;
};

static void drop_entries(imp *m)
{
	for (size_t i = 0; i < m->nent; i++)
		free(m->ent[i].path);
	m->nent = 0;
}

static int add_entry(imp *m, const char *path, const git_oid *oid)
{
	if (strlen(path) >= PS_CHANGE_PATH_MAX)
		return on_bad(m, path, "path too long");
	if (m->nent == m->capent) {
		size_t nc = m->capent ? m->capent * 2 : 256;
		struct entry *ne = realloc(m->ent, nc * sizeof(*ne));
		if (!ne)
			return ps_error_set(PS_ENOMEM, "out of memory");
		m->ent = ne;
		m->capent = nc;
	}
	struct entry *e = &m->ent[m->nent];
	if (!(e->path = strdup(path)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	git_oid_cpy(&e->oid, oid);
	snprintf(e->commit, sizeof(e->commit), "%s", m->commit);
	m->nent++;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const char *x = strrchr(((const struct entry *)a)->path, '/'),
	           *y = strrchr(((const struct entry *)b)->path, '/');
	return strcmp(x ? x : "", y ? y : "");
}

static int process_entries(imp *m)
{
	int rc = 0;
	if (m->nent)
		qsort(m->ent, m->nent, sizeof(struct entry), cmp_entry);
	for (size_t i = 0; i < m->nent && !rc; i++) {
		snprintf(m->commit, sizeof(m->commit), "%s", m->ent[i].commit);
		rc = process_entry(m, m->ent[i].path, &m->ent[i].oid);
	}
	drop_entries(m);
	return rc;
}

static int on_added(void *ctx, const char *path, git_filemode_t mode, const git_oid *oid)
{
	imp *m = ctx;
	(void)mode;
	size_t size = 0;
	git_object_t type;
	if (strcmp(path, PS_REPO_FORMAT_FILE) == 0) {
		git_odb_object *o = NULL;
		if (git_odb_read_header(&size, &type, m->odb, oid) < 0 || size > 4096 ||
		    git_odb_read(&o, m->odb, oid) < 0)
			return on_bad(ctx, path, "format file unreadable or too large");
		cJSON *v = NULL;
		int rc = ps_json_parse_strict(&v, git_odb_object_data(o), git_odb_object_size(o), "format file");
		git_odb_object_free(o);
		const cJSON *f = v ? cJSON_GetObjectItemCaseSensitive(v, "format") : NULL;
		int ok = !rc && cJSON_IsNumber(f) && f->valuedouble == 1;
		cJSON_Delete(v);
		return ok ? 0
		          : on_bad(ctx, path,
		                   "format file names a format this plansync does not read (upgrade plansync)");
	}
	/* changes/<office>/<h1>/<h2>/<id>.json */
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "changes/%s/", m->office);
	if (strncmp(path, prefix, strlen(prefix)) != 0)
		return on_bad(ctx, path, "file outside changes/<this branch's office>/");
	return add_entry(m, path, oid);
}

/* One file of the branch, in change-id order (entries are sorted by file
 * name, which is the id): read, decode, check, queue. */
static int process_entry(imp *m, const char *path, const git_oid *oid)
{
	size_t size = 0;
	git_object_t type;
	if (git_odb_read_header(&size, &type, m->odb, oid) < 0)
		return on_bad(
		    m, path,
		    "file larger than the 64 KiB limit for a change (not fetched), or missing from the remote");
	if (type != GIT_OBJECT_BLOB)
		return on_bad(m, path, "not a file");
	if (size > PS_CHANGE_MAX_BYTES)
		return on_bad(m, path, "file larger than the 64 KiB limit for a change");
	git_odb_object *o = NULL;
	if (git_odb_read(&o, m->odb, oid) < 0)
		return on_bad(m, path, "file cannot be read from the fetched objects");
	const char *data = git_odb_object_data(o);
	size_t len = git_odb_object_size(o);
	ps_change *c = NULL;
	int rc = ps_change_decode(&c, data, len);
	char reason[600];
	if (rc == PS_ENOMEM)
		goto out; /* not the file's fault */
	if (rc) {
		snprintf(reason, sizeof(reason), "%s", ps_error_last());
		rc = on_bad(m, path, reason);
		goto out;
	}
	char want[PS_CHANGE_PATH_MAX];
	ps_change_path(want, c->office, c->id);
	ps_record_id rid;
	ps_record_parse(&rid, c->record);
	const char *owner = ps_record_owner(&rid, ps_replica_province(m->r));
	/* A branch may carry changes of another replica of its office: a
	 * replica that continued under a new id sends its history again. */
	if (strcmp(c->office, m->office) != 0) {
		rc = on_bad(m, path, "change written by another office than the branch's");
	} else if (strcmp(want, path) != 0) {
		rc = on_bad(m, path, "change id does not match its path");
	} else if (strcmp(owner, c->office) != 0) {
		snprintf(reason, sizeof(reason), "office %s may not write %s (owner: %s)", c->office, c->record, owner);
		rc = on_bad(m, path, reason);
	} else if (PS_HLC_MS(c->hlc) > m->max_ms) {
		rc = hold(m, c, data, len, path);
	} else {
		rc = enqueue(m, c, data, len, path);
		c = NULL;
	}
out:
	ps_change_free(c);
	git_odb_object_free(o);
	return rc;
}

/* A rewritten branch's version of a change we hold with other bytes: the
 * branch's current version counts, as it does for a replica that never saw
 * the old one; said once as a problem. */
static int replace_rewritten(imp *m, struct pend *p)
{
	ps_store *s = ps_replica_store(m->r);
	char *old = NULL, reason[400];
	int rc = ps_store_replace_change(s, p->c, p->bytes, p->len, &old);
	if (rc == PS_ECONFLICT) {
		rc = add_problem(s, m->branch, p->commit, p->path, ps_error_last(), m->res);
	} else if (!rc) {
		snprintf(reason, sizeof(reason),
		         "change %s was rewritten on this branch; its current version replaces the one read before",
		         p->c->id);
		if (!(rc = add_problem(s, m->branch, p->commit, p->path, reason, m->res)) &&
		    !(rc = touch(s, p->c->record)))
			rc = touch(s, old);
	}
	free(old);
	return rc;
}

static int cmp_pend(const void *a, const void *b)
{
	const struct pend *x = a, *y = b;
	int r = strcmp(x->c->record, y->c->record);
	return r ? r : strcmp(x->c->id, y->c->id);
}

/* Apply the queued changes: grouped by record in id order; a group that
 * extends its record's history in a straight line updates the state once
 * per field, anything else is refolded at the end of the import. */
static int flush(imp *m)
{
	ps_store *s = ps_replica_store(m->r);
	int rc = 0;
	if (m->nbatch)
		qsort(m->batch, m->nbatch, sizeof(struct pend), cmp_pend);
	ps_change **g = malloc((m->nbatch + 1) * sizeof(ps_change *));
	if (!g)
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	for (size_t i = 0; i < m->nbatch && !rc;) {
		size_t j = i;
		while (j < m->nbatch && !strcmp(m->batch[j].c->record, m->batch[i].c->record))
			j++;
		size_t k = 0;
		for (size_t x = i; x < j; x++)
			g[k++] = m->batch[x].c;
		bool linear = false;
		if ((rc = ps_fold_group_is_linear(s, g, k, &linear)))
			break;
		size_t inserted = 0;
		for (size_t x = i; x < j && !rc; x++) {
			struct pend *p = &m->batch[x];
			/* a straight run sets its record's head once, below */
			int e = ps_store_insert_change_ex(s, p->c, p->bytes, p->len, false, NULL, !linear);
			if (e == 0) {
				inserted++;
				m->applied++;
				if (m->res)
					m->res->imported++;
				if (p->c->hlc > m->max_hlc)
					m->max_hlc = p->c->hlc;
				ps_fault_point("import:apply");
				if (m->progress && m->applied % 1000 == 0)
					m->progress(m->pctx, "changes applied", m->applied, 0);
			} else if (e == PS_ECONFLICT && m->rewritten) {
				rc = replace_rewritten(m, p);
			} else if (e == PS_ECONFLICT) {
				rc = add_problem(s, m->branch, p->commit, p->path, ps_error_last(), m->res);
			} else if (e != PS_EEXISTS) {
				rc = e;
			}
		}
		if (!rc && linear && inserted != k) {
			/* part of the run was known already: heads by the slow way */
			rc = ps_store_rebuild_heads_for(s, g[0]->record);
			linear = false;
		}
		if (!rc && inserted) {
			if (linear)
				rc = (rc = ps_store_set_head(s, g[0]->record, g[k - 1]->id))
				         ? rc
				         : ps_fold_group_apply(s, g, k);
			else
				rc = touch(s, g[0]->record);
		}
		i = j;
	}
	free(g);
	for (size_t i = 0; i < m->nbatch; i++) {
		ps_change_free(m->batch[i].c);
		free(m->batch[i].bytes);
	}
	m->nbatch = 0;
	if (!rc && m->max_hlc)
		rc = ps_store_hlc_observe(s, m->max_hlc);
	if (!rc && m->max_hlc)
		rc = ps_store_note_remote_clock(s, m->max_hlc);
	return rc;
}

/* Queue a decoded, checked change (taken over). */
static int enqueue(imp *m, ps_change *c, const char *data, size_t len, const char *path)
{
	if (m->nbatch == m->capbatch) {
		size_t nc = m->capbatch ? m->capbatch * 2 : 256;
		struct pend *nb = realloc(m->batch, nc * sizeof(*nb));
		if (!nb) {
			ps_change_free(c);
			return ps_error_set(PS_ENOMEM, "out of memory");
		}
		m->batch = nb;
		m->capbatch = nc;
	}
	struct pend *p = &m->batch[m->nbatch];
	p->bytes = malloc(len);
	if (!p->bytes) {
		ps_change_free(c);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	memcpy(p->bytes, data, len);
	p->len = len;
	p->c = c;
	snprintf(p->commit, sizeof(p->commit), "%s", m->commit);
	snprintf(p->path, sizeof(p->path), "%s", path);
	m->nbatch++;
	return m->nbatch >= BATCH_MAX ? flush(m) : 0;
}

/* Held changes whose time has come. */
static int release_held(imp *m)
{
	ps_store *s = ps_replica_store(m->r);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps_store_db(s), "SELECT id, bytes, branch, commit_id, path FROM held WHERE hlc <= ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return ps_store_error(s, "reading held changes");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)PS_HLC_MAKE(m->max_ms, 0xffff));
	int rc = 0, e;
	while (!rc && (e = sqlite3_step(st)) == SQLITE_ROW) {
		ps_change *c = NULL;
		const char *bytes = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		m->branch = (const char *)sqlite3_column_text(st, 2);
		snprintf(m->commit, sizeof(m->commit), "%s", (const char *)sqlite3_column_text(st, 3));
		if (ps_change_decode(&c, bytes, len) == 0) {
			rc = apply_change(m, c, bytes, len, (const char *)sqlite3_column_text(st, 4));
			rc = rc > 0 ? 0 : rc;
		}
		ps_change_free(c);
	}
	sqlite3_finalize(st);
	if (rc)
		return rc;
	st = ps_store_stmt(s, "DELETE FROM held WHERE hlc <= ?1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)PS_HLC_MAKE(m->max_ms, 0xffff));
	e = sqlite3_step(st);
	sqlite3_reset(st);
	return e == SQLITE_DONE ? 0 : ps_store_error(s, "releasing held changes");
}

static int import_branch(imp *m, const char *ref, const git_oid *tip)
{
	ps_store *s = ps_replica_store(m->r);
	git_oid last;
	int has_last = 0, rc = 0;
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT head FROM branches WHERE ref = ?1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		git_oid_fromstr(&last, (const char *)sqlite3_column_text(st, 0));
		has_last = 1;
	}
	sqlite3_reset(st);
	if (has_last && git_oid_equal(&last, tip))
		return 0;
	m->rewritten = 0;
	git_oid_tostr(m->commit, sizeof(m->commit), tip);
	if ((rc = ps_store_begin(s)))
		return rc;
	if (has_last && git_graph_descendant_of(m->repo, tip, &last) != 1) {
		if (git_graph_descendant_of(m->repo, &last, tip) == 1) {
			/* The branch went back (a shared repository seeded from an older
			 * copy): nothing new, and what we have stays. */
			ps_store_rollback(s);
			return 0;
		}
		/* Rewritten: said once per new tip, and the new commits are read
		 * like any others, so every replica ends with the same set whether
		 * or not it saw the old history. Files that change a known id are
		 * refused one by one below. */
		char reason[200];
		char lh[GIT_OID_HEXSZ + 1];
		git_oid_tostr(lh, sizeof(lh), &last);
		snprintf(reason, sizeof(reason),
		         "history rewritten: the branch no longer contains %s; its new commits are read, and a "
		         "change it rewrote counts in its current version",
		         lh);
		if ((rc = add_problem(s, m->branch, m->commit, "", reason, m->res))) {
			ps_store_rollback(s);
			return rc;
		}
		m->rewritten = 1;
	}
	git_revwalk *walk = NULL;
	if (git_revwalk_new(&walk, m->repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 || git_revwalk_push(walk, tip) < 0 ||
	    (has_last && git_revwalk_hide(walk, &last) < 0)) {
		rc = ps_repo_error(PS_EINVALID, "walking the branch");
		goto out;
	}
	git_oid oid;
	while (!rc && git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		git_commit *pc = NULL;
		git_tree *t = NULL, *pt = NULL;
		git_oid_tostr(m->commit, sizeof(m->commit), &oid);
		if (git_commit_lookup(&c, m->repo, &oid) < 0 || git_commit_tree(&t, c) < 0) {
			char what[80];
			snprintf(what, sizeof(what), "commit %s cannot be read", m->commit);
			rc = ps_repo_error(PS_EINVALID, what);
		} else if (git_commit_parentcount(c) > 1) {
			rc = add_problem(s, m->branch, m->commit, "",
			                 "merge commit: a replica branch is a straight line; skipped", m->res);
		} else if (git_commit_parentcount(c) == 1 &&
		           (git_commit_parent(&pc, c, 0) < 0 || git_commit_tree(&pt, pc) < 0)) {
			rc = ps_repo_error(PS_EINVALID, "reading a commit's parent");
		} else {
			rc = ps_repo_diff_added(m->repo, pt, t, on_added, on_bad, m);
		}
		git_tree_free(t);
		git_tree_free(pt);
		git_commit_free(pc);
		git_commit_free(c);
	}
	if (!rc)
		rc = process_entries(m);
	if (!rc)
		rc = flush(m);
	if (rc)
		goto out;
	/* Records that need a full fold wait in refold for the end of the
	 * import: one record written on many branches is folded once. */
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), tip);
	st = ps_store_stmt(s, "INSERT INTO branches(ref, office, replica, head, at) VALUES (?1,?2,?3,?4,?5) "
	                      "ON CONFLICT(ref) DO UPDATE SET head = excluded.head, at = excluded.at");
	if (!st) {
		rc = PS_ERROR;
		goto out;
	}
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->office, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->replica, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(ps_now_ms() / 1000));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ps_store_error(s, "recording the branch head");
	sqlite3_reset(st);
	if (!rc && m->res)
		m->res->branches++;
out:
	git_revwalk_free(walk);
	if (rc) {
		for (size_t i = 0; i < m->nbatch; i++) {
			ps_change_free(m->batch[i].c);
			free(m->batch[i].bytes);
		}
		m->nbatch = 0;
		drop_entries(m);
		ps_store_rollback(s);
		return rc;
	}
	ps_fault_point("import:fold");
	rc = ps_store_commit(s);
	ps_fault_point("import:committed");
	return rc;
}

typedef struct refent {
	char *name;
	git_oid oid;
} refent;

/* A fetched branch whose new commits cannot be read: its tracking ref goes
 * back to the last head imported (or away), so no ref here names a commit
 * libgit2 cannot parse (its fetch negotiation walks every ref and would
 * fail for every branch). The next fetch brings the tip again. */
static void forget_bad_tip(imp *m, const char *ref)
{
	ps_store *s = ps_replica_store(m->r);
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT head FROM branches WHERE ref = ?1");
	git_oid last;
	int has_last = 0;
	if (st) {
		sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			has_last = git_oid_fromstr(&last, (const char *)sqlite3_column_text(st, 0)) == 0;
		sqlite3_reset(st);
	}
	git_reference *gr = NULL;
	if (has_last)
		git_reference_create(&gr, m->repo, ref, &last, 1, "plansync: back to the last good head");
	else if (git_reference_lookup(&gr, m->repo, ref) == 0)
		git_reference_delete(gr);
	git_reference_free(gr);
}

/* The export batch whose commit is hex, or 0 when it is not one of ours. */
static long long export_batch(ps_store *s, const char *hex)
{
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT batch FROM exports WHERE commit_id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	long long batch = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		batch = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return batch;
}

static int delivered(ps_replica *r, long long batch)
{
	ps_store *s = ps_replica_store(r);
	long long cur;
	int rc = ps_store_meta_get_int(s, "delivered_batch", &cur, 0);
	if (rc || batch <= cur)
		return rc;
	if ((rc = ps_store_begin(s)))
		return rc;
	rc = ps_store_meta_set_int(s, "delivered_batch", batch);
	return rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
}

/* Adopt the remote's history of our branch as our own: a replica created
 * again with the id of one whose database was lost. Its changes are
 * imported, the branch continues from the remote's tip, and local changes
 * not on it yet are exported on top by the next export. */
static int reissue_altered(imp *m, const git_oid *tip);

/* Remove one stored change (its row and the edges it names) and fold its
 * record again without it. */
static int drop_change(ps_store *s, const char *id, const char *record)
{
	int rc = ps_store_delete_change(s, id);
	if (!rc)
		rc = ps_store_rebuild_heads_for(s, record);
	return rc ? rc : ps_fold_record(s, record);
}

static int adopt(imp *m, const char *ref, const git_oid *tip)
{
	ps_replica *r = m->r;
	ps_store *s = ps_replica_store(r);
	/* A change of ours whose id the branch holds with other bytes (a disk
	 * clone of this replica wrote it first) is written again, so both
	 * versions arrive and ours, the later, counts. */
	int rc = reissue_altered(m, tip);
	if (!rc)
		rc = import_branch(m, ref, tip);
	if (rc)
		return rc;
	char own[300], hex[GIT_OID_HEXSZ + 1];
	own_ref(r, own, sizeof(own));
	git_oid_tostr(hex, sizeof(hex), tip);
	git_commit *c = NULL;
	git_tree *t = NULL;
	if (git_commit_lookup(&c, m->repo, tip) < 0 || git_commit_tree(&t, c) < 0) {
		git_commit_free(c);
		return ps_repo_error(PS_EINVALID, "reading this replica's branch");
	}
	if ((rc = ps_store_begin(s)))
		goto out;
	/* Local changes the branch holds already are not ours to send again. */
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT seq, id FROM changes WHERE local = 1");
	sqlite3_stmt *up = ps_store_stmt(s, "UPDATE changes SET local = 0 WHERE seq = ?1");
	if (!st || !up) {
		rc = PS_ERROR;
		goto rollback;
	}
	int e;
	while ((e = sqlite3_step(st)) == SQLITE_ROW) {
		char path[PS_CHANGE_PATH_MAX];
		ps_change_path(path, ps_replica_office(r), (const char *)sqlite3_column_text(st, 1));
		git_tree_entry *te = NULL;
		if (git_tree_entry_bypath(&te, t, path) == 0) {
			sqlite3_bind_int64(up, 1, sqlite3_column_int64(st, 0));
			int u = sqlite3_step(up);
			sqlite3_reset(up);
			if (u != SQLITE_DONE) {
				git_tree_entry_free(te);
				break;
			}
		}
		git_tree_entry_free(te);
	}
	sqlite3_reset(st);
	if (e != SQLITE_DONE) {
		rc = ps_store_error(s, "adopting this replica's branch");
		goto rollback;
	}
	st = ps_store_stmt(s, "INSERT INTO exports(batch, commit_id, changes, maxseq, at) VALUES (1, ?1, 0, 0, ?2)");
	if ((rc = ps_store_exec(s, "DELETE FROM exports")) || !st) {
		rc = rc ? rc : PS_ERROR;
		goto rollback;
	}
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(ps_now_ms() / 1000));
	e = sqlite3_step(st);
	sqlite3_reset(st);
	if (e != SQLITE_DONE || (rc = ps_store_meta_set_int(s, "delivered_batch", 1))) {
		rc = rc ? rc : ps_store_error(s, "adopting this replica's branch");
		goto rollback;
	}
	/* SQLite first, then the ref: a kill between them is finished by the
	 * next export's recovery (the last export names this commit). */
	if ((rc = ps_store_commit(s)))
		goto out;
	git_reference *nr = NULL;
	if (git_reference_create(&nr, m->repo, own, tip, 1, "plansync: adopt the remote's history") < 0)
		rc = ps_repo_error(PS_ERROR, "moving the replica's branch");
	git_reference_free(nr);
	ps_log(PS_LOG_WARN,
	       "the shared repository already had this replica's branch (re-created replica?): its history is "
	       "adopted and this replica continues from it");
	if (m->res)
		m->res->identity = 1;
	goto out;
rollback:
	ps_store_rollback(s);
out:
	git_tree_free(t);
	git_commit_free(c);
	return rc;
}

/* After a fork: our own changes whose file on the old branch now holds
 * other bytes (someone rewrote it there). Where such a change still counts
 * (it is a head of its record), it is written again under the new id with
 * its heads as base, so our version supersedes the altered one on every
 * replica, whichever of the two it saw; the original stays here, unsent. */
static int reissue_altered(imp *m, const git_oid *tip)
{
	ps_replica *r = m->r;
	ps_store *s = ps_replica_store(r);
	git_commit *cm = NULL;
	git_tree *t = NULL;
	long long *seqs = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	if (git_commit_lookup(&cm, m->repo, tip) < 0 || git_commit_tree(&t, cm) < 0) {
		git_commit_free(cm);
		return 0; /* unreadable: the import reports it */
	}
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT seq, id, bytes FROM changes WHERE local = 1");
	if (!st) {
		rc = PS_ERROR;
		goto out;
	}
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		char path[PS_CHANGE_PATH_MAX];
		ps_change_path(path, ps_replica_office(r), (const char *)sqlite3_column_text(st, 1));
		git_tree_entry *te = NULL;
		git_oid mine;
		if (git_tree_entry_bypath(&te, t, path) == 0 &&
		    git_odb_hash(&mine, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2),
		                 GIT_OBJECT_BLOB) == 0 &&
		    !git_oid_equal(&mine, git_tree_entry_id(te))) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				long long *ns = realloc(seqs, cap * sizeof(*ns));
				if (!ns)
					rc = ps_error_set(PS_ENOMEM, "out of memory");
				else
					seqs = ns;
			}
			if (!rc)
				seqs[n++] = sqlite3_column_int64(st, 0);
		}
		git_tree_entry_free(te);
	}
	sqlite3_reset(st);
	if (rc || !n)
		goto out;
	if ((rc = ps_store_begin(s)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++) {
		ps_change *c = NULL, *nc = NULL;
		char **heads = NULL, *bytes = NULL;
		size_t nheads = 0, len = 0;
		ps_hlc hlc;
		st = ps_store_stmt(s, "SELECT bytes FROM changes WHERE seq = ?1");
		if (!st) {
			rc = PS_ERROR;
			break;
		}
		sqlite3_bind_int64(st, 1, seqs[i]);
		if (sqlite3_step(st) != SQLITE_ROW ||
		    ps_change_decode(&c, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0))) {
			sqlite3_reset(st);
			rc = ps_store_error(s, "reading a change to send again");
			break;
		}
		sqlite3_reset(st);
		int is_head = 0;
		if (!(rc = ps_store_heads(s, c->record, &heads, &nheads)))
			for (size_t k = 0; k < nheads; k++)
				is_head |= !strcmp(heads[k], c->id);
		sqlite3_stmt *up = rc ? NULL : ps_store_stmt(s, "UPDATE changes SET local = 0 WHERE seq = ?1");
		if (!rc && !up)
			rc = PS_ERROR;
		if (!rc) {
			sqlite3_bind_int64(up, 1, seqs[i]);
			if (sqlite3_step(up) != SQLITE_DONE)
				rc = ps_store_error(s, "marking a change");
			sqlite3_reset(up);
		}
		if (!rc && is_head && !(rc = ps_store_hlc_tick(s, ps_replica_id(r), &hlc)) &&
		    !(rc = ps_change_new(&nc, c->office, ps_replica_id(r), c->author, hlc, c->record, c->op,
		                         (const char *const *)heads, nheads, cJSON_Duplicate(c->fields, 1),
		                         c->reason)) &&
		    !(rc = ps_change_encode(&bytes, &len, nc))) {
			char summary[400];
			snprintf(summary, sizeof(summary),
			         "%s: %s sent again (its file was altered in the shared repository)", c->office,
			         c->record);
			rc = ps_fold_insert(s, nc, bytes, len, true, summary, false, NULL);
			if (!rc)
				ps_log(PS_LOG_WARN, "change %s was altered in the shared repository; sent again as %s",
				       c->id, nc->id);
		}
		/* Our bytes under that id give way to the branch's, which every
		 * other replica reads: the import brings them, and ours live on
		 * in the change just written. */
		if (!rc)
			rc = drop_change(s, c->id, c->record);
		free(bytes);
		ps_strv_free(heads, nheads);
		ps_change_free(nc);
		ps_change_free(c);
	}
	rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
out:
	free(seqs);
	git_tree_free(t);
	git_commit_free(cm);
	return rc;
}

static int reissue_against(ps_replica *r, git_repository *repo, const git_oid *tip)
{
	imp m;
	memset(&m, 0, sizeof(m));
	m.r = r;
	m.repo = repo;
	return reissue_altered(&m, tip);
}

/* Our own branch as the remote has it. Ours (a commit we exported): note
 * what is delivered. Not ours: if nothing of ours was ever delivered and
 * the remote's history does not build on ours, we are that replica created
 * again, and adopt it; otherwise someone else writes our branch (a copy of
 * this replica, or a stray push) and we continue as a new replica id, and
 * read the old branch like any other. */
static int own_branch(imp *m, const char *ref, const git_oid *tip, const char *office, const char *replica)
{
	ps_replica *r = m->r;
	ps_store *s = ps_replica_store(r);
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), tip);
	long long batch = export_batch(s, hex);
	if (batch < 0)
		return PS_ERROR;
	if (batch > 0)
		return delivered(r, batch);
	long long dl = 0;
	int rc = ps_store_meta_get_int(s, "delivered_batch", &dl, 0);
	if (rc)
		return rc;
	int builds_on_ours = 0;
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT commit_id FROM exports ORDER BY batch DESC LIMIT 1");
	if (!st)
		return PS_ERROR;
	if (sqlite3_step(st) == SQLITE_ROW) {
		git_oid last;
		if (git_oid_fromstr(&last, (const char *)sqlite3_column_text(st, 0)) == 0)
			builds_on_ours = git_graph_descendant_of(m->repo, tip, &last) == 1;
	}
	sqlite3_reset(st);
	char bname[300];
	snprintf(bname, sizeof(bname), "replicas/%s/%s", office, replica);
	m->branch = bname;
	m->office = office;
	m->replica = replica;
	if (dl == 0 && !builds_on_ours) {
		rc = adopt(m, ref, tip);
	} else {
		if ((rc = ps_identity_fork(r, "the shared repository's branch of this replica holds commits this "
		                              "replica did not write (a copy of this replica on another machine, or "
		                              "someone else pushed to it)")))
			return rc;
		if (m->res)
			m->res->identity = 2;
		if (!(rc = reissue_altered(m, tip)))
			rc = import_branch(m, ref, tip);
	}
	if (rc == PS_EINVALID) {
		char reason[700];
		snprintf(reason, sizeof(reason), "branch cannot be imported: %s; its last good state is kept",
		         ps_error_last());
		forget_bad_tip(m, ref);
		if (!(rc = ps_store_begin(s))) {
			rc = add_problem(s, bname, hex, "", reason, m->res);
			rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
		}
	}
	return rc;
}

/* Branches imported before that the remote no longer has (the fetch
 * pruned their tracking refs): reported once, their changes kept. */
static int report_deleted(ps_replica *r, git_repository *repo, const refent *refs, size_t nrefs, ps_sync_result *res)
{
	ps_store *s = ps_replica_store(r);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps_store_db(s), "SELECT ref, head FROM branches", -1, &st, NULL) != SQLITE_OK)
		return ps_store_error(s, "listing branches");
	int rc = 0;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		const char *ref = (const char *)sqlite3_column_text(st, 0);
		size_t i;
		for (i = 0; i < nrefs && strcmp(refs[i].name, ref); i++)
			;
		if (i < nrefs)
			continue;
		char bname[300], kept[400];
		snprintf(bname, sizeof(bname), "replicas/%s", ref + strlen(PS_TRACK_REF_PREFIX));
		/* its history stays named here, so 'remote seed' sends it again */
		snprintf(kept, sizeof(kept), "refs/plansync/kept/%s", bname);
		git_oid head;
		git_reference *kr = NULL;
		if (git_oid_fromstr(&head, (const char *)sqlite3_column_text(st, 1)) == 0 && repo &&
		    git_reference_create(&kr, repo, kept, &head, 1, "plansync: branch deleted on the remote") < 0)
			ps_log(PS_LOG_WARN, "cannot keep %s: %s", bname,
			       git_error_last() ? git_error_last()->message : "unknown error");
		git_reference_free(kr);
		if (!(rc = ps_store_begin(s))) {
			rc = add_problem(s, bname, (const char *)sqlite3_column_text(st, 1), "",
			                 "branch deleted on the remote; its changes are kept here", res);
			rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int ps_sync_import(ps_replica *r, ps_sync_result *res, ps_progress_fn progress, void *ctx)
{
	ps_store *s = ps_replica_store(r);
	int rc;
	imp m;
	memset(&m, 0, sizeof(m));
	m.r = r;
	m.res = res;
	m.progress = progress;
	m.pctx = ctx;
	m.max_ms = ps_now_ms() + max_drift_ms(r);
	if ((rc = open_repo(r, &m.repo)))
		return rc;
	if (git_repository_odb(&m.odb, m.repo) < 0) {
		rc = ps_repo_error(PS_ERROR, "opening the object database");
		goto out;
	}
	/* Held changes first: their time may have come. */
	if (!(rc = ps_store_begin(s))) {
		rc = release_held(&m);
		if (!rc)
			rc = fold_touched(s);
		rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	}
	if (rc)
		goto out;
	refent *refs = NULL;
	size_t nrefs = 0;
	git_reference_iterator *it = NULL;
	if (git_reference_iterator_glob_new(&it, m.repo, PS_TRACK_REF_PREFIX "*") < 0) {
		rc = ps_repo_error(PS_ERROR, "listing fetched branches");
		goto out;
	}
	git_reference *ref;
	while (git_reference_next(&ref, it) == 0) {
		const git_oid *t = git_reference_target(ref);
		refent *nr = t ? realloc(refs, (nrefs + 1) * sizeof(*refs)) : NULL;
		bool lost = t && !nr; /* a branch left out would look deleted */
		if (nr) {
			refs = nr;
			refs[nrefs].name = strdup(git_reference_name(ref));
			git_oid_cpy(&refs[nrefs].oid, t);
			if (refs[nrefs].name)
				nrefs++;
			else
				lost = true;
		}
		git_reference_free(ref);
		if (lost) {
			rc = ps_error_set(PS_ENOMEM, "out of memory");
			break;
		}
	}
	git_reference_iterator_free(it);
	char ownname[300];
	snprintf(ownname, sizeof(ownname), PS_TRACK_REF_PREFIX "%s/%s", ps_replica_office(r), ps_replica_id(r));
	for (size_t i = 0; i < nrefs && !rc; i++) {
		const char *name = refs[i].name;
		const char *rest = name + strlen(PS_TRACK_REF_PREFIX);
		const char *slash = strchr(rest, '/');
		char office[64] = "", replica[64] = "";
		if (slash && (size_t)(slash - rest) < sizeof(office) && strlen(slash + 1) < sizeof(replica)) {
			memcpy(office, rest, (size_t)(slash - rest));
			office[slash - rest] = '\0';
			snprintf(replica, sizeof(replica), "%s", slash + 1);
		}
		if (strcmp(name, ownname) == 0) {
			rc = own_branch(&m, name, &refs[i].oid, office, replica);
			continue;
		}
		char bname[300];
		snprintf(bname, sizeof(bname), "replicas/%s", rest);
		if (!ps_slug_valid(office) || !ps_replica_id_valid(replica, office)) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex), &refs[i].oid);
			if (!(rc = ps_store_begin(s))) {
				rc =
				    add_problem(s, bname, hex, "",
				                "branch name is not replicas/<office>/<office>-<suffix>; ignored", res);
				rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
			}
			continue;
		}
		m.branch = bname;
		m.office = office;
		m.replica = replica;
		rc = import_branch(&m, name, &refs[i].oid);
		if (rc == PS_EINVALID) {
			char why[600];
			snprintf(why, sizeof(why), "%s", ps_error_last());
			forget_bad_tip(&m, name);
			/* An object missing here (not on the remote: the fetch checked
			 * that) means repo.git is incomplete: the next fetch walks every
			 * branch to its roots and fetches what lacks. */
			if (strstr(why, "not found") && !ps_store_begin(s)) {
				if (ps_store_meta_set_int(s, "repo.verify", 1))
					ps_store_rollback(s);
				else
					ps_store_commit(s);
			}
			ps_error_set(PS_EINVALID, "%s", why);
			/* This branch's content is bad: quarantined at its tip, the
			 * others go on; a new tip is tried again. */
			char hex[GIT_OID_HEXSZ + 1], reason[700];
			git_oid_tostr(hex, sizeof(hex), &refs[i].oid);
			snprintf(reason, sizeof(reason), "branch cannot be imported: %s; its last good state is kept",
			         ps_error_last());
			if (!(rc = ps_store_begin(s))) {
				rc = add_problem(s, bname, hex, "", reason, res);
				rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
			}
		}
	}
	if (!rc && !(rc = ps_store_begin(s))) {
		rc = fold_touched(s);
		rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	}
	if (!rc)
		rc = report_deleted(r, m.repo, refs, nrefs, res);
	for (size_t i = 0; i < nrefs; i++)
		free(refs[i].name);
	free(refs);
	if (!rc && progress && m.applied)
		progress(ctx, "changes applied", m.applied, m.applied);
out:
	free(m.batch);
	free(m.ent);
	git_odb_free(m.odb);
	git_repository_free(m.repo);
	return rc;
}

/* ---- the cycle ------------------------------------------------------- */

/* Network settings from the replica's configuration, for this cycle. */
static void load_auth(ps_replica *r)
{
	ps_store *s = ps_replica_store(r);
	char *v[4] = {NULL, NULL, NULL, NULL};
	static const char *const keys[4] = {"ssh.key", "ssh.fingerprint", "ssh.known_hosts", "http.credential_helper"};
	for (int i = 0; i < 4; i++)
		ps_store_meta_get(s, keys[i], &v[i]); /* absent: NULL */
	ps_auth a = {v[0], v[1], v[2], v[3]};
	ps_auth_set(&a);
	for (int i = 0; i < 4; i++)
		free(v[i]);
	ps_error_clear();
}

static int lock_sync(ps_replica *r)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/sync.lock", ps_replica_dir(r));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM))
		return ps_error_set(
		    PS_ERROR,
		    "this replica is read-only (%s cannot be written): reading works, syncing does not; make "
		    "it writable (chmod -R u+w %s) or run plansync as its owner",
		    path, ps_replica_dir(r));
	if (fd < 0)
		return ps_error_set(PS_ERROR, "cannot open %s: %s", path, strerror(errno));
	/* Another sync (the daemon) may be running: wait for it, bounded. */
	for (int i = 0; i < 600; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		usleep(100000);
	}
	close(fd);
	return ps_error_set(PS_EBUSY, "another sync has held this replica for a minute; try again later");
}

/* Git lock files left by a killed sync. We hold sync.lock, so no other
 * plansync is inside repo.git's refs now: any *.lock there is stale. Only
 * looked for when the last sync did not finish (the marker in meta). */
static void unlink_locks(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		size_t n = strlen(e->d_name);
		struct stat sb;
		if (lstat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode) && depth < 6)
			unlink_locks(path, depth + 1);
		else if (S_ISREG(sb.st_mode) && n > 5 && !strcmp(e->d_name + n - 5, ".lock")) {
			ps_log(PS_LOG_INFO, "removed a stale Git lock file left by an interrupted sync: %s", path);
			unlink(path);
		}
	}
	closedir(d);
}

static int clean_stale_locks(ps_replica *r)
{
	ps_store *s = ps_replica_store(r);
	long long busy = 0;
	int rc = ps_store_meta_get_int(s, "sync.running", &busy, 0);
	if (rc)
		return rc;
	if (busy) {
		char path[4300];
		snprintf(path, sizeof(path), "%s/repo.git/refs", ps_replica_dir(r));
		unlink_locks(path, 0);
		snprintf(path, sizeof(path), "%s/repo.git/packed-refs.lock", ps_replica_dir(r));
		unlink(path);
		/* the staging repository of network fetches, inside repo.git */
		snprintf(path, sizeof(path), "%s/repo.git/plansync-fetch.git/refs", ps_replica_dir(r));
		unlink_locks(path, 0);
		snprintf(path, sizeof(path), "%s/repo.git/plansync-fetch.git/packed-refs.lock", ps_replica_dir(r));
		unlink(path);
		return 0;
	}
	if ((rc = ps_store_begin(s)))
		return rc;
	rc = ps_store_meta_set_int(s, "sync.running", 1);
	return rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
}

static void finish(ps_replica *r, ps_sync_result *res, int rc)
{
	ps_store *s = ps_replica_store(r);
	if (!rc) {
		snprintf(res->message, sizeof(res->message), "ok: exported %ld, %s, imported %ld from %ld branch%s%s",
		         res->exported, res->pushed > 0 ? "pushed" : "nothing to push", res->imported, res->branches,
		         res->branches == 1 ? "" : "es",
		         res->problems ? ", problems found (see plansync problems)" : "");
	} else {
		snprintf(res->message, sizeof(res->message), "%s", ps_error_last());
	}
	if (ps_store_begin(s) == 0) {
		char at[32];
		snprintf(at, sizeof(at), "%llu", (unsigned long long)(ps_now_ms() / 1000));
		int e = ps_store_meta_set(s, "last_sync_at", at);
		if (!e)
			e = ps_store_meta_set(s, "last_sync_result", res->message);
		if (!e)
			e = ps_store_meta_set_int(s, "last_sync_ok", rc == 0);
		if (!e)
			e = ps_store_meta_set(s, "sync.running", NULL);
		if (!e && rc == 0)
			e = ps_store_meta_set(s, "last_sync_ok_at", at);
		if (e)
			ps_store_rollback(s);
		else
			ps_store_commit(s);
	}
}

/* A remote branch that could not be fetched: quarantined at that tip. */
static int on_fetch_bad(void *ctx, const char *branch, const char *hex, const char *reason)
{
	void **pc = ctx;
	ps_replica *r = pc[0];
	ps_store *s = ps_replica_store(r);
	ps_sync_result *res = pc[1];
	char why[800], own[300];
	snprintf(own, sizeof(own), "replicas/%s/%s", ps_replica_office(r), ps_replica_id(r));
	if (res && strcmp(branch, own) == 0)
		res->own_bad = 1;
	snprintf(why, sizeof(why), "branch could not be fetched: %s; the other branches go on", reason);
	int rc = ps_store_begin(s);
	if (!rc) {
		rc = add_problem(s, branch, hex, "", why, pc[1]);
		rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	}
	return rc;
}

/* Own changes stamped beyond wall clock + drift (this machine's clock was
 * ahead when they were written) are held back by every reader until then.
 * Where such a change still gives a record a field's value, the values are
 * written again, stamped now, with the change in their base: they arrive
 * now, and the old change, when its time comes, changes nothing. */
static int restamp_future(ps_replica *r)
{
	ps_store *s = ps_replica_store(r);
	char from[PS_CHANGE_ID_MAX + 1];
	ps_store_future_from(s, from);
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT DISTINCT record FROM changes WHERE id >= ?1 AND local = 1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	char **recs = NULL;
	size_t n = 0;
	int rc = 0;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		char **nr = realloc(recs, (n + 1) * sizeof(char *));
		if (!nr || !(nr[n] = strdup((const char *)sqlite3_column_text(st, 0))))
			rc = ps_error_set(PS_ENOMEM, "out of memory");
		if (nr)
			recs = nr;
		if (!rc)
			n++;
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n && !rc; i++) {
		st = ps_store_stmt(s, "SELECT field, value FROM state WHERE record = ?1 AND change >= ?2");
		if (!st) {
			rc = PS_ERROR;
			break;
		}
		sqlite3_bind_text(st, 1, recs[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
		cJSON *fields = cJSON_CreateObject();
		while (fields && sqlite3_step(st) == SQLITE_ROW) {
			cJSON *v = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
			if (v)
				cJSON_AddItemToObject(fields, (const char *)sqlite3_column_text(st, 0), v);
		}
		sqlite3_reset(st);
		if (!fields) {
			rc = ps_error_set(PS_ENOMEM, "out of memory");
		} else if (!fields->child) {
			cJSON_Delete(fields);
		} else {
			rc = ps_replica_write_full(
			    r, recs[i], PS_OP_SET, fields,
			    "written again with a correct clock (the first was stamped in the future)", false, true,
			    NULL);
			if (!rc)
				ps_log(PS_LOG_INFO,
				       "%s: values stamped in the future written again with a correct clock", recs[i]);
			else if (rc == PS_EEXISTS || rc == PS_ENOTOWNER || rc == PS_EINVALID || rc == PS_ECONFLICT)
				rc = 0; /* nothing to write, or not ours to fix */
		}
	}
	for (size_t i = 0; i < n; i++)
		free(recs[i]);
	free(recs);
	return rc;
}

/* Our commits not yet on the remote must be readable before they are
 * pushed. One that is damaged in repo.git (bit rot, a bad disk) is only a
 * copy of what plansync.db holds: the branch goes back to the last commit
 * the remote confirmed, and the changes are exported again. */
static int repair_unsent(ps_replica *r, git_repository *repo, const char *ref, const git_oid *mine,
                         const git_oid *theirs, long *exported)
{
	ps_store *s = ps_replica_store(r);
	git_oid at = *mine, bad;
	int damaged = 0;
	for (int steps = 0; steps < 100000; steps++) {
		if (theirs && git_oid_equal(&at, theirs))
			break;
		git_commit *c = NULL;
		git_tree *t = NULL;
		if (git_commit_lookup(&c, repo, &at) < 0 || git_commit_tree(&t, c) < 0) {
			damaged = 1;
			bad = at;
			git_commit_free(c);
			break;
		}
		git_tree_free(t);
		int more = git_commit_parentcount(c) > 0;
		if (more)
			at = *git_commit_parent_id(c, 0);
		git_commit_free(c);
		if (!more)
			break;
	}
	if (!damaged)
		return 0;
	char hex[GIT_OID_HEXSZ + 1], loose[4400];
	git_oid_tostr(hex, sizeof(hex), &bad);
	snprintf(loose, sizeof(loose), "%sobjects/%.2s/%s", git_repository_path(repo), hex, hex + 2);
	unlink(loose); /* a damaged loose object would shadow a good rewrite */
	long long dl = 0;
	int rc = ps_store_meta_get_int(s, "delivered_batch", &dl, 0);
	if (rc)
		return rc;
	git_oid back;
	int has_back = 0;
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT commit_id FROM exports WHERE batch = ?1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_int64(st, 1, dl);
	if (sqlite3_step(st) == SQLITE_ROW)
		has_back = git_oid_fromstr(&back, (const char *)sqlite3_column_text(st, 0)) == 0;
	sqlite3_reset(st);
	if ((rc = ps_store_begin(s)))
		return rc;
	int e = drop_exports_after(s, has_back ? dl : 0);
	char reason[300];
	snprintf(reason, sizeof(reason),
	         "this replica's unsent commit %s in repo.git cannot be read (damaged); its changes were exported "
	         "again from plansync.db",
	         hex);
	char branch[300];
	snprintf(branch, sizeof(branch), "replicas/%s/%s", ps_replica_office(r), ps_replica_id(r));
	if (e || (rc = add_problem(s, branch, hex, "", reason, NULL))) {
		ps_store_rollback(s);
		return e ? e : rc;
	}
	if ((rc = ps_store_commit(s)))
		return rc;
	git_reference *gr = NULL;
	if (has_back)
		git_reference_create(&gr, repo, ref, &back, 1, "plansync: back to the last delivered commit");
	else if (git_reference_lookup(&gr, repo, ref) == 0)
		git_reference_delete(gr);
	git_reference_free(gr);
	ps_log(PS_LOG_WARN, "%s", reason);
	long n = 0;
	rc = ps_sync_export(r, &n);
	*exported += n;
	return rc;
}

/* Export, push, fetch, import. Returns the push's error when it failed
 * (the fetch and import still ran), else the fetch's. */
static int cycle(ps_replica *r, ps_sync_result *res, ps_progress_fn progress, void *ctx)
{
	git_repository *repo = NULL;
	long exported = 0;
	int rc = restamp_future(r);
	if (!rc)
		rc = ps_sync_export(r, &exported);
	res->exported += exported;
	if (rc)
		return rc;
	if ((rc = open_repo(r, &repo)))
		return rc;
	char ref[300], track[300];
	own_ref(r, ref, sizeof(ref));
	snprintf(track, sizeof(track), PS_TRACK_REF_PREFIX "%s/%s", ps_replica_office(r), ps_replica_id(r));
	git_oid mine, theirs;
	int has_mine = ref_oid(repo, ref, &mine) == 0;
	int has_theirs = ref_oid(repo, track, &theirs) == 0;
	if (has_mine && (!has_theirs || !git_oid_equal(&mine, &theirs))) {
		if ((rc = repair_unsent(r, repo, ref, &mine, has_theirs ? &theirs : NULL, &res->exported))) {
			git_repository_free(repo);
			return rc;
		}
		has_mine = ref_oid(repo, ref, &mine) == 0;
	}
	int net = 0;
	if (has_mine && (!has_theirs || !git_oid_equal(&mine, &theirs))) {
		ps_fault_point("push:before");
		net = ps_repo_push(repo, ref);
		ps_fault_point("push:after");
		res->pushed = net ? net : 1;
		if (net)
			ps_log(PS_LOG_DEBUG, "%s", ps_error_last());
	}
	char pushmsg[600] = "";
	if (net)
		snprintf(pushmsg, sizeof(pushmsg), "%s", ps_error_last());
	void *bc[2] = {r, res};
	long long deep = 0;
	if ((rc = ps_store_meta_get_int(ps_replica_store(r), "repo.verify", &deep, 0))) {
		git_repository_free(repo);
		return rc;
	}
	int f = ps_repo_fetch(repo, deep != 0, on_fetch_bad, bc, progress, ctx);
	if (!f && deep && !(rc = ps_store_begin(ps_replica_store(r)))) {
		rc = ps_store_meta_set(ps_replica_store(r), "repo.verify", NULL);
		rc = rc ? (ps_store_rollback(ps_replica_store(r)), rc) : ps_store_commit(ps_replica_store(r));
	}
	if (rc) {
		git_repository_free(repo);
		return rc;
	}
	ps_fault_point("fetch:after");
	res->fetched = f ? f : 1;
	char fetchmsg[600] = "";
	if (f)
		snprintf(fetchmsg, sizeof(fetchmsg), "%s", ps_error_last());
	if (f && !net)
		net = f;
	git_repository_free(repo);
	/* Import what we have even when the fetch failed: an earlier fetch may
	 * have brought branches, and held changes may be due. */
	rc = ps_sync_import(r, res, progress, ctx);
	if (!rc && res->own_bad && !res->identity) {
		/* Our branch on the remote holds what cannot be read (someone
		 * pushed junk onto it): we cannot build on it, so we continue as a
		 * new replica id; what we had delivered is sent again with it. */
		res->own_bad = 0;
		if (!(rc = ps_identity_fork(r,
		                            "the shared repository's branch of this replica holds commits that cannot "
		                            "be read (someone else pushed to it)")))
			res->identity = 2;
	}
	if (!rc && net) {
		rc = net;
		ps_error_set(net, "%s", pushmsg[0] ? pushmsg : fetchmsg);
	}
	return rc;
}

int ps_sync_run(ps_replica *r, ps_sync_result *res, ps_progress_fn progress, void *ctx)
{
	memset(res, 0, sizeof(*res));
	int lock = lock_sync(r);
	if (lock < 0) {
		snprintf(res->message, sizeof(res->message), "%s", ps_error_last());
		return lock;
	}
	git_repository *repo = NULL;
	int rc = clean_stale_locks(r);
	if (rc)
		goto done;
	if ((rc = open_repo(r, &repo)))
		goto done;
	git_remote *remote = NULL;
	if (git_remote_lookup(&remote, repo, "origin") < 0) {
		rc = ps_error_set(PS_ENOREMOTE,
		                  "no remote is set; run 'plansync -C %s config remote PATH-OR-URL' "
		                  "(changes stay here until then)",
		                  ps_replica_dir(r));
		goto done;
	}
	git_remote_free(remote);
	git_repository_free(repo);
	repo = NULL;
	load_auth(r);
	/* A replica copied while in use: its derived tables may be torn;
	 * recompute them from the stored changes before anything else. */
	long long torn = 0;
	if (!(rc = ps_store_meta_get_int(ps_replica_store(r), "rebuild.pending", &torn, 0)) && torn)
		rc = ps_rebuild_state(r);
	if (!rc)
		rc = cycle(r, res, progress, ctx);
	/* The replica took up its branch's history or a new id: send what is
	 * now ours at once rather than a cycle later. */
	if (res->identity && (rc == 0 || rc == PS_EREJECTED)) {
		res->identity = 0;
		rc = cycle(r, res, progress, ctx);
	}
done:
	git_repository_free(repo);
	{
		long long batch = 0;
		ps_store *s = ps_replica_store(r);
		ps_store_meta_get_int(s, "delivered_batch", &batch, 0);
		sqlite3_stmt *st = ps_store_stmt(s, "SELECT count(*) FROM changes WHERE local = 1 AND seq <= "
		                                    "(SELECT coalesce(max(maxseq), 0) FROM exports WHERE batch <= ?1)");
		if (st) {
			sqlite3_bind_int64(st, 1, batch);
			if (sqlite3_step(st) == SQLITE_ROW)
				res->delivered = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
		}
	}
	finish(r, res, rc);
	if (rc)
		snprintf(res->message, sizeof(res->message), "%s", ps_error_last());
	close(lock);
	return rc;
}

struct refused {
	char **names; /* "replicas/<office>/<replica>" */
	size_t n;
};

static int on_seed_refused(void *ctx, const char *branch, const char *hex, const char *reason)
{
	struct refused *rf = ctx;
	char **nn = realloc(rf->names, (rf->n + 1) * sizeof(char *));
	if (!nn)
		return ps_error_set(PS_ENOMEM, "out of memory");
	rf->names = nn;
	if (!(rf->names[rf->n] = strdup(branch)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	rf->n++;
	return 0;
}

/* A branch the target holds with other commits (it was seeded from a replica
 * that was behind, and its writer went on from there): ours goes in under a
 * new name of the same office, so every change only we hold still reaches
 * every replica (readers skip the ones they know by id). */
static int seed_renamed(ps_replica *r, git_repository *repo, const char *url, char **src, char **dst, size_t n,
                        const struct refused *rf, long *renamed)
{
	int rc = 0;
	for (size_t i = 0; i < rf->n && !rc; i++) {
		char want[400], office[64] = "", sfx[7], ndst[400];
		snprintf(want, sizeof(want), "refs/heads/%s", rf->names[i]);
		size_t k;
		for (k = 0; k < n && strcmp(dst[k], want); k++)
			;
		const char *o = rf->names[i] + strlen("replicas/"), *slash = strchr(o, '/');
		if (k == n || !slash || (size_t)(slash - o) >= sizeof(office))
			continue;
		memcpy(office, o, (size_t)(slash - o));
		if ((rc = ps_replica_random_suffix(sfx)))
			break;
		snprintf(ndst, sizeof(ndst), PS_OWN_REF_PREFIX "%s/%s-%s", office, office, sfx);
		const char *s1[] = {src[k]}, *d1[] = {ndst};
		if (!(rc = ps_repo_push_to(repo, url, s1, d1, 1, NULL, NULL))) {
			(*renamed)++;
			ps_log(PS_LOG_WARN, "%s held other commits there; this replica's copy was sent as %s",
			       rf->names[i], ndst + strlen("refs/heads/"));
		}
	}
	(void)r;
	return rc;
}

int ps_sync_seed(ps_replica *r, const char *url, long *pushed, long *refused)
{
	*pushed = *refused = 0;
	int lock = lock_sync(r);
	if (lock < 0)
		return lock;
	git_repository *repo = NULL;
	char **src = NULL, **dst = NULL;
	size_t n = 0, cap = 0;
	long exported = 0;
	int rc = ps_sync_export(r, &exported);
	if (rc || (rc = open_repo(r, &repo)))
		goto out;
	git_reference_iterator *it = NULL;
	if (git_reference_iterator_glob_new(&it, repo, "refs/*") < 0) {
		rc = ps_repo_error(PS_ERROR, "listing branches");
		goto out;
	}
	git_reference *ref;
	while (!rc && git_reference_next(&ref, it) == 0) {
		const char *name = git_reference_name(ref);
		const char *rest = NULL;
		if (!strncmp(name, PS_OWN_REF_PREFIX, strlen(PS_OWN_REF_PREFIX)))
			rest = name + strlen(PS_OWN_REF_PREFIX);
		else if (!strncmp(name, PS_TRACK_REF_PREFIX, strlen(PS_TRACK_REF_PREFIX)))
			rest = name + strlen(PS_TRACK_REF_PREFIX);
		else if (!strncmp(name, "refs/plansync/kept/replicas/", 28))
			rest = name + 28;
		if (rest && git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
			if (n == cap) {
				cap = cap ? cap * 2 : 32;
				char **ns = realloc(src, cap * sizeof(char *)),
				     **nd = ns ? realloc(dst, cap * sizeof(char *)) : NULL;
				if (ns)
					src = ns;
				if (nd)
					dst = nd;
				if (!ns || !nd)
					rc = ps_error_set(PS_ENOMEM, "out of memory");
			}
			size_t l = strlen(PS_OWN_REF_PREFIX) + strlen(rest) + 1;
			if (!rc && (src[n] = strdup(name)) && (dst[n] = malloc(l))) {
				snprintf(dst[n], l, PS_OWN_REF_PREFIX "%s", rest);
				n++;
			} else if (!rc) {
				free(src[n]);
				rc = ps_error_set(PS_ENOMEM, "out of memory");
			}
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (rc)
		goto out;
	/* Our own branch and its tracking ref name the same branch: send ours. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < k && strcmp(dst[j], dst[i]); j++)
			;
		if (j < k) {
			/* ours over a fetched one over a kept one */
			if (!strncmp(src[i], PS_OWN_REF_PREFIX, strlen(PS_OWN_REF_PREFIX)) ||
			    !strncmp(src[j], "refs/plansync/kept/", 19)) {
				free(src[j]);
				src[j] = src[i];
			} else {
				free(src[i]);
			}
			free(dst[i]);
			continue;
		}
		src[k] = src[i];
		dst[k++] = dst[i];
	}
	n = k;
	load_auth(r);
	struct refused rf = {NULL, 0};
	rc = ps_repo_push_to(repo, url, (const char *const *)src, (const char *const *)dst, n, on_seed_refused, &rf);
	if (!rc)
		rc = seed_renamed(r, repo, url, src, dst, n, &rf, refused);
	if (!rc)
		*pushed = (long)(n - rf.n) + *refused;
	for (size_t i = 0; i < rf.n; i++)
		free(rf.names[i]);
	free(rf.names);
out:
	for (size_t i = 0; i < n; i++) {
		free(src[i]);
		free(dst[i]);
	}
	free(src);
	free(dst);
	git_repository_free(repo);
	close(lock);
	return rc;
}

cJSON *ps_sync_result_json(const ps_sync_result *res, int rc)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddBoolToObject(j, "ok", rc == 0);
	cJSON_AddNumberToObject(j, "code", rc);
	cJSON_AddNumberToObject(j, "exported", (double)res->exported);
	cJSON_AddBoolToObject(j, "pushed", res->pushed > 0);
	cJSON_AddBoolToObject(j, "fetched", res->fetched > 0);
	cJSON_AddNumberToObject(j, "imported", (double)res->imported);
	cJSON_AddNumberToObject(j, "branches", (double)res->branches);
	cJSON_AddNumberToObject(j, "problems", (double)res->problems);
	cJSON_AddNumberToObject(j, "held", (double)res->held);
	cJSON_AddNumberToObject(j, "delivered", (double)res->delivered);
	cJSON_AddStringToObject(j, "message", res->message);
	return j;
}
