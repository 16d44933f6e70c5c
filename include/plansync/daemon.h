/* daemon.h - what the daemon and the CLI share: the one-daemon lock, the
 * control socket in the replica directory, and the backoff schedule.
 *
 * DIR/plansyncd.lock is held with flock() for the daemon's lifetime and
 * holds its pid; the kernel drops it when the process dies, so a crashed
 * daemon never blocks a restart. DIR/plansyncd.sock takes one line per
 * connection: "wake" (a local write happened; no reply) or "sync" (run a
 * cycle now; the reply is the cycle's result as JSON, then EOF). */
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
 * result; *reply is the daemon's JSON (free()). PS_ENOTFOUND when no daemon
 * answers. */
int ps_daemon_request_sync(const char *dir, int timeout_s, char **reply);

/* Seconds to wait after `failures` consecutive failed cycles (>= 1):
 * exponential from 5 s, capped at 900 s, with +-20% jitter from r01 in [0,1). */
double ps_backoff_delay(unsigned failures, double r01);

#endif
