/* ssh_transport.h - internal: ssh:// remotes over one kept SSH connection
 * per server (see ssh_transport.c). */
#ifndef PLANSYNC_SSH_TRANSPORT_H
#define PLANSYNC_SSH_TRANSPORT_H

/* Make libgit2 use our ssh transport for ssh://, ssh+git://, git+ssh://
 * and scp-like [user@]host:path remotes. Once per process, after
 * git_libgit2_init. 0, or -1 with libgit2's error. */
int ps_ssh_transport_register(void);
/* Close the kept connections idle for max_idle_s seconds or more (0: all
 * that are not in use), politely (the server is told). */
void ps_ssh_transport_close_idle(long max_idle_s);
/* SSH connections this process opened (handshakes), for tests and the
 * bench: a sync that reuses its connection does not count one. */
long ps_ssh_transport_handshakes(void);

#endif
