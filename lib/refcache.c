/* refcache.c - refs read before, used again while their files are the
 * same files: what refread.c read from a packed-refs file (in memory, for
 * the process), and the ids of loose ref files by each file's stamp (kept
 * in a file of this replica, for the next process).
 *
 * Why: a one-change cycle beside 3,000 offices' branches read every ref
 * file of the remote (an open, a read and a close each: 8-10 ms of CPU a
 * cycle) and parsed the 3,000 lines of the tracking refs' packed-refs twice,
 * though one or two of them had changed. A file is the same file when its
 * device, inode, size, modification and change time are those seen when it
 * was read, as git trusts its index and its packed-refs
 * (stat_validity_check): git, libgit2 and plansync replace a ref file (a
 * new inode) and never write it in place; an edit in place changes its
 * times. A file changed less than RACY_S seconds before it was read is not
 * kept: an edit within the same clock tick could keep its times (git's
 * "racy git" rule).
 *
 * Exports ps_refcache_packed_take/_keep and ps_refstamps_*. Never reads or
 * writes a ref; the only file it writes is its own stamp file (a temporary
 * name renamed over it, no fsync: a stamp file lost or damaged is read as
 * none, and every ref file is then read). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "refcache.h"
#include "plansync/error.h"

#define RACY_S 2

static bool racy(const struct stat *st, time_t now)
{
	return now - st->st_mtim.tv_sec < RACY_S || now - st->st_ctim.tv_sec < RACY_S;
}

/* ---- packed-refs read before ------------------------------------------- */

/* A cycle reads the same packed-refs more than once (the tracking refs: by
 * the fetch, then by the import; every cycle of plansyncd), and with 3,000
 * offices' branches packed each read parsed 3,000 lines. What a read under
 * a prefix found is kept and used again while packed-refs is still the
 * same file: same device, inode, size, modification and change time, as
 * git keeps its packed-refs (stat_validity_check). Git and libgit2 replace
 * the file (a new inode) and never write it in place; a file changed less
 * than two seconds before it was read is not kept (an in-place edit within
 * the same clock tick would keep its times). The thread of
 * ps_refs_prefetch_* reads too: one lock. */
#define PCACHE_SLOTS 4

typedef struct pent {
	git_oid id;
	bool ok;
	const char *why;
	size_t off, len; /* the name in names */
} pent;

typedef struct pcache {
	char *gitdir, *prefix; /* NULL: a free slot */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	pent *v;
	size_t n;
	char *names;
	unsigned long used; /* the least recently used slot is replaced */
} pcache;

static pthread_mutex_t pc_lock = PTHREAD_MUTEX_INITIALIZER;
static pcache pc[PCACHE_SLOTS];
static unsigned long pc_clock;

