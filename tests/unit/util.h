/* util.h - helpers for the unit tests: temporary directories, a store. */
#ifndef PLANSYNC_TEST_UTIL_H
#define PLANSYNC_TEST_UTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "plansync/store.h"

/* A new empty directory under $TMPDIR (removed by tmpdir_remove). */
char *tmpdir_new(void);
void tmpdir_remove(char *dir);
/* A fresh store in dir/name. */
ps_store *store_new(const char *dir, const char *name);
/* Deterministic PRNG for shuffles. */
uint32_t rnd(uint64_t *state);

#endif
