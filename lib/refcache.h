/* refcache.h - internal: refs read before (refcache.c), for refread.c. */
#ifndef PLANSYNC_REFCACHE_H
#define PLANSYNC_REFCACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <git2.h>
#include "refread.h"

/* What a read of packed-refs (st, the open file) under prefix found, added
 * to l: 1; 0 when nothing is kept for that very file (read it); <0 when
 * out of memory. */
int ps_refcache_packed_take(ps_reflist *l, const char *gitdir, const char *prefix, const struct stat *st);
/* Keep l->v[from..) as what that file holds under prefix (nothing kept
 * when it changed within the last two seconds, or memory is short). */
void ps_refcache_packed_keep(const ps_reflist *l, size_t from, const char *gitdir, const char *prefix,
                             const struct stat *st);

/* The ids of loose ref files by the stamp of each file (device, inode,
 * size, mtime, ctime), kept in a file of this replica between processes. */
typedef struct ps_refstamps ps_refstamps;
/* The stamps kept at path for the refs of gitdir under prefix (none when
 * the file is missing, damaged or for other refs); NULL when out of memory. */
ps_refstamps *ps_refstamps_load(const char *path, const char *gitdir, const char *prefix);
/* name's file (st: its lstat) still holds the id read before: *id */
bool ps_refstamps_get(ps_refstamps *c, const char *name, const struct stat *st, git_oid *id);
/* name's file (st: its fstat after the read) held id; name is borrowed
 * until ps_refstamps_save_free */
void ps_refstamps_put(ps_refstamps *c, const char *name, const struct stat *st, const git_oid *id);
/* The stamps got or put since the load written back (when they differ
 * from the file's), and c freed. NULL-safe. */
void ps_refstamps_save_free(ps_refstamps *c);

#endif
