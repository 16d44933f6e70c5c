/* daemon.h - what the daemon and the CLI share: the one-daemon lock, the
 * control socket in the replica directory, and the backoff schedule.
 *
 * DIR/plansyncd.lock is held with flock() for the daemon's lifetime and
 * holds its pid; the kernel drops it when the process dies, so a crashed
 * daemon never blocks a restart.
 *
 * The control socket protocol (DIR/plansyncd.sock, a Unix stream socket,
 * one request per connection):
 *   "wake\n"  a local write happened: run a cycle soon. No reply; the
 *             daemon closes the connection.
 *   "sync\n"  run a cycle now. The reply is one JSON object, the cycle's
 *             result (ps_sync_result_json: ok, code, exported, pushed,
 *             fetched, imported, branches, problems, held, delivered,
 *             message), then EOF. Its "code" is the library's error code
 *             (plansync/error.h: 0, PS_EOFFLINE, PS_EREJECTED, ...), so
 *             those numbers are part of the protocol: never renumber one,
 *             add new codes at the end. A reply without "code" ("{}"
 *             when the daemon could not build it) means PS_ERROR.
 *   anything else is read and dropped.
 * What a client gets from ps_daemon_request_sync, its own codes:
 *   0            a reply (*reply)
 *   PS_ENOTFOUND no daemon answered (none runs, the socket refused, or the
 *                daemon closed without a reply): the caller runs the
 *                cycle itself
 *   PS_EBUSY     the daemon took longer than the timeout
 *   PS_ENOMEM    out of memory */
#ifndef PLANSYNC_DAEMON_H
#define PLANSYNC_DAEMON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Take the daemon lock of dir. Returns the open fd (keep it open), or
 * PS_EEXISTS with *holder set to the running daemon's pid. */
int ps_daemon_lock(const char *dir, pid_t *holder);
/* The pid of the daemon running for dir, 0 when none. */
pid_t ps_daemon_running(const char *dir);
/* Listening socket for dir (non-blocking, close-on-exec). */
int ps_daemon_listen(const char *dir);
/* Tell a running daemon a local write happened. Best effort: errors ignored. */
void ps_daemon_wake(const char *dir);
/* Ask a running daemon for a cycle and wait (up to timeout_s) for its
 * result; *reply is the daemon's JSON (free()). Codes: see above. */
int ps_daemon_request_sync(const char *dir, int timeout_s, char **reply);

/* Seconds to wait after `failures` consecutive failed cycles (>= 1):
 * exponential from 5 s, capped at 900 s, with +-20% jitter from r01 in [0,1). */
double ps_backoff_delay(unsigned failures, double r01);

#endif
