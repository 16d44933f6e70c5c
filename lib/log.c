/* log.c - one line per event on stderr: "<level>: message".
 * Never logs secrets: callers pass URLs through ps_log only after
 * stripping credentials (repo.c does). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include "plansync/log.h"

static enum ps_log_level cur = PS_LOG_INFO;
static enum ps_log_style style = PS_LOG_PLAIN;

void ps_log_set_style(enum ps_log_style st)
{
	style = st;
	if (st == PS_LOG_SYSLOG)
		openlog("plansyncd", LOG_PID, LOG_DAEMON);
}
static const char *const names[] = {"error", "warning", "info", "debug"};

void ps_log_set_level(enum ps_log_level level)
{
	cur = level;
}

int ps_log_level_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	if (strcmp(name, "warn") == 0)
		return PS_LOG_WARN;
	return -1;
}

void ps_log(enum ps_log_level level, const char *fmt, ...)
{
	if (level > cur)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	static const int pri[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	if (style == PS_LOG_SYSLOG)
		syslog(pri[level], "%s", line);
	else if (style == PS_LOG_JOURNAL)
		fprintf(stderr, "<%d>%s\n", pri[level], line); /* sd-daemon(3) level prefix */
	else
		fprintf(stderr, "%s: %s\n", names[level], line);
}
