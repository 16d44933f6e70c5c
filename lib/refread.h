/* refread.h - internal: the refs under one prefix of a repository, read
 * from its files (refread.c). */
#ifndef PLANSYNC_REFREAD_H
#define PLANSYNC_REFREAD_H
#include <stdbool.h>
#include <stddef.h>
#include <git2.h>

typedef struct ps_refrd {
	char *name;      /* the whole ref name, refs/... */
	git_oid id;      /* when ok */
	bool ok;         /* a commit id under a valid name */
	bool loose;      /* read from its own file (else from packed-refs) */
	const char *why; /* when not ok: what is wrong with it, in words */
} ps_refrd;

typedef struct ps_reflist {
	ps_refrd *v; /* sorted by name, one entry per name */
	size_t n, cap;
} ps_reflist;

/* The refs of the repository at gitdir whose names start with prefix (which
 * ends in '/'). A missing directory or packed-refs file is no refs. Fails
 * only when out of memory; out is empty then. */
int ps_refs_read(ps_reflist *out, const char *gitdir, const char *prefix);
/* ps_refs_read, with the stamps of the loose files read before kept in the
 * file stamps (of this replica; NULL: none): a loose ref file whose device,
 * inode, size and times are those kept is not opened again; the stamps are
 * written back for the next read (refcache.c). Reads the same refs. */
int ps_refs_read_stamped(ps_reflist *out, const char *gitdir, const char *prefix, const char *stamps);
void ps_reflist_free(ps_reflist *l);
/* A new entry at the end of l, its name a copy of name[0..len), the rest
 * zero (not sorted into place); NULL when out of memory. */
ps_refrd *ps_reflist_add(ps_reflist *l, const char *name, size_t len);

/* The one ref refname (refs/.../name) of the repository at gitdir, judged
 * as ps_refs_read judges it (its loose file, else its first line in
 * packed-refs), without reading its neighbours: 1 when there (out->name is
 * then the caller's to free), 0 when absent, <0 when out of memory. */
int ps_ref_read_one(ps_refrd *out, const char *gitdir, const char *refname);

/* Read refname again into l, read by ps_refs_read(gitdir, prefix): its
 * entry replaced, added or removed as that read would find it now (a link
 * among its directories under prefix is not followed). 0, or <0 when out
 * of memory (l unchanged). */
int ps_reflist_refresh(ps_reflist *l, const char *gitdir, const char *prefix, const char *refname);

/* ps_refs_read on a thread of its own, started now and taken later: the
 * refs of a remote read while the cycle waits on its own disk writes. What
 * is taken is the refs as they were at some instant between _start and
 * _take; a ref the caller moved meanwhile is read again with
 * ps_reflist_refresh. The thread touches nothing but those files. */
typedef struct ps_refs_prefetch ps_refs_prefetch;
/* 0, or PS_ENOMEM; a thread that cannot be started is a read in _take.
 * stamps: as for ps_refs_read_stamped (NULL: none). */
int ps_refs_prefetch_start(ps_refs_prefetch **out, const char *gitdir, const char *prefix, const char *stamps);
/* the gitdir given to _start (borrowed) */
const char *ps_refs_prefetch_gitdir(const ps_refs_prefetch *p);
/* The refs read (out then the caller's, to ps_reflist_free); PS_ENOTFOUND
 * when gitdir was no repository's directory then (read it now, if it is
 * one now); or the read's error. Once. */
int ps_refs_prefetch_take(ps_reflist *out, ps_refs_prefetch *p);
/* gitdir is itself a repository's directory (HEAD, objects/ and refs/
 * there), the one libgit2 opens for that path. */
bool ps_refs_is_gitdir(const char *gitdir);
/* Waits for the thread; NULL-safe. */
void ps_refs_prefetch_free(ps_refs_prefetch *p);

#endif
