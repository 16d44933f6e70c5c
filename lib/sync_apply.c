/* sync_apply.c - checked changes from a branch into SQLite.
 *
 * Exports to sync_import.c (sync_int.h): queueing decoded, checked changes
 * and applying them grouped by record (a straight run updates the state
 * once per field; anything else is folded again at the end of the import),
 * holding back changes stamped too far in the future and applying them
 * once their time comes, and recording problems. Runs inside the import's
 * transaction; never reads Git, never judges a change (sync_import.c does),
 * never writes SQL (lib/store_import.c does). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"
#include "store_sync.h"
#include "plansync/error.h"
#include "plansync/fault.h"
#include "plansync/fold.h"

#define BATCH_MAX 8192 /* queued changes applied together (about 0.6 KiB each) */

int ps_sync_problem(ps_store *s, const char *branch, const char *commit, const char *path, const char *reason,
                    ps_sync_result *res)
{
	char clean[1100];
	bool added = false;
	int rc = ps_store_problem_add(s, branch, commit, path, reason, clean, &added);
	if (rc)
		return rc;
	if (res && added) {
		res->problems++;
		ps_log(PS_LOG_WARN, "quarantined %s%s%s%s%s: %s", branch, *commit ? " " : "", commit,
		       *clean ? " in " : "", clean, reason); /* a branch-level problem has no commit or path */
	}
	return 0;
}

static int touch(ps_store *s, const char *record)
{
	return ps_store_refold_note(s, record);
}

int ps_sync_fold_touched(ps_store *s)
{
	return ps_store_refold_drain(s, ps_fold_record);
}

void ps_sync_origins_free(imp *m)
{
	for (size_t i = 0; i < m->norigins; i++) {
		free(m->origins[i].ref);
		ps_branch_files_free(m->origins[i].files);
	}
	free(m->origins);
	m->origins = NULL;
	m->norigins = 0;
}

/* The file of c's id on the branch of the replica that wrote it, as that
 * branch is now (its oldest listing); *found false when that branch is
 * not here or does not hold it. */
static int writer_version(imp *m, const ps_change *c, git_oid *out, bool *found)
{
	char ref[300];
	snprintf(ref, sizeof(ref), PS_TRACK_REF_PREFIX "%s/%s", c->office, c->replica);
	*found = false;
	struct origin *o = NULL;
	for (size_t i = 0; i < m->norigins && !o; i++)
		if (!strcmp(m->origins[i].ref, ref))
			o = &m->origins[i];
	if (!o) {
		struct origin *no = realloc(m->origins, (m->norigins + 1) * sizeof(*no));
		if (!no)
			return ps_error_set(PS_ENOMEM, "out of memory");
		m->origins = no;
		o = &m->origins[m->norigins];
		o->files = NULL;
		if (!(o->ref = strdup(ref)))
			return ps_error_set(PS_ENOMEM, "out of memory");
		m->norigins++;
		/* a branch deleted on the remote stays here as kept (its changes
		 * stay, and so does its say in which version counts) */
		char kept[340];
		snprintf(kept, sizeof(kept), "refs/plansync/kept/replicas/%s/%s", c->office, c->replica);
		git_oid tip;
		int rc = 0;
		if ((git_reference_name_to_id(&tip, m->repo, ref) == 0 ||
		     git_reference_name_to_id(&tip, m->repo, kept) == 0) &&
		    (rc = ps_branch_files_read(&o->files, m->repo, &tip)) == PS_ENOMEM)
			return rc; /* an unreadable branch holds nothing we can use */
	}
	/* its oldest listing the import would accept: a copy refused there
	 * (not canonical, another id or office, not its record, too big)
	 * decides nothing */
	char path[PS_CHANGE_PATH_MAX], why[600];
	ps_change_path(path, c->office, c->id);
	const git_oid *f;
	for (size_t k = 0; !*found && (f = ps_branch_files_nth(o->files, path, k)); k++) {
		git_odb_object *obj = NULL;
		ps_change *v = NULL;
		int rc = ps_sync_read_change(m, path, f, c->office, &v, &obj, why, sizeof(why));
		if (rc < 0)
			return rc;
		if (!rc && !strcmp(v->id, c->id)) {
			*out = *f;
			*found = true;
		}
		ps_change_free(v);
		git_odb_object_free(obj);
	}
	return 0;
}

