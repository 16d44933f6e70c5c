/* pathremote.c - fetch and push for a remote that is a directory: a bare
 * repository on this disk, a network share or a USB stick. Over 600 lines
 * on purpose: fetch and push share one copier, whose rules (a branch
 * accepted whole or not at all, children before parents, file entries
 * checked when copied) are easier to keep right in one place.
 *
 * Why not libgit2's local transport: it parses the object every ref of the
 * remote points at, so one malformed commit under refs/tags stops every
 * fetch; and its push moves the ref with no compare-and-swap and, when
 * killed, leaves a lock file in the shared repository that refuses every
 * later push of that branch.
 *
 * Here objects are copied by our own walk. Only refs/heads/replicas/... of the
 * remote are read. A branch's new commits and trees are parsed in the
 * source (libgit2 validates them); objects the destination already has end
 * the walk, so the cost is what is new. A blob's size comes from its header
 * before it is read: blobs over the change cap are not copied (the import
 * quarantines the file that names one). Objects are written children first
 * (loose) or as one pack, and a ref moves only after its objects are
 * durable; a branch whose objects cannot be read or parsed is reported to
 * the caller and left where it was, and every other branch goes on.
 *
 * Push: our own lock on our own branch in the remote is cleared (we hold
 * the replica's sync lock and only this replica writes its branch), objects
 * are copied the same way, and the ref moves by compare-and-swap from the
 * value we checked descends into ours, through its own file (refwrite.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pathremote.h"
#include "odbhas.h"
#include "oidset.h"
#include "packcopy.h"
#include "refread.h"
#include "refwrite.h"
#include "plansync/change.h"
#include "plansync/error.h"
#include "plansync/log.h"

#define MAX_TREE_BYTES   (8u << 20)
#define MAX_COMMIT_BYTES (1u << 20)
#define MAX_TREE_DEPTH   16
#define BULK_OBJECTS     256

/* ---- collecting what to copy ------------------------------------------- */

enum { TENTATIVE = 1, DONE = 2, TENTATIVE_FILE = 3, DONE_FILE = 4 }; /* states in the copier's set */

typedef struct obj {
	git_oid id;
	git_object_t type;
	uint64_t key; /* a file's place in change-id order (its name's clock prefix), 0 for the rest */
} obj;
/* set in the key of a file entry: it is copied after a check of its type
 * and size (the import quarantines the entry naming one left out) */
#define FILE_KEY ((uint64_t)1 << 63)

typedef struct copier {
	git_repository *src, *dst;
	git_odb *sodb, *dodb;
	ps_odbhas *dhas; /* what the destination has, without a system call per object */
	ps_oidset seen;  /* TENTATIVE: listed for the branch being walked; DONE: listed for a good one */
	obj *list;
	size_t n, cap;
	bool cap_blobs; /* leave out blobs over the change cap (fetch) */
	bool own_src;   /* the source is this replica's own repository (push) */
	bool deep;      /* trust no object of the destination to be complete */
	char why[512];  /* the reason a branch failed */
	volatile sig_atomic_t *cancel;
} copier;

/* Normally an object the destination has ends the walk: everything it
 * names is there too (objects are written children first, packs whole).
 * A deep walk trusts nothing of the destination's but single objects: it
 * goes down to the roots and copies whatever is missing (after a replica
 * directory was copied while in use, or an object was found missing). */
/* A file entry's object is listed as a file, unchecked until it is
 * copied (write_all leaves it out if it is no small blob): listed so, it
 * does not stand for a commit or a tree a branch names (a hostile entry
 * naming another branch's tip would hide that tip). */
/* Whether the destination has an object, without libgit2's rescan of the
 * pack directory on a miss (most objects of a fetch are misses: the rescan
 * cost six system calls each) or its access() of a loose file (odbhas.c).
 * An object another process added meanwhile is not seen: it is copied
 * again, which is harmless. */
static int dst_has(copier *c, const git_oid *id)
{
	return ps_odbhas_has(c->dhas, id);
}

static int have_as(copier *c, const git_oid *id, bool file)
{
	int st = ps_oidset_get(&c->seen, id);
	if (st == PS_OIDSET_ABSENT)
		return !c->deep && dst_has(c, id);
	return file || st == TENTATIVE || st == DONE;
}