static bool pc_same(const pcache *c, const char *gitdir, const char *prefix, const struct stat *st)
{
	return c->gitdir && !strcmp(c->gitdir, gitdir) && !strcmp(c->prefix, prefix) && c->dev == st->st_dev &&
	       c->ino == st->st_ino && c->size == st->st_size && c->mtime.tv_sec == st->st_mtim.tv_sec &&
	       c->mtime.tv_nsec == st->st_mtim.tv_nsec && c->ctime.tv_sec == st->st_ctim.tv_sec &&
	       c->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

static void pc_clear(pcache *c)
{
	free(c->gitdir);
	free(c->prefix);
	free(c->v);
	free(c->names);
	memset(c, 0, sizeof(*c));
}

int ps_refcache_packed_take(ps_reflist *l, const char *gitdir, const char *prefix, const struct stat *st)
{
	int rc = 0;
	pthread_mutex_lock(&pc_lock);
	for (size_t i = 0; i < PCACHE_SLOTS && !rc; i++) {
		pcache *c = &pc[i];
		if (!pc_same(c, gitdir, prefix, st))
			continue;
		c->used = ++pc_clock;
		rc = 1;
		for (size_t j = 0; j < c->n; j++) {
			ps_refrd *r = ps_reflist_add(l, c->names + c->v[j].off, c->v[j].len);
			if (!r) {
				rc = ps_error_set(PS_ENOMEM, "out of memory");
				break;
			}
			r->id = c->v[j].id;
			r->ok = c->v[j].ok;
			r->why = c->v[j].why;
		}
	}
	pthread_mutex_unlock(&pc_lock);
	return rc;
}

void ps_refcache_packed_keep(const ps_reflist *l, size_t from, const char *gitdir, const char *prefix,
                             const struct stat *st)
{
	struct timespec now;
	if (clock_gettime(CLOCK_REALTIME, &now) != 0 || racy(st, now.tv_sec))
		return;
	pcache c = {
	    .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size, .mtime = st->st_mtim, .ctime = st->st_ctim};
	size_t bytes = 0;
	for (size_t i = from; i < l->n; i++)
		bytes += strlen(l->v[i].name) + 1;
	c.n = l->n - from;
	c.gitdir = strdup(gitdir);
	c.prefix = strdup(prefix);
	c.v = malloc((c.n ? c.n : 1) * sizeof(*c.v));
	c.names = malloc(bytes ? bytes : 1);
	if (!c.gitdir || !c.prefix || !c.v || !c.names) {
		pc_clear(&c);
		return;
	}
	for (size_t i = from, off = 0; i < l->n; i++) {
		const ps_refrd *r = &l->v[i];
		size_t len = strlen(r->name);
		memcpy(c.names + off, r->name, len + 1);
		c.v[i - from] = (pent){.id = r->id, .ok = r->ok, .why = r->why, .off = off, .len = len};
		off += len + 1;
	}
	pthread_mutex_lock(&pc_lock);
	pcache *slot = &pc[0];
	for (size_t i = 0; i < PCACHE_SLOTS; i++) {
		if (pc[i].gitdir && !strcmp(pc[i].gitdir, gitdir) && !strcmp(pc[i].prefix, prefix)) {
			slot = &pc[i]; /* the same file's older contents */
			break;
		}
		if (!pc[i].gitdir || pc[i].used < slot->used)
			slot = &pc[i];
	}
	pc_clear(slot);
	*slot = c;
	slot->used = ++pc_clock;
	pthread_mutex_unlock(&pc_lock);
}

/* ---- loose ref files' stamps -------------------------------------------- */

/* The stamp file: a header, the key (gitdir, a NUL, prefix: whose refs),
 * the records in the order the last read met the files (a directory's order
 * stays while it does not change, so each lookup is the next record), the
 * names (after the prefix), then a 64-bit checksum of all that: a damaged
 * file is no stamps. A record holds the raw stat fields of this machine,
 * so the file is this replica's only. */
#define STAMP_MAGIC "PSREFS2\n"
#define STAMP_MAX   (64u << 20)

typedef struct stamp {
	uint64_t dev, ino, size;
	int64_t mtime, ctime; /* nanoseconds */
	unsigned char id[GIT_OID_RAWSZ];
	uint32_t off, len; /* the name after the prefix, in the names */
} stamp;

typedef struct shead {
	char magic[8];
	uint32_t recsize, count, keylen, nameslen;
} shead;

typedef struct fresh {
	const char *name; /* borrowed, after the prefix */
	stamp s;
} fresh;

struct ps_refstamps {
	char *path, *key;
	size_t keylen, pl;
	time_t now;
	unsigned char *file; /* as loaded: header, key, records, names, checksum */
	const stamp *old;
	const char *oldnames;
	size_t nold, cur; /* cur: the record the next lookup expects */
	uint32_t *index;  /* the records by name hash (i + 1; 0: empty), made at the first lookup out of order */
	size_t mask;
	fresh *v; /* got or put since the load, in the order met */
	size_t n, cap, got;
	bool changed, failed; /* changed: a stamp put that the file lacks */
};

/* 64-bit words mixed by multiplication: a torn or damaged file, not an
 * attacker, is what it catches (the file is this replica's own) */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (; n >= 8; b += 8, n -= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x100000001b3u;
		h ^= h >> 29;
	}
	for (; n; b++, n--)
		h = (h ^ *b) * 0x100000001b3u;
	return h;
}

