/* oidset.c - a set of Git object ids with a small state each, open
 * addressing: what a walk has listed (pathremote.c) or read (the import).
 *
 * Exports ps_oidset_get/_put/_free. Memory only; never reads objects. */
#include <stdlib.h>
#include <string.h>
#include "oidset.h"
#include "plansync/error.h"

/* Slots are keyed by id; an all-zero id marks a free slot (no object has
 * it). A forgotten id keeps its slot with state ABSENT, so probe chains
 * stay intact; rehashing drops it. */
static size_t slot(const ps_oidset *s, const git_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof(h));
	size_t i = h & (s->cap - 1);
	while (!git_oid_is_zero(&s->ids[i]) && !git_oid_equal(&s->ids[i], id))
		i = (i + 1) & (s->cap - 1);
	return i;
}

int ps_oidset_get(const ps_oidset *s, const git_oid *id)
{
	if (!s->cap)
		return PS_OIDSET_ABSENT;
	size_t i = slot(s, id);
	return git_oid_is_zero(&s->ids[i]) ? PS_OIDSET_ABSENT : s->st[i];
}

int ps_oidset_put(ps_oidset *s, const git_oid *id, int state)
{
	if ((s->n + 1) * 2 > s->cap) {
		ps_oidset ns = {NULL, NULL, s->cap ? s->cap * 2 : 1024, 0};
		ns.ids = calloc(ns.cap, sizeof(git_oid));
		ns.st = calloc(ns.cap, 1);
		if (!ns.ids || !ns.st) {
			free(ns.ids);
			free(ns.st);
			return ps_error_set(PS_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < s->cap; i++)
			if (s->st[i] != PS_OIDSET_ABSENT) {
				size_t j = slot(&ns, &s->ids[i]);
				ns.ids[j] = s->ids[i];
				ns.st[j] = s->st[i];
				ns.n++;
			}
		free(s->ids);
		free(s->st);
		*s = ns;
	}
	size_t i = slot(s, id);
	if (git_oid_is_zero(&s->ids[i])) {
		s->ids[i] = *id;
		s->n++;
	}
	s->st[i] = (unsigned char)state;
	return 0;
}

void ps_oidset_free(ps_oidset *s)
{
	free(s->ids);
	free(s->st);
	memset(s, 0, sizeof(*s));
}