static int have(copier *c, const git_oid *id)
{
	return have_as(c, id, false);
}

/* The clock prefix of a change file's name (<16 hex digits>-<replica>.json)
 * as a number: blobs written in this order sit in the pack in the order the
 * import reads them (by change id), so both read it front to back. */
static uint64_t name_key(const char *name)
{
	uint64_t k = 0;
	for (int i = 0; i < 16; i++) {
		int c = (unsigned char)name[i], v = c >= '0' && c <= '9'   ? c - '0'
		                                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
		                                                           : -1;
		if (v < 0)
			return 0;
		k = k << 4 | (uint64_t)v;
	}
	return k;
}

static int list_add(copier *c, const git_oid *id, git_object_t type, uint64_t key)
{
	if (c->deep && dst_has(c, id))
		return ps_oidset_put(&c->seen, id, DONE); /* walked, nothing to copy */
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 1024;
		obj *nl = realloc(c->list, nc * sizeof(*nl));
		if (!nl)
			return ps_error_set(PS_ENOMEM, "out of memory");
		c->list = nl;
		c->cap = nc;
	}
	c->list[c->n].id = *id;
	c->list[c->n].type = type;
	c->list[c->n].key = key;
	c->n++;
	return ps_oidset_put(&c->seen, id, key & FILE_KEY ? TENTATIVE_FILE : TENTATIVE);
}

/* A branch's content is bad: remember why, return PS_EINVALID. */
static int bad(copier *c, const git_oid *id, const char *what)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), id);
	const git_error *e = git_error_last();
	snprintf(c->why, sizeof(c->why), "%s %s%s%s", what, hex, e && e->message ? ": " : "",
	         e && e->message ? e->message : "");
	return PS_EINVALID;
}

static int collect_tree(copier *c, const git_oid *id, int depth)
{
	if (have(c, id))
		return 0;
	if (depth > MAX_TREE_DEPTH)
		return bad(c, id, "directories nested too deeply at tree");
	size_t size;
	git_object_t type;
	git_error_clear();
	if (git_odb_read_header(&size, &type, c->sodb, id) < 0)
		return bad(c, id, "cannot read tree");
	if (type != GIT_OBJECT_TREE || size > MAX_TREE_BYTES)
		return bad(c, id, type != GIT_OBJECT_TREE ? "not a tree:" : "tree larger than 8 MiB:");
	git_tree *t = NULL;
	if (git_tree_lookup(&t, c->src, id) < 0)
		return bad(c, id, "cannot parse tree");
	int rc = 0;
	size_t n = git_tree_entrycount(t);
	for (size_t i = 0; i < n && !rc; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		const git_oid *eid = git_tree_entry_id(e);
		git_filemode_t mode = git_tree_entry_filemode(e);
		if (mode == GIT_FILEMODE_TREE) {
			rc = collect_tree(c, eid, depth + 1);
		} else if (mode == GIT_FILEMODE_COMMIT) {
			/* a submodule names a commit of another repository: nothing to copy */
		} else if (!have_as(c, eid, true)) {
			/* Only whether it is there (the pack index, no pack data): its
			 * type and size are read when it is copied, in the order it
			 * is written, so a big history is read front to back. */
			git_error_clear();
			if (!git_odb_exists(c->sodb, eid))
				rc = bad(c, eid, "cannot read file");
			else
				rc = list_add(c, eid, GIT_OBJECT_BLOB, name_key(git_tree_entry_name(e)) | FILE_KEY);
		}
	}
	git_tree_free(t);
	return rc ? rc : list_add(c, id, GIT_OBJECT_TREE, 0);
}

/* Everything reachable from tip that the destination lacks, listed so that
 * every object comes after the objects it names. */
