/* sync_int.h - what the sync files share, private to lib/sync*.c.
 *
 * sync.c runs the cycle, sync_export.c writes our commits, sync_import.c
 * reads the fetched branches, sync_apply.c applies their changes, and
 * sync_own.c keeps our own branch in line. No SQL and no SQLite type here:
 * the tables are reached through lib/store_sync.h. */
#ifndef PLANSYNC_SYNC_INT_H
#define PLANSYNC_SYNC_INT_H
#include "plansync/sync.h"
#include "repo.h"
#include "auth.h"
#include "plansync/store.h"
#include "plansync/record.h"

/* ---- sync.c: the replica's repository and refs ----------------------- */

int ps_sync_open_repo(ps_replica *r, git_repository **repo);
/* refs/heads/replicas/<office>/<replica> of this replica. */
void ps_sync_own_ref(ps_replica *r, char *out, size_t n);
/* PS_ENOTFOUND when the ref does not exist. */
int ps_sync_ref_oid(git_repository *repo, const char *name, git_oid *out);

/* ---- the fetched branches (sync_import.c, sync_deleted.c) ------------ */

typedef struct ps_refent {
	char *name; /* its tracking ref */
	git_oid oid;
	bool current; /* imported up to oid already (its stored head) */
} ps_refent;
/* By name, for qsort and bsearch. */
int ps_sync_refent_cmp(const void *a, const void *b);
/* Branches imported before that refs (sorted) no longer has: each reported
 * once, its head kept; marks ->current on the others. */
int ps_sync_report_deleted(ps_replica *r, git_repository *repo, ps_refent *refs, size_t nrefs, ps_sync_result *res);

/* ---- an import in progress (sync_import.c, sync_apply.c, sync_own.c) - */

typedef struct imp {
	ps_replica *r;
	git_repository *repo;
	git_odb *odb;
	ps_sync_result *res;
	const char *branch, *office, *replica;
	char commit[GIT_OID_HEXSZ + 1];
	char signer[72]; /* the fingerprint that signed commit, as verified; the key of replica */
	uint64_t max_ms;
	ps_progress_fn progress;
	void *pctx;
	long applied;
	/* decoded, checked changes waiting to be applied together */
	struct pend { /* its path is ps_change_path of its office and id */
		ps_change *c;
		char blob[GIT_OID_HEXSZ + 1];
		char commit[GIT_OID_HEXSZ + 1];
		char signer[72];
	} * batch;
	size_t nbatch, capbatch;
	struct entry *ent;
	size_t nent, capent;
	struct from *from; /* the commits and signers entries were listed under */
	size_t nfrom, capfrom;
	ps_hlc max_hlc;
	/* the branches of the writers of changes met in two versions, read
	 * once per import (sync_apply.c) */
	struct origin {
		char *ref;
		ps_branch_files *files; /* NULL: no such branch here */
	} * origins;
	size_t norigins;
	/* key records met on good province commits in this import
	 * (sync_verify.c) */
	struct keyov *keyov;
	size_t nkeyov;
	bool held_keys; /* the key records held for their clock are in the overlay */
	/* the branch whose commits signed by its current key are counted, and
	 * whether one was accepted: a previous key verifies only before that */
	char cur_branch[300];
	bool cur_seen;
	bool refetch; /* a damaged copy of an object was removed from repo.git: the next fetch walks every branch */
	/* "office/replica\n" lines: branches to read again from their root, a
	 * limit on a key of theirs having arrived (sync_retract.c); NULL: none */
	char *retract;
	bool rereading; /* the branch being read is read again from its root for that */
	bool again;     /* ... and what it took back puts it on the list again */
	/* the keys the registry revokes (stored, once per import, and those met
	 * on province branches since): a signer not among them needs no look
	 * at the registry (ps_sync_revoked_elsewhere) */
	uint8_t (*revoked)[32];
	size_t nrevoked;
	bool revoked_known;
} imp;

/* ---- sync_apply.c ---------------------------------------------------- */

/* Record a problem (in the caller's transaction); counted in res (may be
 * NULL) and logged when it is new. */
int ps_sync_problem(ps_store *s, const char *branch, const char *commit, const char *path, const char *reason,
                    ps_sync_result *res);
/* Fold every record noted for a full fold, then forget them. */
int ps_sync_fold_touched(ps_store *s);
/* Keep a change stamped too far ahead for later (c stays the caller's). */
int ps_sync_hold(imp *m, ps_change *c, const char *bytes, size_t len, const char *path);
/* Queue a decoded, checked change (taken over) and its file's Git id; applied by ps_sync_flush,
 * which runs by itself when the queue is full. */
int ps_sync_enqueue(imp *m, ps_change *c, const git_oid *blob);
int ps_sync_flush(imp *m);
/* Read and check a fetched change file at path on a branch of office, as
 * the import accepts it (a small blob, strictly decoded, its id matching
 * its path, written and owned by office): 0 with *out (ps_change_free)
 * and *obj (its bytes, git_odb_object_free); 1 refused, why says so; <0
 * an error. */
