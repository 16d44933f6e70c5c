/* fault.c - SIGKILL at a named point when PLANSYNC_KILL_AT asks for it. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/fault.h"

void ps_fault_point(const char *name)
{
	static int init;
	static const char *want;
	static long nth = 1, hits;
	if (!init) {
		init = 1;
		want = getenv("PLANSYNC_KILL_AT");
		if (want && !*want)
			want = NULL;
		const char *colon = want ? strrchr(want, ':') : NULL;
		if (colon && colon[1] >= '0' && colon[1] <= '9')
			nth = atol(colon + 1);
	}
	if (!want)
		return;
	size_t n = strlen(name);
	if (strncmp(want, name, n) != 0 || (want[n] != '\0' && want[n] != ':'))
		return;
	if (++hits == nth)
		raise(SIGKILL);
}