static stamp stamp_of(const struct stat *st)
{
	return (stamp){.dev = (uint64_t)st->st_dev,
	               .ino = (uint64_t)st->st_ino,
	               .size = (uint64_t)st->st_size,
	               .mtime = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
	               .ctime = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec};
}

static bool same_stamp(const stamp *a, const stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime == b->mtime &&
	       a->ctime == b->ctime;
}

/* the file's records, or none when it is not a whole stamp file for key */
static void load_file(ps_refstamps *c)
{
	int fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return;
	size_t n = 0, size = 0;
	unsigned char *b = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > (off_t)sizeof(shead) &&
	    (uint64_t)st.st_size <= STAMP_MAX && (b = malloc((size_t)st.st_size))) {
		size = (size_t)st.st_size;
		ssize_t k;
		while (n < size && ((k = read(fd, b + n, size - n)) > 0 || (k < 0 && errno == EINTR)))
			n += k > 0 ? (size_t)k : 0;
	}
	close(fd);
	shead h;
	uint64_t sum;
	if (!b || n != size || size < sizeof(h) + 8) {
		free(b);
		return;
	}
	memcpy(&h, b, sizeof(h));
	memcpy(&sum, b + size - 8, 8);
	uint64_t want = sizeof(h) + (uint64_t)h.keylen + (uint64_t)h.count * sizeof(stamp) + h.nameslen + 8;
	if (memcmp(h.magic, STAMP_MAGIC, 8) || h.recsize != sizeof(stamp) || want != size || h.keylen != c->keylen ||
	    memcmp(b + sizeof(h), c->key, c->keylen) || mix(0, b, size - 8) != sum) {
		free(b);
		return;
	}
	const stamp *v = (const stamp *)(const void *)(b + sizeof(h) + h.keylen);
	for (uint32_t i = 0; i < h.count; i++)
		if ((uint64_t)v[i].off + v[i].len >= h.nameslen) {
			free(b);
			return;
		}
	c->file = b;
	c->old = v;
	c->nold = h.count;
	c->oldnames = (const char *)(b + sizeof(h) + h.keylen + (size_t)h.count * sizeof(stamp));
}

ps_refstamps *ps_refstamps_load(const char *path, const char *gitdir, const char *prefix)
{
	ps_refstamps *c = calloc(1, sizeof(*c));
	size_t gl = strlen(gitdir), pl = strlen(prefix);
	if (!c)
		return NULL;
	c->pl = pl;
	c->keylen = (gl + 1 + pl + 8) & ~(size_t)7; /* NUL-padded to the records' alignment */
	c->path = strdup(path);
	c->key = calloc(1, c->keylen);
	struct timespec now;
	if (!c->path || !c->key || clock_gettime(CLOCK_REALTIME, &now) != 0) {
		free(c->path);
		free(c->key);
		free(c);
		return NULL;
	}
	c->now = now.tv_sec;
	memcpy(c->key, gitdir, gl);
	memcpy(c->key + gl + 1, prefix, pl);
	load_file(c);
	return c;
}

static void keep(ps_refstamps *c, const char *name, const stamp *s)
{
	if (c->failed)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		fresh *nv = realloc(c->v, cap * sizeof(*nv));
		if (!nv) {
			c->failed = true; /* nothing written: every file is read next time, as now */
			return;
		}
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = (fresh){name, *s};
}

static uint64_t name_hash(const char *name, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3u;
	return h;
}

