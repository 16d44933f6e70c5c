/* refread.c - the refs under one prefix of a repository (the branches of
 * a remote, this replica's tracking refs), read straight from its files.
 *
 * Why not libgit2's reference iterator: each repository object parses and
 * sorts the whole packed-refs file, the glob is matched against every ref,
 * and each loose ref costs five system calls; with 3,000 offices' branches
 * that was most of a one-change sync's fetch and import. And a ref file it
 * cannot parse ends its iteration, where here it is one entry marked bad.
 *
 * Loose ref files are read first, then packed-refs, as git reads them:
 * pack-refs writes packed-refs before it deletes a loose file, so a ref
 * being packed meanwhile is seen in one or the other; a loose file wins
 * over a packed line of the same name. Lock files (*.lock) are skipped, a
 * symbolic link, a symbolic ref, an unreadable file and a name Git would
 * not accept are entries with ok false and the reason. Exports
 * ps_refs_read, ps_ref_read_one (one ref, without its neighbours),
 * ps_reflist_refresh, ps_reflist_free, and ps_refs_prefetch_* (the same
 * read on a thread of its own, so a remote's thousands of loose ref files
 * are read while the cycle waits on its disk writes). With a stamp file
 * (ps_refs_read_stamped, refcache.c), a loose file that is still the file
 * read before is only stat'ed: one system call instead of three. Never
 * writes a ref; the thread touches nothing but the files it reads, its
 * stamp file and its own list. */
#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "refread.h"
#include "refcache.h"
#include "plansync/error.h"

#define MAX_DEPTH        16
#define MAX_PACKED_BYTES (256u << 20)

ps_refrd *ps_reflist_add(ps_reflist *l, const char *name, size_t len)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		ps_refrd *nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return NULL;
		l->v = nv;
		l->cap = cap;
	}
	ps_refrd *r = &l->v[l->n];
	memset(r, 0, sizeof(*r));
	if (!(r->name = strndup(name, len)))
		return NULL;
	l->n++;
	return r;
}

/* 40 lower-case hex digits, then the end of the text or a line break.
 * Thousands of ids are read per cycle: eight digits at a time (SWAR: each
 * byte checked to be 0-9 or a-f and turned into its value by arithmetic on
 * one 64-bit word), a table lookup per digit on a big-endian machine. */
static bool parse_id(git_oid *out, const char *s, size_t n)
{
	if (n < GIT_OID_HEXSZ || (n > GIT_OID_HEXSZ && s[GIT_OID_HEXSZ] != '\n'))
		return false;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	for (size_t i = 0; i < GIT_OID_HEXSZ; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		/* with no byte >= 0x80, each test leaves a byte's high bit set
		 * when it holds, without a carry into the next byte */
		uint64_t ge0 = x + ones * (0x80 - '0'), le9 = ones * (0x80 + '9') - x;
		uint64_t gea = x + ones * (0x80 - 'a'), lef = ones * (0x80 + 'f') - x;
		uint64_t digit = ge0 & le9 & high, letter = gea & lef & high;
		if ((x & high) || (digit | letter) != high)
			return false;
		uint64_t v = (x & ones * 0x0f) + (letter >> 7) * 9; /* one value 0-15 a byte */
		v = ((v << 4) | (v >> 8)) & 0x00ff00ff00ff00ffu;    /* two digits a byte, every other byte */
		v = (v | (v >> 8)) & 0x0000ffff0000ffffu;
		v = (v | (v >> 16)) & 0x00000000ffffffffu;
		uint32_t b = (uint32_t)v;
		memcpy(out->id + i / 2, &b, 4);
	}
	return true;
#else
	static const unsigned char hexv[256] = {
	    ['0'] = 1, ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
	    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16};
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < GIT_OID_RAWSZ; i++) {
		unsigned hi = hexv[p[2 * i]], lo = hexv[p[2 * i + 1]];
		if (!hi || !lo)
			return false;
		out->id[i] = (unsigned char)((hi - 1) << 4 | (lo - 1));
	}
	return true;
#endif
}

/* Names as plansync writes them (lower-case letters, digits, '-', and
 * non-empty components) are valid Git ref names; anything else is asked of
 * libgit2, whose check costs about 4,000 instructions a name. */
