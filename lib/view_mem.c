/* view_mem.c - memory for the typed reads: a chain of blocks that one call
 * releases, so a read's result (ps_*_view) is freed whole and a failed read
 * leaks nothing. Exports view_mem.h. Never reads the store. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "view_mem.h"
#include "plansync/error.h"

#define BLOCK 16384

typedef struct block {
	struct block *next;
	size_t used, size;
	max_align_t data[];
} block;

struct ps_view_mem {
	block *head;
	bool failed;
};

ps_view_mem *ps_view_mem_new(void)
{
	return calloc(1, sizeof(ps_view_mem));
}

void ps_view_mem_free(ps_view_mem *m)
{
	if (!m)
		return;
	for (block *b = m->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(m);
}

void *ps_view_mem_alloc(ps_view_mem *m, size_t n)
{
	if (m->failed)
		return NULL;
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	block *b = m->head;
	if (!b || b->size - b->used < n) {
		size_t size = n > BLOCK ? n : BLOCK;
		b = malloc(sizeof(block) + size);
		if (!b) {
			m->failed = true;
			return NULL;
		}
		b->used = 0;
		b->size = size;
		b->next = m->head;
		m->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

const char *ps_view_mem_str(ps_view_mem *m, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = ps_view_mem_alloc(m, n);
	if (p)
		memcpy(p, s, n);
	return p;
}

void *ps_view_mem_push(ps_view_mem *m, void *v, size_t *n, size_t size)
{
	void **pv = v;
	size_t k = *n;
	if (k == 0 || (k & (k - 1)) == 0) { /* full at every power of two */
		void *nv = ps_view_mem_alloc(m, (k ? 2 * k : 1) * size);
		if (!nv)
			return NULL;
		if (k)
			memcpy(nv, *pv, k * size);
		*pv = nv;
	}
	(*n)++;
	return (char *)*pv + k * size;
}

bool ps_view_mem_failed(const ps_view_mem *m)
{
	return m->failed;
}

void ps_view_mem_fail(ps_view_mem *m)
{
	m->failed = true;
}

/* Every view struct starts with this. */
typedef struct view_head {
	ps_view_mem *mem;
} view_head;

void *ps_view_new(size_t size)
{
	view_head *v = calloc(1, size);
	if (!v || !(v->mem = ps_view_mem_new())) {
		free(v);
		ps_error_set(PS_ENOMEM, "out of memory");
		return NULL;
	}
	return v;
}

void ps_view_release(void *view)
{
	if (view)
		ps_view_mem_free(((view_head *)view)->mem);
	free(view);
}

int ps_view_done(int rc, void *view, void *out)
{
	if (!rc && ((view_head *)view)->mem->failed)
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	if (rc) {
		ps_view_release(view);
		return rc;
	}
	*(void **)out = view;
	return 0;
}

int ps_natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
		} else {
			if (*a != *b)
				return (unsigned char)*a - (unsigned char)*b;
			a++;
			b++;
		}
	}
	return (unsigned char)*a - (unsigned char)*b;
}
