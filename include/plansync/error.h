/* error.h - error codes and the per-thread last error message.
 *
 * Library functions return 0 on success, one of the named negative codes
 * below for failures a caller may want to handle, or PS_ERROR otherwise.
 * The message is set where the failure happens and read with
 * ps_error_last(); it is written for a person ("what is wrong, what to do").
 */
#ifndef PLANSYNC_ERROR_H
#define PLANSYNC_ERROR_H

enum {
	PS_OK = 0,
	PS_ERROR = -1,     /* anything else: I/O, corruption, out of memory */
	PS_ENOTFOUND = -2, /* no such record, task, period, office, replica */
	PS_ENOTOWNER = -3, /* this office may not write that record */
	PS_ECONFLICT = -4, /* a compare-and-swap lost, or a conflict exists */
	PS_EOFFLINE = -5,  /* the remote could not be reached */
	PS_EINVALID = -6,  /* bad input from a person or a file */
	PS_EBUSY = -7,     /* the database stayed locked past the retries */
	PS_EEXISTS = -8,   /* already there */
	PS_EREJECTED = -9, /* the remote refused a push */
	PS_ENOMEM = -10,
	PS_ENOREMOTE = -11, /* no remote is configured */
	PS_EREPAIR = -12,   /* the replica needs a person to repair it (plansync check) */
	PS_EAUTH = -13,     /* the remote refused our key, password or its host key is not trusted */
};

/* Set the message (printf-style) and return code, so callers can write
 * `return ps_error_set(PS_EINVALID, "...")`. */
int ps_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last message set on this thread; never NULL. */
const char *ps_error_last(void);
void ps_error_clear(void);

#endif
