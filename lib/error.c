/* error.c - the last error message of this thread.
 * Exports ps_error_*; never prints anything itself and never maps a code
 * to an exit status (the front ends do: cli/output.c). */
#include <stdarg.h>
#include <stdio.h>
#include "plansync/error.h"

/* Per thread by design (libgit2's git_error_last): a failure on one thread
 * never overwrites the message another is about to print. */
static _Thread_local char msg[1024];
static _Thread_local int code_last;

int ps_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	code_last = code;
	return code;
}

const char *ps_error_last(void)
{
	return msg[0] ? msg : "unknown error";
}

int ps_error_last_code(void)
{
	return msg[0] ? code_last : 0;
}

void ps_error_clear(void)
{
	msg[0] = '\0';
	code_last = 0;
}
