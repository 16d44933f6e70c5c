/* error.c - the last error of this thread: a code and a message.
 * Exports ps_error_*; never prints anything itself. */
#include <stdarg.h>
#include <stdio.h>
#include "plansync/error.h"

static _Thread_local char msg[1024];

int ps_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *ps_error_last(void)
{
	return msg[0] ? msg : "unknown error";
}

void ps_error_clear(void)
{
	msg[0] = '\0';
}