/* Whether the version of c with blob id mine counts over the one with
 * blob id have, by the rule of two_versions; *by_writer: its writer's
 * branch decided. */
static int incoming_counts(imp *m, const ps_change *c, const char *have, const char *mine, bool *take, bool *by_writer)
{
	git_oid w;
	char win[GIT_OID_HEXSZ + 1];
	int rc = writer_version(m, c, &w, by_writer);
	if (rc)
		return rc;
	if (*by_writer)
		git_oid_tostr(win, sizeof(win), &w);
	*take = *by_writer ? !strcmp(win, mine) : strcmp(mine, have) < 0;
	return 0;
}

/* A change id met again with other bytes (a rewritten or hostile branch,
 * or two copies that differ). Which version counts must not depend on the
 * order a replica read them in, or replicas would differ for good: the
 * oldest listing on the branch of the replica that wrote it, as that
 * branch is now; when that branch does not hold it, the version with the
 * smaller file id. Either way the meeting is reported. A change of ours
 * is never replaced. */
static int two_versions(imp *m, ps_change *c, const char *blob, const char *commit, const char *path)
{
	ps_store *s = ps_replica_store(m->r);
	char alarm[600], held[41];
	snprintf(alarm, sizeof(alarm), "%s", ps_error_last());
	bool found = false, take = false;
	int rc = ps_store_change_blob(s, c->id, held);
	if (!rc)
		rc = incoming_counts(m, c, held, blob, &take, &found);
	if (rc)
		return rc;
	if (!take)
		return ps_sync_problem(s, m->branch, commit, path, alarm, m->res);
	char *old = NULL, *bytes = NULL, reason[500];
	size_t len = 0;
	rc = ps_change_encode(&bytes, &len, c);
	if (!rc)
		rc = ps_store_replace_change(s, c, bytes, len, &old);
	if (rc == PS_ECONFLICT) {
		rc = ps_sync_problem(s, m->branch, commit, path, ps_error_last(), m->res);
	} else if (!rc) {
		snprintf(reason, sizeof(reason),
		         "change %s is known in another version; this one replaces it, as on every replica (%s)", c->id,
		         found ? "the version on the branch of the replica that wrote it counts"
		               : "its writer's branch does not hold it: the version with the smaller file id counts");
		if (!(rc = ps_sync_problem(s, m->branch, commit, path, reason, m->res)) && !(rc = touch(s, c->record)))
			rc = touch(s, old);
	}
	free(bytes);
	free(old);
	return rc;
}

/* Who signed the version of c with blob id blob, met in commit on m's
 * branch: recorded when that version is the one stored (ps_store_change_signed
 * decides between signatures of the same bytes); a version that did not
 * count signs nothing. */
