/* fault.h - named kill points for crash tests.
 *
 * ps_fault_point("export:recorded") kills the process with SIGKILL when
 * PLANSYNC_KILL_AT names that point ("point" or "point:N" for its Nth
 * hit). Unset, it costs one cached pointer test. Tests use it to prove that
 * a kill at any step loses nothing and duplicates nothing. */
#ifndef PLANSYNC_FAULT_H
#define PLANSYNC_FAULT_H

void ps_fault_point(const char *name);

#endif
