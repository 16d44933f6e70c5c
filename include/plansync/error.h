/* error.h - error codes and the per-thread last error message.
 *
 * Library functions return 0 on success, one of the named negative codes
 * below for failures a caller may want to handle, or PS_ERROR otherwise.
 * The message is set where the failure happens and read with
 * ps_error_last(); it is written for a person ("what is wrong, what to do").
 * Each code means one thing, so a front end can map it to one exit status
 * (cli/output.c: exit_code) without reading the message. Codes that name
 * the remote (PS_ENOREMOTE, PS_EOFFLINE, PS_EAUTH, PS_ENOREMOTEPATH,
 * PS_EREJECTED) come from the network steps; a sync returns them only
 * after its local work is done. The numbers travel in the daemon's reply
 * (plansync/daemon.h): never renumber one; a new code goes at the end.
 */
#ifndef PLANSYNC_ERROR_H
#define PLANSYNC_ERROR_H

enum {
	PS_OK = 0,
	PS_ERROR = -1,     /* anything else: I/O, corruption, out of memory */
	PS_ENOTFOUND = -2, /* no such record, task, period, office, conflict, setting */
	PS_ENOTOWNER = -3, /* this office may not write that record */
	PS_ECONFLICT = -4, /* a compare-and-swap lost, or a conflict exists */
	PS_EOFFLINE = -5,  /* the remote could not be reached */
	PS_EINVALID = -6,  /* bad input from a person or a file */
	PS_EBUSY = -7,     /* the database stayed locked past the retries */
	PS_EEXISTS = -8,   /* already there */
	PS_EREJECTED = -9, /* the remote refused a push */
	PS_ENOMEM = -10,
	PS_ENOREMOTE = -11,     /* no remote is configured */
	PS_EREPAIR = -12,       /* the replica needs a person to repair it (plansync check) */
	PS_EAUTH = -13,         /* the remote refused our key, password or its host key is not trusted */
	PS_ENOREPLICA = -14,    /* the directory is not a replica (or does not exist) */
	PS_ENOREMOTEPATH = -15, /* the remote is reached, or is a path, but holds no Git repository there */
};

/* Set the message (printf-style) and return code, so callers can write
 * `return ps_error_set(PS_EINVALID, "...")`. */
int ps_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last message set on this thread; never NULL. */
const char *ps_error_last(void);
/* The code the last message was set with (0 when none): a caller that
 * passed a failure on as PS_ERROR still tells "the replica needs repair". */
int ps_error_last_code(void);
void ps_error_clear(void);

#endif