static int note_signer(imp *m, const ps_change *c, const char *blob, const char *commit, const char *signer)
{
	ps_store *s = ps_replica_store(m->r);
	char have[41];
	int rc = ps_store_change_blob(s, c->id, have);
	if (rc == PS_ENOTFOUND)
		return 0;
	if (rc || strcmp(have, blob) != 0)
		return rc;
	return ps_store_change_signed(s, c->id, commit, signer, m->replica);
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
	if (rc == PS_ECONFLICT) {
		char blob[41];
		ps_store_blob_id(blob, bytes, len);
		return two_versions(m, c, blob, m->commit, path);
	}
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

int ps_sync_hold(imp *m, ps_change *c, const char *bytes, size_t len, const char *path)
{
	assert(m->branch && c && bytes && path); /* held while importing a named branch */
	ps_store *s = ps_replica_store(m->r);
	/* held already in another version: the one that counts, by the rule
	 * two_versions applies to stored changes */
	char have[41], mine[41];
	bool replace = false, found = false;
	int rc = ps_store_held_blob(s, c->id, have);
	if (rc == 0) {
		ps_store_blob_id(mine, bytes, len);
		if (strcmp(have, mine) != 0)
			rc = incoming_counts(m, c, have, mine, &replace, &found);
	} else if (rc == PS_ENOTFOUND) {
		rc = 0;
	}
	if (!rc)
		rc = ps_store_held_add(s, c, bytes, len, m->branch, m->commit, path, m->signer, m->replica, replace);
	if (rc)
		return rc;
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

static int cmp_pend(const void *a, const void *b)
{
	const struct pend *x = a, *y = b;
	int r = strcmp(x->c->record, y->c->record);
	return r ? r : strcmp(x->c->id, y->c->id);
}

void ps_sync_drop_batch(imp *m)
{
	for (size_t i = 0; i < m->nbatch; i++)
		ps_change_free(m->batch[i].c);
	m->nbatch = 0;
}

/* Apply the queued changes: grouped by record in id order; a group that
 * extends its record's history in a straight line updates the state once
 * per field, anything else is refolded at the end of the import. */
int ps_sync_flush(imp *m)
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
		assert(k > 0 && k <= m->nbatch); /* a group holds one record's changes, at least one */
		bool linear = false;
		if ((rc = ps_fold_group_is_linear(s, g, k, &linear)))
			break;
		size_t inserted = 0;
		for (size_t x = i; x < j && !rc; x++) {
			struct pend *p = &m->batch[x];
			/* a straight run sets its record's head once, below */
			/* who signed it goes into a new row; a known one decides below */
			int e =
			    ps_store_insert_change_signed(s, p->c, !linear, p->blob, p->commit, p->signer, m->replica);
			char path[PS_CHANGE_PATH_MAX];
			if (e == PS_ECONFLICT)
				ps_change_path(path, p->c->office, p->c->id);
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
			} else if (e == PS_ECONFLICT) {
				rc = two_versions(m, p->c, p->blob, p->commit, path);
			} else if (e != PS_EEXISTS) {
				rc = e;
			}
			if (!rc && e == PS_ECONFLICT)
				rc = note_signer(m, p->c, p->blob, p->commit, p->signer);
			else if (!rc && e == PS_EEXISTS) /* these bytes are stored: who signed them */
				rc = ps_store_change_signed(s, p->c->id, p->commit, p->signer, m->replica);
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
	ps_sync_drop_batch(m);
	if (!rc && m->max_hlc)
		rc = ps_store_hlc_observe(s, m->max_hlc);
	if (!rc && m->max_hlc)
		rc = ps_store_note_remote_clock(s, m->max_hlc);
	return rc;
}

/* Queue a decoded, checked change (taken over): the change and its blob
 * id, not its bytes (an imported row keeps none). */
int ps_sync_enqueue(imp *m, ps_change *c, const git_oid *blob)
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
	assert(c && m->nbatch < m->capbatch);
	struct pend *p = &m->batch[m->nbatch];
	git_oid_tostr(p->blob, sizeof(p->blob), blob);
	memcpy(p->commit, m->commit, sizeof(p->commit));
	memcpy(p->signer, m->signer, sizeof(p->signer));
	p->c = c;
	m->nbatch++;
	return m->nbatch >= BATCH_MAX ? ps_sync_flush(m) : 0;
}

static int release_one(void *ctx, const ps_held_change *h)
{
	imp *m = ctx;
	ps_change *c = NULL;
	int rc = 0;
	m->branch = h->branch; /* borrowed for this call only */
	m->replica = h->signer_replica;
	snprintf(m->commit, sizeof(m->commit), "%s", h->commit);
	if (ps_change_decode(&c, h->bytes, h->len) == 0) {
		rc = apply_change(m, c, h->bytes, h->len, h->path);
		rc = rc > 0 ? 0 : rc;
		char blob[41];
		ps_store_blob_id(blob, h->bytes, h->len);
		if (!rc && h->signer && h->signer_replica) /* held before schema 5: not known */
			rc = note_signer(m, c, blob, h->commit, h->signer);
	}
	ps_change_free(c);
	m->branch = NULL;
	m->replica = NULL;
	return rc;
}

/* Held changes whose time has come. */
int ps_sync_release_held(imp *m)
{
	return ps_store_held_release(ps_replica_store(m->r), PS_HLC_MAKE(m->max_ms, 0xffff), release_one, m);
}