/* the record of name (after the prefix, nl bytes), or -1 */
static long find(ps_refstamps *c, const char *name, size_t nl)
{
	if (c->cur < c->nold) {
		const stamp *s = &c->old[c->cur];
		if (s->len == nl && !memcmp(c->oldnames + s->off, name, nl))
			return (long)c->cur++;
	}
	if (!c->nold)
		return -1;
	if (!c->index) {
		size_t cap = 16;
		while (cap < 2 * c->nold)
			cap *= 2;
		if (!(c->index = calloc(cap, sizeof(*c->index))))
			return -1;
		c->mask = cap - 1;
		for (size_t i = 0; i < c->nold; i++) {
			size_t k = name_hash(c->oldnames + c->old[i].off, c->old[i].len) & c->mask;
			while (c->index[k])
				k = (k + 1) & c->mask;
			c->index[k] = (uint32_t)i + 1;
		}
	}
	for (size_t k = name_hash(name, nl) & c->mask; c->index[k]; k = (k + 1) & c->mask) {
		const stamp *s = &c->old[c->index[k] - 1];
		if (s->len == nl && !memcmp(c->oldnames + s->off, name, nl)) {
			c->cur = c->index[k]; /* the next record, next */
			return (long)c->index[k] - 1;
		}
	}
	return -1;
}

bool ps_refstamps_get(ps_refstamps *c, const char *name, const struct stat *st, git_oid *id)
{
	size_t nl = strlen(name);
	if (nl <= c->pl)
		return false;
	long i = find(c, name + c->pl, nl - c->pl);
	if (i < 0)
		return false;
	const stamp *s = &c->old[i];
	stamp now = stamp_of(st);
	if (!same_stamp(s, &now))
		return false;
	git_oid_fromraw(id, s->id);
	keep(c, name + c->pl, s);
	c->got++;
	return true;
}

void ps_refstamps_put(ps_refstamps *c, const char *name, const struct stat *st, const git_oid *id)
{
	size_t nl = strlen(name);
	if (nl <= c->pl || racy(st, c->now))
		return; /* read again next time (a ref moved a moment ago: ours, after our push) */
	stamp s = stamp_of(st);
	memcpy(s.id, id->id, GIT_OID_RAWSZ);
	keep(c, name + c->pl, &s);
	c->changed = true;
}

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static void save(ps_refstamps *c)
{
	/* every stamp of the file got (in order) and none put: it says this already */
	if (c->failed || (!c->changed && c->got == c->nold && c->n == c->nold))
		return;
	size_t nameslen = 0;
	for (size_t i = 0; i < c->n; i++)
		nameslen += strlen(c->v[i].name) + 1;
	stamp *recs = malloc((c->n ? c->n : 1) * sizeof(*recs));
	char *names = malloc(nameslen ? nameslen : 1);
	char tmp[4200];
	int fd = -1;
	if (!recs || !names || (size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", c->path, (long)getpid()) >= sizeof(tmp))
		goto out;
	for (size_t i = 0, off = 0; i < c->n; i++) {
		size_t len = strlen(c->v[i].name);
		recs[i] = c->v[i].s;
		recs[i].off = (uint32_t)off;
		recs[i].len = (uint32_t)len;
		memcpy(names + off, c->v[i].name, len + 1);
		off += len + 1;
	}
	shead h = {.recsize = sizeof(stamp),
	           .count = (uint32_t)c->n,
	           .keylen = (uint32_t)c->keylen,
	           .nameslen = (uint32_t)nameslen};
	memcpy(h.magic, STAMP_MAGIC, 8);
	/* one buffer: the checksum runs over the bytes as they lie in the file */
	size_t size = sizeof(h) + c->keylen + c->n * sizeof(*recs) + nameslen;
	unsigned char *b = malloc(size + 8);
	if (!b)
		goto out;
	memcpy(b, &h, sizeof(h));
	memcpy(b + sizeof(h), c->key, c->keylen);
	memcpy(b + sizeof(h) + c->keylen, recs, c->n * sizeof(*recs));
	memcpy(b + sizeof(h) + c->keylen + c->n * sizeof(*recs), names, nameslen);
	uint64_t sum = mix(0, b, size);
	memcpy(b + size, &sum, 8);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0) {
		int rc = write_all(fd, b, size + 8);
		if (close(fd) != 0 || rc || rename(tmp, c->path) != 0)
			unlink(tmp); /* no stamps kept: every file is read next time */
	}
	free(b);
out:
	free(recs);
	free(names);
}

void ps_refstamps_save_free(ps_refstamps *c)
{
	if (!c)
		return;
	save(c);
	free(c->v);
	free(c->index);
	free(c->file);
	free(c->key);
	free(c->path);
	free(c);
}
