/* packcopy.h - internal: a push to a directory remote that sends whole
 * pack files of this replica's repository (see packcopy.c). */
#ifndef PLANSYNC_PACKCOPY_H
#define PLANSYNC_PACKCOPY_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <git2.h>

/* Whether the destination already has an object (the caller's lookup). */
typedef int (*ps_packcopy_has_fn)(void *ctx, const git_oid *id);

/* Copy into dst_gitdir/objects/pack the packs of src_gitdir whose objects
 * (each a git_repository_path: it ends in a slash)
 * are exactly want[0..n) (sorted by git_oid_cmp), plus objects the
 * destination already has. *copied is true when they were copied, durable;
 * false (and 0 returned) when no set of packs is provably that set, or a
 * pack fails its checksums: the caller then copies object by object.
 * Non-zero only for a failure to write the destination (PS_ERROR, often a
 * full disk) or a cancel (PS_EOFFLINE). */
int ps_packcopy_push(bool *copied, const char *src_gitdir, const char *dst_gitdir, const git_oid *want, size_t n,
                     ps_packcopy_has_fn has, void *ctx, volatile sig_atomic_t *cancel);

/* The pack at path (renamed into place and fsynced) was just written by this
 * process and sum is the trailer it hashed from the bytes it wrote
 * (repo_objw.c). A push later in the same cycle copies that file without
 * hashing it again, as long as it is still the same file: same device,
 * inode, size, modification and change time. Remembers the last few. */
void ps_packcopy_note_written(const char *path, const unsigned char sum[20]);
/* Forget them all: each sync cycle starts so, so only a pack its own
 * export wrote is trusted unhashed, never one a long-running process wrote
 * in an earlier cycle (the disk may have rotted it since). */
void ps_packcopy_forget_written(void);

#endif