static int collect(copier *c, const git_oid *tip)
{
	git_oid *stack = NULL, *commits = NULL;
	size_t ns = 0, cs = 0, nc = 0, cc = 0;
	int rc = 0;
	if (have(c, tip))
		return 0;
	if (!(stack = malloc(64 * sizeof(git_oid))))
		return ps_error_set(PS_ENOMEM, "out of memory");
	cs = 64;
	stack[ns++] = *tip;
	ps_oidset mark = {0};
	while (ns && !rc) {
		git_oid id = stack[--ns];
		if (have(c, &id) || ps_oidset_get(&mark, &id))
			continue;
		if (c->cancel && *c->cancel) {
			rc = ps_error_set(PS_EOFFLINE, "transfer interrupted");
			break;
		}
		size_t size;
		git_object_t type;
		git_error_clear();
		git_commit *cm = NULL;
		if (git_odb_read_header(&size, &type, c->sodb, &id) < 0) {
			rc = bad(c, &id, "cannot read commit");
		} else if (type != GIT_OBJECT_COMMIT || size > MAX_COMMIT_BYTES) {
			rc = bad(c, &id, type != GIT_OBJECT_COMMIT ? "not a commit:" : "commit larger than 1 MiB:");
		} else if (git_commit_lookup(&cm, c->src, &id) < 0) {
			rc = bad(c, &id, "cannot parse commit");
		} else if ((rc = ps_oidset_put(&mark, &id, DONE)) == 0) {
			if (nc == cc) {
				cc = cc ? cc * 2 : 64;
				git_oid *n2 = realloc(commits, cc * sizeof(git_oid));
				if (!n2)
					rc = ps_error_set(PS_ENOMEM, "out of memory");
				else
					commits = n2;
			}
			if (!rc)
				commits[nc++] = id;
			unsigned np = git_commit_parentcount(cm);
			for (unsigned i = 0; i < np && !rc; i++) {
				if (ns == cs) {
					git_oid *n2 = realloc(stack, cs * 2 * sizeof(git_oid));
					if (!n2) {
						rc = ps_error_set(PS_ENOMEM, "out of memory");
						break;
					}
					stack = n2;
					cs *= 2;
				}
				stack[ns++] = *git_commit_parent_id(cm, i);
			}
		}
		git_commit_free(cm);
	}
	/* Oldest first: parents were found after their children. */
	for (size_t i = nc; i-- > 0 && !rc;) {
		git_commit *cm = NULL;
		if (git_commit_lookup(&cm, c->src, &commits[i]) < 0)
			rc = bad(c, &commits[i], "cannot parse commit");
		else if (!(rc = collect_tree(c, git_commit_tree_id(cm), 0)))
			rc = list_add(c, &commits[i], GIT_OBJECT_COMMIT, 0);
		git_commit_free(cm);
	}
	ps_oidset_free(&mark);
	free(stack);
	free(commits);
	return rc;
}

/* Drop what the failed branch listed after `from`. */
static void forget(copier *c, size_t from)
{
	for (size_t i = from; i < c->n; i++)
		ps_oidset_put(&c->seen, &c->list[i].id, PS_OIDSET_ABSENT);
	c->n = from;
}

static void accept(copier *c, size_t from)
{
	for (size_t i = from; i < c->n; i++)
		ps_oidset_put(&c->seen, &c->list[i].id, c->list[i].key & FILE_KEY ? DONE_FILE : DONE);
}

/* Write the listed objects into the destination: loose in list order for a
 * few, one pack for many. Durable when this returns 0. */
static int cmp_key(const void *a, const void *b)
{
	const obj *x = a, *y = b;
	return (x->key > y->key) - (x->key < y->key);
}

