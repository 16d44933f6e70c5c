/* util.h - helpers for the unit tests: temporary directories, a store, a
 * replica holding a small plan. */
#ifndef PLANSYNC_TEST_UTIL_H
#define PLANSYNC_TEST_UTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "plansync/store.h"
#include "plansync/replica.h"

/* A new empty directory under $TMPDIR (removed by tmpdir_remove). */
char *tmpdir_new(void);
void tmpdir_remove(char *dir);
/* A fresh store in dir/name. */
ps_store *store_new(const char *dir, const char *name);
/* A small plan document (province tinh): offices tinh and binh-giang,
 * tasks p1-t1 and p2-t7, periods 2021, 2021-q1, 2022 to 2025. */
extern const char test_plan[];
/* A new replica in dir/name of office (replica id office-suffix, author
 * "Cán bộ <office>"), remote may be NULL. The province's gets test_plan. */
ps_replica *replica_new(const char *dir, const char *name, const char *office, const char *suffix, const char *remote);
/* The key registry (issue 11), as init and 'keys approve --key' set it up:
 * province p becomes the root of trust (its own key record, enrolled); d
 * pins p's key and p enrols d's key (d/key.pub). */
void trust_root(ps_replica *p);
void trust_enrol(ps_replica *p, ps_replica *d);
/* The replica's whole state (ps_dump); free(). */
char *replica_dump(ps_replica *r);
/* Deterministic PRNG for shuffles. */
uint32_t rnd(uint64_t *state);

#endif
