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
void ps_reflist_free(ps_reflist *l);

/* The one ref refname (refs/.../name) of the repository at gitdir, judged
 * as ps_refs_read judges it (its loose file, else its first line in
 * packed-refs), without reading its neighbours: 1 when there (out->name is
 * then the caller's to free), 0 when absent, <0 when out of memory. */
int ps_ref_read_one(ps_refrd *out, const char *gitdir, const char *refname);

#endif
