/* refwrite.h - internal: read one branch of a repository from its files
 * and move it by compare-and-swap (refwrite.c). */
#ifndef PLANSYNC_REFWRITE_H
#define PLANSYNC_REFWRITE_H
#include <stdbool.h>
#include <git2.h>

/* The ref refname (refs/.../name) of the repository at gitdir, as refread.c
 * reads it: *found 0 when absent; else *ok whether it names a commit id
 * (*id). Fails only when out of memory. */
int ps_ref_read(int *found, bool *ok, git_oid *id, const char *gitdir, const char *refname);

/* Set refname to `to` if it is still what ps_ref_read gave (had, had_ok,
 * had_id), writing its loose file. PS_EREJECTED when it moved meanwhile or
 * another ref's file stands where its directory goes (the message names
 * that ref and how to remove it); PS_EOFFLINE when the disk refuses. */
int ps_ref_cas(const char *gitdir, const char *refname, int had, bool had_ok, const git_oid *had_id, const git_oid *to);

/* Set refname of the replica's own repository at gitdir to `to`, through
 * its loose file under its lock, as ps_ref_cas does (no junk is moved
 * aside): when expect is given the ref must name it, when only_new it must
 * be absent, else any value is replaced. PS_ERROR saying what stopped it
 * (a lock file left, the ref moved meanwhile, the disk). */
int ps_ref_set(const char *gitdir, const char *refname, const git_oid *expect, bool only_new, const git_oid *to);

#endif