static bool plain_name(const char *n)
{
	/* 1: a letter, digit or '-'; 2: '/' */
	static const unsigned char cls[256] = {
	    ['-'] = 1, ['/'] = 2, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
	    ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
	    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1};
	unsigned prev = 2; /* no empty component: not at the start, not after '/' */
	const unsigned char *p = (const unsigned char *)n;
	for (; *p; p++) {
		unsigned c = cls[*p];
		if (!c || (c == 2 && prev == 2))
			return false;
		prev = c;
	}
	return prev == 1;
}

/* skip: the length of a prefix of r->name known to be plain and to end
 * in '/' (0 for none): only the rest is looked at */
static void judge_name(ps_refrd *r, size_t skip)
{
	int valid = 0;
	if (plain_name(r->name + skip))
		return;
	if (git_reference_name_is_valid(&valid, r->name) < 0 || !valid) {
		r->ok = false;
		r->why = "a branch name Git does not accept";
	}
}

/* c: the stamps of files read before (NULL: none), used and updated */
static int read_loose(ps_reflist *l, int dir, const char *name, size_t len, size_t skip, ps_refstamps *c)
{
	ps_refrd *r = ps_reflist_add(l, name, len);
	if (!r)
		return ps_error_set(PS_ENOMEM, "out of memory");
	r->loose = true;
	char buf[128];
	ssize_t got = -1;
	const char *base = strrchr(r->name, '/') + 1;
	struct stat st;
	bool stated = false;
	if (c && fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    ps_refstamps_get(c, r->name, &st, &r->id)) {
		r->ok = true; /* the same file as when it was read: the same id */
		judge_name(r, skip);
		return 0;
	}
	int fd = openat(dir, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK); /* a FIFO does not block */
	if (fd >= 0) {
		got = read(fd, buf, sizeof(buf));
		stated = c && got >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode); /* after the read */
		close(fd);
	}
	if (got >= 5 && !memcmp(buf, "ref: ", 5))
		r->why = "a symbolic ref where a branch should be";
	else if (got < 0 || !parse_id(&r->id, buf, (size_t)got))
		r->why = "its ref file cannot be read as a commit id";
	else
		r->ok = true;
	if (r->ok && stated)
		ps_refstamps_put(c, r->name, &st, &r->id);
	judge_name(r, skip);
	return 0;
}

/* path: the ref name so far (the directory's, ending in '/'), with room */
static int walk(ps_reflist *l, int fd, char *path, size_t len, size_t cap, int depth, size_t skip, ps_refstamps *c)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0; /* gone meanwhile: no refs there */
	}
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		const char *n = e->d_name;
		size_t nl = strlen(n);
		if (!strcmp(n, ".") || !strcmp(n, "..") || (nl > 5 && !strcmp(n + nl - 5, ".lock")))
			continue;
		if (len + nl + 2 > cap)
			continue; /* longer than any ref Git writes */
		memcpy(path + len, n, nl + 1);
		unsigned char t = e->d_type;
		if (t == DT_UNKNOWN) {
			struct stat st;
			t = fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0 ? DT_UNKNOWN
			    : S_ISDIR(st.st_mode)                              ? DT_DIR
			    : S_ISREG(st.st_mode)                              ? DT_REG
			    : S_ISLNK(st.st_mode)                              ? DT_LNK
			                                                       : DT_UNKNOWN;
		}
		if (t == DT_DIR && depth < MAX_DEPTH) {
			int sub = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				path[len + nl] = '/';
				path[len + nl + 1] = '\0';
				rc = walk(l, sub, path, len + nl + 1, cap, depth + 1, skip, c);
			}
		} else if (t == DT_REG) {
			rc = read_loose(l, dirfd(d), path, len + nl, skip, c);
		} else if (t == DT_LNK) {
			ps_refrd *r = ps_reflist_add(l, path, len + nl);
			if (!r)
				rc = ps_error_set(PS_ENOMEM, "out of memory");
			else
				r->loose = true, r->why = "a symbolic link where a branch should be";
		}
	}
	closedir(d);
	return rc;
}

/* exact: the one ref named prefix (ps_ref_read_one), else those under it
 * (kept for the next read of the same file: refcache.c) */
