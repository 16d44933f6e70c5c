/* view_mem.h - the memory of one typed read (lib/view_mem.c): strings and
 * arrays allocated together and released together, with a sticky
 * out-of-memory flag so a read checks once at its end. Private to lib/. */
#ifndef PLANSYNC_VIEW_MEM_H
#define PLANSYNC_VIEW_MEM_H
#include <stdbool.h>
#include <stddef.h>
#include "plansync/views.h"

ps_view_mem *ps_view_mem_new(void);
void ps_view_mem_free(ps_view_mem *m);
/* Zeroed memory for n bytes; NULL (and the flag set) when out of memory. */
void *ps_view_mem_alloc(ps_view_mem *m, size_t n);
/* A copy of s; NULL for NULL. */
const char *ps_view_mem_str(ps_view_mem *m, const char *s);
/* Room for one more element of size at (*v)[*n], growing by doubling;
 * *n is incremented. NULL when out of memory. */
void *ps_view_mem_push(ps_view_mem *m, void *v, size_t *n, size_t size);
/* Any allocation failed; ps_view_mem_fail says one outside failed. */
bool ps_view_mem_failed(const ps_view_mem *m);
void ps_view_mem_fail(ps_view_mem *m);
/* A zeroed view struct of size bytes whose first member is its
 * ps_view_mem * (set); NULL with the error set when out of memory. */
void *ps_view_new(size_t size);
/* Release such a struct and its memory; NULL-safe. */
void ps_view_release(void *view);
/* A read's end: *out = view and 0; or, when rc is set or an allocation
 * failed (PS_ENOMEM then), the view released and the error. */
int ps_view_done(int rc, void *view, void *out);
/* Natural order of ids: "p1-t2" before "p1-t10". */
int ps_natcmp(const char *a, const char *b);

#endif
