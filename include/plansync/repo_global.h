/* repo_global.h - the process-wide Git setup the executables do: libgit2's
 * initialisation and the flag that cancels a transfer. Everything else of
 * the Git side is inside the library (lib/repo.h), so no libgit2 type
 * reaches a public header. */
#ifndef PLANSYNC_REPO_GLOBAL_H
#define PLANSYNC_REPO_GLOBAL_H
#include <signal.h>

/* Initialise libgit2 once per process (idempotent; the library calls it
 * before its first Git use, an executable may call it early). Not thread
 * safe on the first call. */
int ps_repo_global_init(void);
/* While *flag is non-zero, transfers in progress abort (the daemon sets it
 * on SIGTERM). NULL disables. The pointer is process-wide: one signal
 * flag per process. */
void ps_repo_set_cancel(volatile sig_atomic_t *flag);
/* Close the kept ssh:// connections (lib/ssh_transport.c) idle for
 * max_idle_s seconds or more; 0: every one not in use. The server is told.
 * plansyncd calls it before a long wait, so no idle connection is held. */
void ps_repo_net_idle(long max_idle_s);

#endif