static int read_packed(ps_reflist *l, const char *gitdir, const char *prefix, bool exact, size_t skip)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/packed-refs", gitdir); /* gitdir: under 4096 */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0; /* no packed refs */
	struct stat st;
	char *buf = NULL;
	size_t n = 0, from = l->n;
	int rc = 0;
	bool stated = fstat(fd, &st) == 0, keep = stated && !exact && S_ISREG(st.st_mode);
	if (keep && (rc = ps_refcache_packed_take(l, gitdir, prefix, &st)) != 0) {
		close(fd);
		return rc < 0 ? rc : 0;
	}
	if (stated && st.st_size > 0 && (uint64_t)st.st_size <= MAX_PACKED_BYTES &&
	    (buf = malloc((size_t)st.st_size + 1))) {
		ssize_t got;
		while (n < (size_t)st.st_size && (got = read(fd, buf + n, (size_t)st.st_size - n)) > 0)
			n += (size_t)got;
	} else if (stated && st.st_size > 0 && (uint64_t)st.st_size <= MAX_PACKED_BYTES) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	}
	close(fd);
	size_t pl = strlen(prefix);
	/* "<40 hex> <name>" lines; '#' starts the header, '^' a peeled id */
	for (char *p = buf, *end = buf + n; !rc && p && p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		git_oid id;
		size_t nl_len = eol - p > GIT_OID_HEXSZ + 1 ? (size_t)(eol - p) - GIT_OID_HEXSZ - 1 : 0;
		if (nl_len && p[GIT_OID_HEXSZ] == ' ' && (exact ? nl_len == pl : nl_len > pl) &&
		    !memcmp(p + GIT_OID_HEXSZ + 1, prefix, pl) && parse_id(&id, p, GIT_OID_HEXSZ)) {
			ps_refrd *r = ps_reflist_add(l, p + GIT_OID_HEXSZ + 1, nl_len);
			if (!r) {
				rc = ps_error_set(PS_ENOMEM, "out of memory");
				break;
			}
			r->id = id;
			r->ok = true;
			judge_name(r, skip);
		}
		p = nl ? nl + 1 : NULL;
	}
	free(buf);
	if (!rc && keep && n == (size_t)st.st_size)
		ps_refcache_packed_keep(l, from, gitdir, prefix, &st);
	return rc;
}

/* by name, a loose file before a packed line of the same name */
static int cmp(const void *a, const void *b)
{
	const ps_refrd *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (int)y->loose - (int)x->loose;
}

static bool sorted(const ps_refrd *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i - 1].name, v[i].name) > 0)
			return false;
	return true;
}

/* The loose entries (the first nloose) in directory order, the packed ones
 * after them in the file's (sorted, as git writes it; sorted here if not):
 * one list by name, a loose file replacing the packed line it shadows. */
static int sort_merge(ps_reflist *l, size_t nloose)
{
	ps_refrd *a = l->v, *b = l->v + nloose;
	size_t na = nloose, nb = l->n - nloose;
	if (!sorted(a, na))
		qsort(a, na, sizeof(*a), cmp);
	if (!sorted(b, nb))
		qsort(b, nb, sizeof(*b), cmp);
	ps_refrd *m = malloc(l->n * sizeof(*m));
	if (!m)
		return ps_error_set(PS_ENOMEM, "out of memory");
	size_t i = 0, j = 0, k = 0;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i].name, b[j].name);
		if (c == 0)
			free(b[j++].name); /* a packed line under a loose file */
		ps_refrd *next = c <= 0 ? &a[i++] : &b[j++];
		if (k && !strcmp(m[k - 1].name, next->name))
			free(next->name); /* a repeated line of packed-refs */
		else
			m[k++] = *next;
	}
	free(l->v);
	l->v = m;
	l->n = l->cap = k;
	return 0;
}

int ps_refs_read(ps_reflist *out, const char *gitdir, const char *prefix)
{
	return ps_refs_read_stamped(out, gitdir, prefix, NULL);
}