static int write_all(copier *c, ps_progress_fn progress, void *pctx)
{
	if (!c->n)
		return 0;
	ps_objw *w = NULL;
	bool pack = c->n >= BULK_OBJECTS;
	int rc = ps_objw_new(&w, c->dst, pack);
	/* A pack is whole or absent, so its order is free: change files in
	 * change-id order first, read and written front to back. Loose
	 * objects keep the walk's order, children before parents. */
	if (pack && !rc) {
		size_t k = 0;
		for (size_t i = 0; i < c->n; i++)
			if (c->list[i].key) {
				obj t = c->list[k];
				c->list[k++] = c->list[i];
				c->list[i] = t;
			}
		qsort(c->list, k, sizeof(*c->list), cmp_key);
	}
	/* Each object is hashed once. Another replica's (fetch): by libgit2 as
	 * it is read (its collision-detecting SHA-1), and the pack takes that
	 * id. Our own (push): by us as it is written (libcrypto's, about three
	 * times faster), and the id compared. */
	if (c->own_src)
		ps_repo_hash_reads(false);
	for (size_t i = 0; i < c->n && !rc; i++) {
		git_odb_object *o = NULL;
		git_oid got;
		size_t bs;
		git_object_t bt;
		if (c->cancel && *c->cancel) {
			rc = ps_error_set(PS_EOFFLINE, "transfer interrupted");
		} else if (c->cap_blobs && (c->list[i].key & FILE_KEY) &&
		           (git_odb_read_header(&bs, &bt, c->sodb, &c->list[i].id) < 0 || bt != GIT_OBJECT_BLOB ||
		            bs > PS_CHANGE_MAX_BYTES)) {
			continue; /* left out: the import quarantines the entry that names it */
		} else if (git_odb_read(&o, c->sodb, &c->list[i].id) < 0) {
			/* Another replica's change file that cannot be read (damaged
			 * on the remote, its content not matching its id) is left out
			 * like an over-cap one: the import quarantines that entry, and
			 * every other object and branch of this fetch goes on. */
			if (c->cap_blobs && (c->list[i].key & FILE_KEY)) {
				char hex[GIT_OID_HEXSZ + 1];
				git_oid_tostr(hex, sizeof(hex), &c->list[i].id);
				ps_log(PS_LOG_WARN, "a change file %s on the remote cannot be read, not fetched: %s",
				       hex, git_error_last() ? git_error_last()->message : "unknown error");
				continue;
			}
			rc = ps_repo_error(PS_ERROR, "reading an object to copy");
		} else if (!(rc = c->own_src ? ps_objw_add(w, &got, git_odb_object_type(o), git_odb_object_data(o),
		                                           git_odb_object_size(o))
		                             : ps_objw_add_hashed(w, &got, &c->list[i].id, git_odb_object_type(o),
		                                                  git_odb_object_data(o), git_odb_object_size(o))) &&
		           !git_oid_equal(&got, &c->list[i].id))
			rc = ps_error_set(c->own_src ? PS_EINVALID : PS_ERROR, /* EINVALID: ours, damaged here */
			                  "an object's content does not match its id (corrupt repository)");
		git_odb_object_free(o);
		if (progress && (i + 1) % 1000 == 0)
			progress(pctx, "objects copied", (long)(i + 1), (long)c->n);
	}
	if (c->own_src)
		ps_repo_hash_reads(true);
	if (!rc)
		rc = ps_objw_finish(w);
	ps_objw_free(w);
	return rc;
}

static int copier_open(copier *c, git_repository *src, git_repository *dst, bool cap_blobs,
                       volatile sig_atomic_t *cancel)
{
	memset(c, 0, sizeof(*c));
	c->src = src;
	c->dst = dst;
	c->cap_blobs = cap_blobs;
	c->cancel = cancel;
	if (git_repository_odb(&c->sodb, src) < 0 || git_repository_odb(&c->dodb, dst) < 0)
		return ps_repo_error(PS_ERROR, "opening an object database");
	return ps_odbhas_new(&c->dhas, dst);
}

static void copier_close(copier *c)
{
	git_odb_free(c->sodb);
	git_odb_free(c->dodb);
	ps_odbhas_free(c->dhas);
	ps_oidset_free(&c->seen);
	free(c->list);
}

/* ---- fetch --------------------------------------------------------------- */

#define PACK_REFS_AT 64 /* refs moved in one fetch before the refs are packed */

typedef struct rref {
	char *name; /* refs/heads/replicas/... or, for tracking refs, what follows their prefix */
	git_oid id;
	int ok;
} rref;

typedef struct rrefs {
	rref *v;
	size_t n, cap;
} rrefs;

static void rrefs_free(rrefs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static rref *rrefs_add(rrefs *l, const char *name)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		rref *nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return NULL;
		l->v = nv;
		l->cap = cap;
	}
	rref *r = &l->v[l->n];
	memset(r, 0, sizeof(*r));
	if (!(r->name = strdup(name)))
		return NULL;
	l->n++;
	return r;
}

/* The branch part of a name (after refs/heads/replicas/ or the tracking
 * prefix), for finding a branch in the other list. */
