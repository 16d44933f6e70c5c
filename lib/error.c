/* error.c - the last error of this thread: a code and a message.
 * Exports ps_error_*; never prints anything itself. */
#include <stdarg.h>
#include <stdio.h>
#include "plansync/error.h"

static _Thread_local char msg[1024];
static _Thread_local int last_code;

int ps_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	last_code = code;
	return code;
}

const char *ps_error_last(void)
{
	return msg[0] ? msg : "unknown error";
}

int ps_error_code(void)
{
	return last_code;
}

void ps_error_clear(void)
{
	msg[0] = '\0';
	last_code = 0;
}

const char *ps_error_name(int code)
{
	switch (code) {
	case PS_OK:
		return "ok";
	case PS_ENOTFOUND:
		return "not found";
	case PS_ENOTOWNER:
		return "not owner";
	case PS_ECONFLICT:
		return "conflict";
	case PS_EOFFLINE:
		return "offline";
	case PS_EINVALID:
		return "invalid";
	case PS_EBUSY:
		return "busy";
	case PS_EEXISTS:
		return "exists";
	case PS_EREJECTED:
		return "rejected";
	case PS_ENOMEM:
		return "out of memory";
	default:
		return "error";
	}
}
