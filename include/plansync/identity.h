/* identity.h - a replica's identity over time.
 *
 * A replica id names one writer: one database on one machine. A copy of the
 * directory (cp -a, a restored backup) and a replica whose branch in the
 * shared repository holds commits it did not write are detected and
 * continue under a new replica id of the same office; nothing is lost, and
 * their own changes go out again on the new branch under their old ids, so
 * no reader counts one twice. */
#ifndef PLANSYNC_IDENTITY_H
#define PLANSYNC_IDENTITY_H
#include "plansync/replica.h"

/* At open: plansync.db is the file this replica was created with (inode
 * and birth time). A database that was copied or restored continues as a
 * new replica id before anything is written. No-op on a read-only replica. */
int ps_identity_check(ps_replica *r);
/* Continue as a new replica id: why (words for a person) is recorded as a
 * problem of the old branch and logged. Every own change is exported again
 * on the new branch. The old branch's local ref in repo.git is removed. */
int ps_identity_fork(ps_replica *r, const char *why);

#endif