static const rref *rrefs_find(const rrefs *l, const char *branch, size_t skip)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(l->v[mid].name + skip, branch);
		if (!c)
			return &l->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The tracking refs here, sorted: one read of the ref files instead of one
 * lookup per remote branch. */
static int read_tracking(git_repository *local, rrefs *out)
{
	ps_reflist l;
	int rc = ps_refs_read(&l, git_repository_path(local), PS_TRACK_REF_PREFIX);
	for (size_t i = 0; !rc && i < l.n; i++) {
		rref *r = rrefs_add(out, l.v[i].name + strlen(PS_TRACK_REF_PREFIX));
		if (!r)
			rc = ps_error_set(PS_ENOMEM, "out of memory");
		else if (l.v[i].ok)
			r->id = l.v[i].id, r->ok = 1;
	}
	ps_reflist_free(&l);
	return rc;
}

static int open_remote(git_repository **out, const char *path)
{
	if (git_repository_open_ext(out, path, GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE, NULL) < 0)
		return ps_error_set(
		    PS_EOFFLINE, "the remote %s cannot be opened (%s); changes stay queued and go out on a later sync",
		    path, git_error_last() ? git_error_last()->message : "unknown error");
	return 0;
}

int ps_pathremote_fetch(git_repository *local, const char *path, bool deep, ps_refbad_fn badfn, void *ctx,
                        volatile sig_atomic_t *cancel, ps_progress_fn progress, void *pctx)
{
	return ps_pathremote_fetch_refs(local, path, NULL, deep, badfn, ctx, cancel, progress, pctx);
}