int ps_refs_read_stamped(ps_reflist *out, const char *gitdir, const char *prefix, const char *stamps)
{
	memset(out, 0, sizeof(*out));
	size_t gl = strlen(gitdir), pl = strlen(prefix);
	while (gl > 1 && gitdir[gl - 1] == '/')
		gl--;
	assert(pl > 0 && prefix[pl - 1] == '/');
	char path[4096];
	if (gl + 1 + pl >= sizeof(path))
		return ps_error_set(PS_EINVALID, "the path of the repository is too long: %s", gitdir);
	memcpy(path, gitdir, gl);
	path[gl] = '/';
	memcpy(path + gl + 1, prefix, pl + 1);
	int rc = 0, fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char name[1024];
	size_t skip = 0; /* a plain prefix is judged once, not with every name */
	if (pl < sizeof(name)) {
		memcpy(name, prefix, pl - 1);
		name[pl - 1] = '\0';
		skip = plain_name(name) ? pl : 0;
	}
	if (fd >= 0 && pl < sizeof(name)) {
		memcpy(name, prefix, pl + 1);
		ps_refstamps *c = stamps ? ps_refstamps_load(stamps, gitdir, prefix) : NULL; /* NULL: read every file */
		rc = walk(out, fd, name, pl, sizeof(name), 0, skip, c);
		ps_refstamps_save_free(c); /* before a name it borrowed is freed */
	} else if (fd >= 0) {
		close(fd);
	}
	path[gl] = '\0'; /* the repository's directory */
	size_t nloose = out->n;
	if (!rc)
		rc = read_packed(out, path, prefix, false, skip);
	if (!rc && out->n)
		rc = sort_merge(out, nloose);
	if (rc)
		ps_reflist_free(out);
	return rc;
}

/* ps_ref_read_one, its first `under` characters (ending in '/') opened as
 * ps_refs_read opens its prefix, the directories below them one by one
 * without following a link, as walk() descends */
static int read_one(ps_refrd *out, const char *gitdir, const char *refname, size_t under)
{
	memset(out, 0, sizeof(*out));
	size_t gl = strlen(gitdir), nl = strlen(refname);
	while (gl > 1 && gitdir[gl - 1] == '/')
		gl--;
	const char *base = strrchr(refname, '/');
	assert(base && base[1] && !strncmp(refname, "refs/", 5));
	assert(under > 0 && under <= (size_t)(base - refname) + 1 && refname[under - 1] == '/');
	char path[4096];
	if (gl + 1 + nl >= sizeof(path))
		return ps_error_set(PS_EINVALID, "the path of the repository is too long: %s", gitdir);
	/* then the one entry, classified as walk() does: a file is read, a
	 * link is a bad entry, anything else is no ref */
	memcpy(path, gitdir, gl);
	path[gl] = '/';
	memcpy(path + gl + 1, refname, under);
	path[gl + 1 + under] = '\0';
	ps_reflist l = {0};
	int rc = 0, fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	for (const char *c = refname + under, *sl; fd >= 0 && c < base + 1; c = sl + 1) {
		char comp[256];
		sl = strchr(c, '/');
		if ((size_t)(sl - c) >= sizeof(comp)) {
			close(fd);
			fd = -1;
			break;
		}
		memcpy(comp, c, (size_t)(sl - c));
		comp[sl - c] = '\0';
		int sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = sub;
	}
	struct stat st;
	bool lockname = nl > 5 && !strcmp(refname + nl - 5, ".lock"); /* skipped, as walk() skips it */
	if (fd >= 0 && !lockname && fstatat(fd, base + 1, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISREG(st.st_mode)) {
			rc = read_loose(&l, fd, refname, nl, 0, NULL);
		} else if (S_ISLNK(st.st_mode)) {
			ps_refrd *r = ps_reflist_add(&l, refname, nl);
			if (!r)
				rc = ps_error_set(PS_ENOMEM, "out of memory");
			else
				r->loose = true, r->why = "a symbolic link where a branch should be";
		}
	}
	if (fd >= 0)
		close(fd);
	path[gl] = '\0'; /* the repository's directory */
	if (!rc && !l.n)
		rc = read_packed(&l, path, refname, true, 0); /* the first line of that name */
	if (!rc && l.n) {
		*out = l.v[0];
		l.v[0].name = NULL;
		rc = 1;
	}
	ps_reflist_free(&l);
	return rc;
}