int ps_sync_read_change(imp *m, const char *path, const git_oid *oid, const char *office, ps_change **out,
                        git_odb_object **obj, char *why, size_t whyn);

/* ---- sync_format.c: the branch format of a fetched commit --------------- */

enum { PS_FORMAT_NEWER = 1, PS_FORMAT_OLD = 2 };
/* 0: read the commit's files (no format file, or a malformed one, which
 * is quarantined alone); PS_FORMAT_NEWER: written by a later plansync,
 * *needs set to the version it names ("" when it says nothing true);
 * PS_FORMAT_OLD: format 1, not read; <0 an error. */
int ps_sync_commit_format(imp *m, const git_tree *t, char *needs, size_t needsn);
/* The branch stops here for this plansync: said once per commit, with the
 * problems, not as a quarantine. */
int ps_sync_needs_newer(imp *m, const char *needs);
/* Forget what the import read of writers' branches. */
void ps_sync_origins_free(imp *m);
/* Forget the queued changes without applying them. */
void ps_sync_drop_batch(imp *m);
/* Apply the held changes whose time has come. */
int ps_sync_release_held(imp *m);

/* ---- sync_verify.c: who signed a fetched commit ------------------------ */

enum { PS_VERIFY_OK = 0, PS_VERIFY_HELD = 1, PS_VERIFY_BAD = 2 };
typedef struct ps_vcommit {
	uint8_t signer[32];
	char fpr[72];
	bool boot;        /* a province branch with no key record yet: the root of trust, or a request */
	bool other_key;   /* held, signed by a key that is not its replica's enrolled one: never a request */
	bool handover;    /* a province branch's first commit, signed by another province replica's enrolled key */
	char holder[200]; /* with handover: that replica */
	bool limited;     /* bad: a key the registry counts only up to an earlier commit (revoked, replaced) */
	bool pinned;      /* with boot: signed by the pinned key */
} ps_vcommit;
/* Judge commit oid of m's branch by its signature and the registry:
 * PS_VERIFY_OK (read it; when vc->boot, ps_sync_verify_boot decides after
 * its files are listed), PS_VERIFY_HELD (an enrolment request: stop before
 * it), PS_VERIFY_BAD (quarantined here, with the reason). */
int ps_sync_verify_commit(imp *m, const git_oid *oid, ps_vcommit *vc, int *verdict);
/* m's branch was rewritten from last to tip: each change of its writer that
 * the dropped commits listed and the branch no longer does, stored here in
 * a version another branch of the office does not list as the smallest, is
 * replaced by that one (sync_redecide.c). */
int ps_sync_redecide_dropped(imp *m, const git_oid *last, const git_oid *tip);
/* One change file of a commit on a province branch: with note, a key
 * record it writes joins this import's registry (1: refused, quarantined,
 * not to be applied: a revocation of a province replica by another than
 * the root); without, *own is set when
 * it writes its own replica's key record, enrolled, with the signer's key
 * (with vc->handover: with any key, the one the province hands over to). */
int ps_sync_verify_file(imp *m, const ps_vcommit *vc, bool note, const char *path, const git_oid *oid, bool *own);
/* A boot commit: good when it writes its replica's own key record and the
 * signer is the pinned province key, or the branch's head tip is signed by
 * the pin (the root rotated to it), or, trusting on first use, becomes it;
 * refused when another key is pinned; held otherwise. */
int ps_sync_verify_boot(imp *m, const ps_vcommit *vc, bool own, const git_oid *tip, int *verdict);
/* The branch stops at first (held): note or update its enrolment request
 * (none when vc->other_key: an open one is dropped). */
int ps_sync_verify_request(imp *m, const ps_vcommit *vc, const git_oid *first, const git_oid *tip);
/* Whether the branch (read up to last, NULL: nothing) still stops at the
 * enrolment request noted when its tip was tip, as it did then: nothing new
 * to walk. May quarantine its first commit (then *same is false). */
int ps_sync_verify_unchanged(imp *m, const git_oid *last, const git_oid *tip, bool *same);
/* The branch was read to its tip: no request of it is open any more. */
int ps_sync_verify_settled(imp *m);
void ps_sync_verify_free(imp *m);
/* The key record of office/replica as this import knows it (the stored
 * registry and the key records met on province branches so far); out is a
 * copy the caller releases. */
struct ps_keyrec;
int ps_sync_verify_lookup(imp *m, const char *office, const char *replica, struct ps_keyrec *out);

/* ---- sync_rootrule.c ------------------------------------------------- */

/* Key record change c (record rid), met on a good commit of a province
 * branch: 0 when it may count, 1 (quarantined here) when it writes another
 * province replica's key record and the branch's replica is not the root. */
int ps_sync_root_writes(imp *m, const ps_change *c, const ps_record_id *rid);
/* m's branch has a good commit writing its own key record signed by fpr:
 * when that is the pinned key, its replica is a root (meta trust.roots). */