int ps_pathremote_fetch_refs(git_repository *local, const char *path, ps_reflist *read, bool deep, ps_refbad_fn badfn,
                             void *ctx, volatile sig_atomic_t *cancel, ps_progress_fn progress, void *pctx)
{
	ps_reflist rl = {0};
	if (read) /* taken over */
		rl = *read, memset(read, 0, sizeof(*read));
	git_repository *remote = NULL;
	int rc = open_remote(&remote, path);
	if (rc) {
		ps_reflist_free(&rl);
		return rc;
	}
	copier c;
	rrefs refs = {0}, have = {0};
	size_t moved = 0;
	if ((rc = copier_open(&c, remote, local, true, cancel)))
		goto out;
	c.deep = deep;
	if ((rc = read_tracking(local, &have)))
		goto out;
	/* the remote's branches, read from its ref files (refread.c): one that
	 * is not a branch is reported, the rest go on */
	if (!read && (rc = ps_refs_read(&rl, git_repository_path(remote), PS_OWN_REF_PREFIX)))
		goto out;
	for (size_t i = 0; i < rl.n && !rc; i++) {
		/* Only replicas/<office>/<replica> is a branch. Any other name is
		 * reported and left out of the list: stored as a tracking ref, a
		 * file named replicas/<office> would stand where the office's
		 * branches go, and left out, a tracking ref stored so before is
		 * pruned below. */
		const char *rest = rl.v[i].name + strlen(PS_OWN_REF_PREFIX), *sl = strchr(rest, '/');
		if (!sl || sl == rest || !sl[1] || strchr(sl + 1, '/')) {
			if (badfn)
				rc = badfn(ctx, rl.v[i].name + strlen("refs/heads/"), "",
				           "branch name is not replicas/<office>/<replica>, left out");
			continue;
		}
		rref *r = rrefs_add(&refs, rl.v[i].name);
		if (!r)
			rc = ps_error_set(PS_ENOMEM, "out of memory");
		else if (rl.v[i].ok)
			r->id = rl.v[i].id, r->ok = 1;
		else if (badfn)
			rc = badfn(ctx, r->name + strlen("refs/heads/"), "", rl.v[i].why);
	}
	ps_reflist_free(&rl);
	if (rc)
		goto out;
	/* Walk each branch on its own: one that fails is reported and left.
	 * A branch whose tracking ref names its tip already costs nothing. */
	for (size_t i = 0; i < refs.n; i++) {
		rref *r = &refs.v[i];
		if (!r->ok)
			continue;
		const rref *cur = rrefs_find(&have, r->name + strlen(PS_OWN_REF_PREFIX), 0);
		if (cur && cur->ok && git_oid_equal(&cur->id, &r->id)) {
			if (!deep)
				r->ok = 2; /* nothing to copy, no ref to move */
			else if (git_odb_exists(c.dodb, &r->id))
				r->ok = 3; /* walked below; the ref stays */
		}
		if (r->ok == 2)
			continue;
		size_t from = c.n;
		c.why[0] = '\0';
		int e = collect(&c, &r->id);
		if (e == PS_EINVALID) {
			forget(&c, from);
			r->ok = 0;
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex), &r->id);
			if (badfn && (rc = badfn(ctx, r->name + strlen("refs/heads/"), hex, c.why)))
				goto out;
		} else if (e) {
			rc = e;
			goto out;
		} else {
			accept(&c, from);
		}
	}
	if ((rc = write_all(&c, progress, pctx)))
		goto out;
	/* Objects are durable: move the tracking refs that changed. */
	for (size_t i = 0; i < refs.n; i++) {
		rref *r = &refs.v[i];
		if (r->ok != 1)
			continue;
		char track[600];
		snprintf(track, sizeof(track), PS_TRACK_REF_PREFIX "%s", r->name + strlen(PS_OWN_REF_PREFIX));
		if (ps_ref_set(git_repository_path(local), track, NULL, false, &r->id)) { /* refwrite.c */
			char hex[GIT_OID_HEXSZ + 1], why[400];
			git_oid_tostr(hex, sizeof(hex), &r->id);
			snprintf(why, sizeof(why), "branch name cannot be stored here (%s)", ps_error_last());
			if (badfn && (rc = badfn(ctx, r->name + strlen("refs/heads/"), hex, why)))
				goto out;
		} else {
			moved++;
		}
	}
	/* Prune: tracking refs whose branch the remote no longer has. A branch
	 * that is there but could not be fetched keeps its tracking ref. */
	for (size_t i = 0; i < have.n; i++) {
		git_reference *gr = NULL;
		char track[600];
		if (rrefs_find(&refs, have.v[i].name, strlen(PS_OWN_REF_PREFIX)))
			continue;
		snprintf(track, sizeof(track), PS_TRACK_REF_PREFIX "%s", have.v[i].name);
		if (git_reference_lookup(&gr, local, track) == 0)
			git_reference_delete(gr);
		git_reference_free(gr);
	}
	/* Many refs moved (a first fetch, a remote of many offices): one
	 * packed-refs file reads faster than a file per branch on every later
	 * cycle. We hold the sync lock, the only writer of these refs. */
	if (moved >= PACK_REFS_AT) {
		git_refdb *db = NULL;
		if (git_repository_refdb(&db, local) == 0 && git_refdb_compress(db) < 0)
			ps_log(PS_LOG_INFO, "packing the fetched branches' refs: %s",
			       git_error_last() ? git_error_last()->message : "failed");
		git_refdb_free(db);
	}
out:
	ps_reflist_free(&rl); /* emptied when used; a list taken over and not reached */
	rrefs_free(&refs);
	rrefs_free(&have);
	copier_close(&c);
	git_repository_free(remote);
	return rc;
}

/* ---- push ------------------------------------------------------------------ */

static int has_cb(void *ctx, const git_oid *id)
{
	return dst_has(ctx, id);
}

static int cmp_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/* A bulk push whose objects are exactly packs of ours: those packs are
 * copied (packcopy.c) instead of each object read and written again. */
static int push_packs(bool *copied, copier *c)
{
	*copied = false;
	if (c->n < BULK_OBJECTS || c->deep)
		return 0;
	git_oid *ids = malloc(c->n * sizeof(*ids));
	if (!ids)
		return ps_error_set(PS_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n; i++)
		ids[i] = c->list[i].id;
	qsort(ids, c->n, sizeof(*ids), cmp_oid);
	int rc = ps_packcopy_push(copied, git_repository_path(c->src), git_repository_path(c->dst), ids, c->n, has_cb,
	                          c, c->cancel);
	free(ids);
	if (*copied)
		git_odb_refresh(c->dodb);
	return rc;
}

