/* ssh_transport.h - internal: ssh:// remotes over one kept SSH connection
 * per server (see ssh_transport.c). */
#ifndef PLANSYNC_SSH_TRANSPORT_H
#define PLANSYNC_SSH_TRANSPORT_H

/* Make libgit2 use our ssh transport for ssh://, ssh+git://, git+ssh://
 * and scp-like [user@]host:path remotes. Once per process, after
 * git_libgit2_init. 0, or -1 with libgit2's error. */
int ps_ssh_transport_register(void);
/* ps_repo_net_idle (repo_global.h) closes the kept connections. */

#endif