int ps_sync_root_seen(imp *m, const char *fpr);
/* Commit oid is the commit k's revocation names or its ancestor (also when
 * that commit is lost here: the raw bytes the record carries). */
struct ps_keyrec;
bool ps_sync_before_revocation(imp *m, const struct ps_keyrec *k, const git_oid *oid);
/* The key pub is the revoked key of a replica other than m's branch's, and
 * commit oid is not among those its revocation accepts: that replica in
 * out (else out empty). Rare: for commits a previous key signs. */
int ps_sync_revoked_elsewhere(imp *m, const uint8_t pub[32], const git_oid *oid, char *out, size_t n);
/* A key record revoking public_key was met in this import. */
int ps_sync_revoked_note(imp *m, const char *public_key);

/* ---- sync_retract.c -------------------------------------------------- */

/* The registry's limits on keys are the same for every reader, whatever it
 * read before they arrived (attack 164). A key record change that revokes
 * a key or limits a previous one (c, met on a good province commit) puts
 * its replica's branch on m->retract, kept in the store with the
 * province branch's transaction; that branch is then read again from its
 * root, and each commit the limit refuses takes back the changes it had
 * brought (ps_sync_retract_commit). */
int ps_sync_retract_load(imp *m);
int ps_sync_retract_note(imp *m, const ps_change *c);
bool ps_sync_retract_due(const imp *m, const char *office, const char *replica);
/* One of the n tracking refs is still on the list. */
bool ps_sync_retract_left(const imp *m, const ps_refent *refs, size_t n);
/* m's branch was read again: off the list (in the branch's transaction),
 * unless what it took back put it there again. */
int ps_sync_retract_done(imp *m);
/* Every branch of a revoked province replica's office was read again
 * (the second pass): the line for all of them goes. */
int ps_sync_retract_office_done(imp *m);
/* Commit oid of m's branch, signed by fpr, is refused (by a limit on that
 * key, or judged again from the root): the changes it brought here are
 * taken back, each said in problems, and its held changes dropped; a key
 * record taken back puts its replica's branch on the list. */
int ps_sync_retract_commit(imp *m, const git_oid *oid, const char *fpr);

/* ---- sync_import.c --------------------------------------------------- */

/* Import the new commits of one branch up to tip (m->branch, office and
 * replica set) in one transaction. PS_EINVALID when the branch cannot be
 * read. */
int ps_sync_import_branch(imp *m, const char *ref, const git_oid *tip);
/* Set the tracking ref back to the last head imported (or remove it). */
void ps_sync_forget_bad_tip(imp *m, const char *ref);

/* ---- sync_own.c ------------------------------------------------------ */

/* ps_sync_export, and in held (when not NULL) the reason a damaged local
 * change and those after it wait ("" when none does): the cycle exits
 * PS_EREPAIR after its other work. *deferred: nothing was exported because
 * the last delivered commit is not in repo.git yet (the fetch brings it). */
int ps_sync_export_held(ps_replica *r, long *exported, char *held, size_t heldn, bool *deferred);

/* What the own branch in repo.git says against plansync.db's exports. */
enum { OWN_OK = 0, OWN_DEFER = 1, OWN_DB_BEHIND = 2 };
int ps_sync_recover_own_ref(ps_replica *r, git_repository *repo, const char *ref, git_oid *head, int *has_head);
/* Junk on our own branch: *junk is the number of commits from tip back to
 * mine (NULL: to the root) when none of them is validly signed by a key
 * that writes our id (someone else pushed them, unsigned or signed by a
 * stranger's or another replica's key; every reader refuses them: the
 * branch is ours to replace), else 0 (another writer of our id signs there,
 * a copy of this replica with our key or one re-created with a key the
 * registry names for our id, which readers judge by its key: we take a new
 * id, never a push war). */
int ps_sync_own_junk(ps_replica *r, git_repository *repo, const git_oid *tip, const git_oid *mine, long *junk);
/* Our own branch as fetched: delivered, adopted, junk kept out, or a new id. */
int ps_sync_own_branch(imp *m, const char *ref, const git_oid *tip, const char *office, const char *replica);
/* After a fork: write again our changes the old branch at tip altered. */
int ps_sync_reissue_against(ps_replica *r, git_repository *repo, const git_oid *tip);
/* Write again the values our changes stamped in the future give. */
int ps_sync_restamp_future(ps_replica *r);
/* Our unsent commits must be readable (with files: to every tree and file,
 * each hashed); a damaged one is exported again. */
int ps_sync_repair_unsent(ps_replica *r, git_repository *repo, const char *ref, const git_oid *mine,
                          const git_oid *theirs, bool files, long *exported);

/* ---- sync.c ---------------------------------------------------------- */

/* The replica's sync lock (a file descriptor to close), waiting a minute. */
int ps_sync_lock(ps_replica *r);
/* The network settings (ssh.key, ...) of the replica, read for one cycle
 * or one seed. */
void ps_sync_load_auth(ps_replica *r, ps_auth *out);

#endif
