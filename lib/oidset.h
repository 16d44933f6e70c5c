/* oidset.h - internal: a set of Git object ids, each with a small state
 * (oidset.c). An all-zero id is never stored (no object has it). */
#ifndef PLANSYNC_OIDSET_H
#define PLANSYNC_OIDSET_H
#include <stddef.h>
#include <git2.h>

#define PS_OIDSET_ABSENT 0

typedef struct ps_oidset {
	git_oid *ids;
	unsigned char *st;
	size_t cap, n;
} ps_oidset;

/* The state of id, PS_OIDSET_ABSENT when not in the set. */
int ps_oidset_get(const ps_oidset *s, const git_oid *id);
/* Set id's state (PS_OIDSET_ABSENT forgets it); 0 or PS_ENOMEM. */
int ps_oidset_put(ps_oidset *s, const git_oid *id, int state);
void ps_oidset_free(ps_oidset *s);

#endif
