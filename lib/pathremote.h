/* pathremote.h - internal: fetch and push for a remote that is a directory
 * (see pathremote.c for why libgit2's local transport is not used). */
#ifndef PLANSYNC_PATHREMOTE_H
#define PLANSYNC_PATHREMOTE_H
#include <signal.h>
#include "repo.h"
#include "refread.h"

/* Copy every refs/heads/replicas/... branch of the bare repository at path
 * into local's refs/remotes/origin/replicas/..., pruning tracking refs the
 * remote no longer has. A branch that cannot be read or parsed is passed
 * to bad and keeps its old tracking ref. PS_EOFFLINE when the remote
 * cannot be opened. deep: walk every branch to its roots and copy any
 * object local lacks, trusting no object there to be complete. */
int ps_pathremote_fetch(git_repository *local, const char *path, bool deep, ps_refbad_fn bad, void *ctx,
                        volatile sig_atomic_t *cancel, ps_progress_fn progress, void *pctx);
/* The same, with the remote's refs under refs/heads/replicas/ already read
 * (ps_refs_prefetch): taken over (emptied) whatever the result; NULL: read
 * here. */
int ps_pathremote_fetch_refs(git_repository *local, const char *path, ps_reflist *read, bool deep, ps_refbad_fn bad,
                             void *ctx, volatile sig_atomic_t *cancel, ps_progress_fn progress, void *pctx);
/* Copy local's srcref to refname in the remote, fast-forward only, by
 * compare-and-swap. PS_EREJECTED when the remote branch holds commits
 * srcref does not descend from, unless over (NULL: none) names the
 * remote's tip: then it is replaced (a lease: force only over that). */
int ps_pathremote_push(git_repository *local, const char *path, const char *srcref, const char *refname,
                       const git_oid *over, volatile sig_atomic_t *cancel);

#endif