void ps_reflist_free(ps_reflist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int ps_ref_read_one(ps_refrd *out, const char *gitdir, const char *refname)
{
	const char *base = strrchr(refname, '/');
	assert(base);
	return read_one(out, gitdir, refname, (size_t)(base - refname) + 1);
}

int ps_reflist_refresh(ps_reflist *l, const char *gitdir, const char *prefix, const char *refname)
{
	ps_refrd one;
	assert(!strncmp(refname, prefix, strlen(prefix)));
	int rc = read_one(&one, gitdir, refname, strlen(prefix));
	if (rc < 0)
		return rc;
	size_t lo = 0, hi = l->n; /* where refname is, or goes */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(l->v[mid].name, refname) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool there = lo < l->n && !strcmp(l->v[lo].name, refname);
	if (there) {
		free(l->v[lo].name);
		if (rc) {
			l->v[lo] = one;
		} else {
			memmove(&l->v[lo], &l->v[lo + 1], (l->n - lo - 1) * sizeof(*l->v));
			l->n--;
		}
		return 0;
	}
	if (!rc)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		ps_refrd *nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv) {
			free(one.name);
			return ps_error_set(PS_ENOMEM, "out of memory");
		}
		l->v = nv;
		l->cap = cap;
	}
	memmove(&l->v[lo + 1], &l->v[lo], (l->n - lo) * sizeof(*l->v));
	l->v[lo] = one;
	l->n++;
	return 0;
}

/* ---- reading ahead ------------------------------------------------------ */

struct ps_refs_prefetch {
	pthread_t thread;
	bool started, joined;
	char *gitdir, *prefix, *stamps; /* stamps: NULL for none */
	ps_reflist list;
	int rc;
	char msg[512]; /* the thread's error, for the caller's thread */
};

bool ps_refs_is_gitdir(const char *gitdir)
{
	static const char *const need[] = {"HEAD", "objects", "refs"};
	char p[4200];
	struct stat sb;
	for (size_t i = 0; i < sizeof(need) / sizeof(*need); i++) {
		snprintf(p, sizeof(p), "%s/%s", gitdir, need[i]);
		if (stat(p, &sb) != 0 || S_ISDIR(sb.st_mode) != (i > 0))
			return false;
	}
	return true;
}

static void *prefetch_main(void *arg)
{
	ps_refs_prefetch *p = arg;
	/* no repository: an empty read would mean nothing (a USB stick not
	 * plugged in yet), and a fetch using it would prune every branch */
	if (!ps_refs_is_gitdir(p->gitdir)) {
		p->rc = PS_ENOTFOUND;
		return NULL;
	}
	p->rc = ps_refs_read_stamped(&p->list, p->gitdir, p->prefix, p->stamps);
	if (p->rc)
		snprintf(p->msg, sizeof(p->msg), "%s", ps_error_last());
	return NULL;
}

int ps_refs_prefetch_start(ps_refs_prefetch **out, const char *gitdir, const char *prefix, const char *stamps)
{
	*out = NULL;
	ps_refs_prefetch *p = calloc(1, sizeof(*p));
	if (!p || !(p->gitdir = strdup(gitdir)) || !(p->prefix = strdup(prefix)) ||
	    (stamps && !(p->stamps = strdup(stamps)))) {
		if (p)
			free(p->gitdir), free(p->prefix);
		free(p);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	/* The thread takes no signal: the process's handlers (the daemon's
	 * SIGTERM) run on the threads that were there before. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p->started = pthread_create(&p->thread, NULL, prefetch_main, p) == 0; /* else read in _take */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*out = p;
	return 0;
}

const char *ps_refs_prefetch_gitdir(const ps_refs_prefetch *p)
{
	return p->gitdir;
}

static void prefetch_join(ps_refs_prefetch *p)
{
	if (p->started && !p->joined) {
		pthread_join(p->thread, NULL);
		p->joined = true;
	}
}

int ps_refs_prefetch_take(ps_reflist *out, ps_refs_prefetch *p)
{
	memset(out, 0, sizeof(*out));
	if (!p->started && !p->joined) {
		p->joined = true;
		prefetch_main(p);
	} else if (!p->joined) {
		prefetch_join(p);
		if (p->rc && p->rc != PS_ENOTFOUND) /* the thread's words, on this thread */
			return ps_error_set(p->rc, "%s", p->msg);
	}
	if (p->rc)
		return p->rc;
	*out = p->list;
	memset(&p->list, 0, sizeof(p->list));
	return 0;
}

void ps_refs_prefetch_free(ps_refs_prefetch *p)
{
	if (!p)
		return;
	prefetch_join(p);
	ps_reflist_free(&p->list);
	free(p->gitdir);
	free(p->prefix);
	free(p->stamps);
	free(p);
}