int ps_pathremote_push(git_repository *local, const char *path, const char *srcref, const char *refname,
                       const git_oid *over, volatile sig_atomic_t *cancel)
{
	git_repository *remote = NULL;
	int rc = open_remote(&remote, path);
	if (rc)
		return rc;
	copier c;
	memset(&c, 0, sizeof(c));
	git_oid tip, old;
	int has_old = 0;
	if ((rc = copier_open(&c, local, remote, false, cancel)))
		goto out;
	c.own_src = true;
	if (git_reference_name_to_id(&tip, local, srcref) < 0) {
		rc = ps_repo_error(PS_ERROR, "reading the replica's branch");
		goto out;
	}
	/* Our own branch's lock in the shared repository: left by a push that
	 * was killed. We hold this replica's sync lock and only this replica
	 * writes its branch, so no live writer holds it. */
	char lock[4400];
	snprintf(lock, sizeof(lock), "%s%s.lock", git_repository_path(remote), refname);
	if (access(lock, F_OK) == 0) {
		ps_log(PS_LOG_INFO, "removed a stale lock on this replica's branch in the shared repository: %s", lock);
		unlink(lock);
	}
	/* Our branch is read and moved through its own file (refwrite.c), not
	 * libgit2's refdb: a damaged packed-refs or a junk ref whose name is a
	 * prefix of ours stops no push. A ref file of ours that cannot be read
	 * (a power cut mid-write) is a damaged ref, not another writer's
	 * commits: it is replaced, if still the same, as if absent. */
	char gitdir[4100];
	snprintf(gitdir, sizeof(gitdir), "%s", git_repository_path(remote));
	for (size_t gl = strlen(gitdir); gl > 1 && gitdir[gl - 1] == '/';)
		gitdir[--gl] = '\0';
	int found = 0;
	bool found_ok = false;
	if ((rc = ps_ref_read(&found, &found_ok, &old, gitdir, refname)))
		goto out;
	has_old = found && found_ok;
	if (found && !found_ok)
		ps_log(PS_LOG_WARN,
		       "this replica's branch in the shared repository cannot be read (a damaged ref file); "
		       "pushed again");
	int e;
	bool leased = has_old && over && git_oid_equal(&old, over); /* replace what the caller judged */
	/* Already there: the remote's branch is ours or builds on it. */
	if (has_old && !leased &&
	    (git_oid_equal(&old, &tip) ||
	     (git_odb_exists(c.dodb, &tip) && git_graph_descendant_of(remote, &old, &tip) == 1)))
		goto out;
	if (has_old && !leased && (!git_odb_exists(c.sodb, &old) || git_graph_descendant_of(local, &tip, &old) != 1)) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &old);
		rc = ps_error_set(PS_EREJECTED,
		                  "the shared repository's %s holds commits this replica did not write (at %s); "
		                  "changes stay queued",
		                  refname + strlen("refs/heads/"), hex);
		goto out;
	}
	/* Our own trees are parsed unhashed: what goes out is hashed anyway,
	 * by the copy of a pack (its checksum) or by write_all (each id), and
	 * a damaged tree read here fails the same way there. */
	ps_repo_hash_reads(false);
	e = collect(&c, &tip);
	ps_repo_hash_reads(true);
	if (e == PS_EINVALID) {
		rc = ps_error_set(PS_EINVALID, "%s cannot be read here: %s; run 'plansync check'", srcref, c.why);
		goto out;
	} else if (e) {
		rc = e;
		goto out;
	}
	bool copied = false;
	if ((rc = push_packs(&copied, &c)) == 0 && !copied)
		rc = write_all(&c, NULL, NULL);
	if (rc == PS_EINVALID)
		goto out; /* a copy of ours damaged here */
	if (rc) {
		/* the shared repository's fault (often its disk is full), not ours */
		char why[600];
		snprintf(why, sizeof(why), "%s", ps_error_last());
		rc = ps_error_set(PS_EOFFLINE,
		                  "the shared repository %s cannot take this replica's objects (%s); changes stay "
		                  "queued and go out on a later sync (tell whoever looks after it)",
		                  path, why);
		goto out;
	}
	rc = ps_ref_cas(gitdir, refname, found, found_ok, &old, &tip);
out:
	copier_close(&c);
	git_repository_free(remote);
	return rc;
}
