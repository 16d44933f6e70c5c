/* test_refread.c - the refs under a prefix, read from a repository's files
 * (lib/refread.c), against stock git: refs packed by `git pack-refs`, a
 * loose file written by `git update-ref` over a packed line, a new loose
 * ref, and what a hostile pusher can leave in refs/: a file that holds no
 * id, a symbolic ref, a symbolic link, a lock file, a name Git refuses, a
 * packed-refs line with a bad id. Every entry read as a branch has the id
 * `git rev-parse` gives; refs outside the prefix are not read; one ref
 * read alone is what the whole read says of it. And a ref set through its
 * file (refwrite.c's ps_ref_set) reads back so with stock git; refs read
 * ahead on a thread, then refreshed one by one after stock git moved them,
 * are what a read done then gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <git2.h>
#include "util.h"
#include "refread.h"
#include "refwrite.h"
#include "plansync/error.h"
#include "repo.h"

static char cmd[4096];
/* run a shell command built with a literal format */
#define RUN(...) (snprintf(cmd, sizeof(cmd), __VA_ARGS__), assert_int_equal(system(cmd), 0))

/* the first line a shell command prints */
static void out1(char *buf, size_t n)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(buf, (int)n, p));
	buf[strcspn(buf, "\n")] = '\0';
	assert_int_equal(pclose(p), 0);
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const ps_refrd *find(const ps_reflist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

/* d (600 bytes): a new bare repository in t holding n commits, c[i] their ids */
static void new_repo(char *d, char (*c)[64], int n, const char *t)
{
	assert_true(strlen(t) < 500);
	assert_int_equal(ps_repo_global_init(), 0);
	snprintf(d, 600, "%s/r.git", t);
	RUN("git init -q --bare %s", d);
	for (int i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd),
		         "GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@x "
		         "git -C %s commit-tree $(git -C %s hash-object -w -t tree /dev/null) -m %d",
		         d, d, i);
		out1(c[i], sizeof(c[i]));
	}
}

static void read_as_git_does(void **st)
{
	(void)st;
	char *t = tmpdir_new(), d[600], c[3][64], line[256];
	new_repo(d, c, 3, t);
#define REF(x) "refs/heads/replicas/tinh/" x
	RUN("git -C %s update-ref " REF("a") " %s", d, c[0]);
	RUN("git -C %s update-ref " REF("b") " %s", d, c[1]);
	RUN("git -C %s update-ref refs/heads/other %s", d, c[0]);
	RUN("git -C %s pack-refs --all", d);
	RUN("git -C %s update-ref " REF("a") " %s", d, c[2]); /* loose, over the packed line */
	RUN("git -C %s update-ref " REF("c") " %s", d, c[1]);
	/* what a hostile push can leave */
	put(d, REF("junk"), "not an id\n");
	put(d, REF("sym"), "ref: refs/heads/other\n");
	put(d, REF("d.lock"), "0000000000000000000000000000000000000000\n");
	snprintf(line, sizeof(line), "%s\n", c[0]);
	put(d, REF("has space"), line);
	RUN("ln -s a %s/" REF("ln"), d);
	RUN("echo 'zz00000000000000000000000000000000000000 " REF("zbad") "' >> %s/packed-refs", d);

	ps_reflist l;
	assert_int_equal(ps_refs_read(&l, d, "refs/heads/replicas/"), 0);
	const char *want[] = {REF("a"), REF("b"), REF("c"), REF("has space"), REF("junk"), REF("ln"), REF("sym")};
	assert_int_equal(l.n, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < l.n; i++)
		assert_string_equal(l.v[i].name, want[i]); /* sorted, one entry per name */
	for (size_t i = 0; i < 3; i++) {
		assert_true(l.v[i].ok);
		char hex[GIT_OID_HEXSZ + 1], got[64];
		git_oid_tostr(hex, sizeof(hex), &l.v[i].id);
		snprintf(cmd, sizeof(cmd), "git -C %s rev-parse %s", d, l.v[i].name);
		out1(got, sizeof(got));
		assert_string_equal(hex, got);
	}
	assert_true(find(&l, REF("a"))->loose);
	assert_false(find(&l, REF("b"))->loose);
	assert_false(find(&l, REF("has space"))->ok);
	assert_non_null(strstr(find(&l, REF("has space"))->why, "name"));
	assert_false(find(&l, REF("junk"))->ok);
	assert_false(find(&l, REF("ln"))->ok);
	assert_non_null(strstr(find(&l, REF("sym"))->why, "symbolic"));
	ps_reflist_free(&l);

	/* one ref by name (ps_ref_read_one): what the whole read says of it,
	 * without its neighbours; a directory, a lock file and a missing name
	 * are no ref; a packed line under a bad id, neither */
	const char *one[] = {
	    REF("a"),    REF("b"),      REF("c"),    REF("has space"),           REF("junk"), REF("ln"), REF("sym"),
	    REF("zbad"), REF("d.lock"), REF("none"), "refs/heads/replicas/tinh", REF("a/x")};
	ps_reflist all;
	assert_int_equal(ps_refs_read(&all, d, "refs/heads/replicas/"), 0);
	for (size_t i = 0; i < sizeof(one) / sizeof(*one); i++) {
		ps_refrd r;
		const ps_refrd *w = find(&all, one[i]);
		int got = ps_ref_read_one(&r, d, one[i]);
		assert_int_equal(got, w ? 1 : 0);
		if (!w)
			continue;
		assert_string_equal(r.name, w->name);
		assert_int_equal(r.ok, w->ok);
		assert_int_equal(r.loose, w->loose);
		if (r.ok)
			assert_true(git_oid_equal(&r.id, &w->id));
		free(r.name);
	}
	ps_reflist_free(&all);
	ps_refrd other;
	assert_int_equal(ps_ref_read_one(&other, d, "refs/heads/other"), 1); /* packed, outside any prefix read */
	char ohex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(ohex, sizeof(ohex), &other.id);
	assert_string_equal(ohex, c[0]);
	free(other.name);

	/* a prefix with nothing under it, a repository with no packed-refs */
	assert_int_equal(ps_refs_read(&l, d, "refs/remotes/"), 0);
	assert_int_equal(l.n, 0);
	ps_reflist_free(&l);
	tmpdir_remove(t);
}

/* the id `git rev-parse` gives for name in d, into hex */
static void rev_parse(char *hex, size_t n, const char *d, const char *name)
{
	snprintf(cmd, sizeof(cmd), "git -C %s rev-parse --verify -q %s || echo none", d, name);
	out1(hex, n);
}

/* ps_ref_set (refwrite.c), as stock git reads the result: over a packed
 * line, a new ref, each refusal leaving the ref and packed-refs as they
 * were, a lock file of someone else's left alone. */
static void set_as_git_reads(void **st)
{
	(void)st;
	char *t = tmpdir_new(), d[600], c[2][64], got[64], lock[700];
	git_oid id[2];
	new_repo(d, c, 2, t);
	for (int i = 0; i < 2; i++)
		assert_int_equal(git_oid_fromstr(&id[i], c[i]), 0);
	RUN("git -C %s update-ref " REF("a") " %s && git -C %s pack-refs --all && cp %s/packed-refs %s/before", d, c[0],
	    d, d, t);
	assert_int_not_equal(ps_ref_set(d, REF("a"), &id[1], false, &id[1]), 0); /* not what it names */
	assert_int_not_equal(ps_ref_set(d, REF("a"), NULL, true, &id[1]), 0);    /* not new */
	rev_parse(got, sizeof(got), d, REF("a"));
	assert_string_equal(got, c[0]);
	assert_int_equal(ps_ref_set(d, REF("a"), &id[0], false, &id[1]), 0); /* the packed line was read */
	rev_parse(got, sizeof(got), d, REF("a"));
	assert_string_equal(got, c[1]);
	RUN("cmp -s %s/packed-refs %s/before", d, t); /* packed-refs untouched */
	assert_int_equal(ps_ref_set(d, "refs/remotes/origin/replicas/x/y", NULL, true, &id[0]), 0);
	rev_parse(got, sizeof(got), d, "refs/remotes/origin/replicas/x/y");
	assert_string_equal(got, c[0]);
	snprintf(lock, sizeof(lock), "%s/" REF("a") ".lock", d);
	put(d, REF("a") ".lock", "");
	assert_int_not_equal(ps_ref_set(d, REF("a"), NULL, false, &id[0]), 0);
	assert_non_null(strstr(ps_error_last(), "locked"));
	assert_int_equal(access(lock, F_OK), 0); /* not ours to remove */
	unlink(lock);
	assert_int_equal(ps_ref_set(d, REF("a"), NULL, false, &id[0]), 0); /* any value replaced */
	rev_parse(got, sizeof(got), d, REF("a"));
	assert_string_equal(got, c[0]);
	RUN("git -C %s fsck --no-progress --no-dangling", d);
	tmpdir_remove(t);
}

/* the same list: names, kinds, ids */
static void same_list(const ps_reflist *a, const ps_reflist *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].name, b->v[i].name);
		assert_int_equal(a->v[i].ok, b->v[i].ok);
		assert_int_equal(a->v[i].loose, b->v[i].loose);
		if (a->v[i].ok)
			assert_true(git_oid_equal(&a->v[i].id, &b->v[i].id));
	}
}

/* Read ahead on a thread (ps_refs_prefetch_*): what is taken is the read
 * done here; refs moved, deleted and added after it, each read again
 * with ps_reflist_refresh, make the list a read done now gives, and each
 * id is the one stock git gives. */
static void ahead_then_refreshed(void **st)
{
	(void)st;
	char *t = tmpdir_new(), d[600], c[3][64], got[64];
	new_repo(d, c, 3, t);
	for (int i = 0; i < 40; i++)
		RUN("git -C %s update-ref refs/heads/replicas/o%d/o%d-r %s", d, i % 4, i, c[i % 3]);
	RUN("git -C %s pack-refs --all && git -C %s update-ref " REF("b") " %s", d, d, c[1]);
	ps_refs_prefetch *p = NULL;
	ps_reflist ahead, now;
	assert_int_equal(ps_refs_prefetch_start(&p, d, "refs/heads/replicas/", NULL), 0);
	assert_string_equal(ps_refs_prefetch_gitdir(p), d);
	assert_int_equal(ps_refs_prefetch_take(&ahead, p), 0);
	ps_refs_prefetch_free(p);
	assert_int_equal(ps_refs_read(&now, d, "refs/heads/replicas/"), 0);
	same_list(&ahead, &now);
	ps_reflist_free(&now);
	assert_int_equal(ahead.n, 41);

	const char *moved[] = {REF("b"),
	                       "refs/heads/replicas/o1/o5-r",
	                       REF("a"),
	                       "refs/heads/replicas/o0/o0-r",
	                       "refs/heads/replicas/zz/zz-r",
	                       REF("none"),
	                       "refs/heads/replicas/o3/o3-x",
	                       "refs/heads/replicas/lnk",
	                       "refs/heads/replicas/lnk/o3-x"};
	RUN("git -C %s update-ref " REF("b") " %s", d, c[2]);                /* loose, moved */
	RUN("git -C %s update-ref refs/heads/replicas/o1/o5-r %s", d, c[0]); /* packed -> loose */
	RUN("git -C %s update-ref " REF("a") " %s", d, c[0]);                /* new, in the middle */
	RUN("git -C %s update-ref -d refs/heads/replicas/o0/o0-r", d);       /* deleted, the first */
	RUN("git -C %s update-ref refs/heads/replicas/zz/zz-r %s", d, c[1]); /* new, the last */
	/* a link to a directory: one bad entry, nothing read through it */
	RUN("git -C %s update-ref refs/heads/replicas/o3/o3-x %s && ln -s o3 %s/refs/heads/replicas/lnk", d, c[0], d);
	for (size_t i = 0; i < sizeof(moved) / sizeof(*moved); i++)
		assert_int_equal(ps_reflist_refresh(&ahead, d, "refs/heads/replicas/", moved[i]), 0);
	assert_int_equal(ps_refs_read(&now, d, "refs/heads/replicas/"), 0);
	same_list(&ahead, &now);
	ps_reflist_free(&now);
	for (size_t i = 0; i < ahead.n; i++) {
		if (!ahead.v[i].ok) {
			assert_string_equal(ahead.v[i].name, "refs/heads/replicas/lnk"); /* the link, and only it */
			continue;
		}
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &ahead.v[i].id);
		rev_parse(got, sizeof(got), d, ahead.v[i].name);
		assert_string_equal(hex, got);
	}
	rev_parse(got, sizeof(got), d, "refs/heads/replicas/o0/o0-r");
	assert_string_equal(got, "none");
	ps_reflist_free(&ahead);

	/* no repository there (a disk not plugged in): not an empty list */
	char none[600];
	snprintf(none, sizeof(none), "%s/none.git", t);
	assert_int_equal(ps_refs_prefetch_start(&p, none, "refs/heads/replicas/", NULL), 0);
	assert_int_equal(ps_refs_prefetch_take(&ahead, p), PS_ENOTFOUND);
	ps_refs_prefetch_free(p);
	assert_false(ps_refs_is_gitdir(none));
	assert_true(ps_refs_is_gitdir(d));

	/* freed without being taken: the thread is waited for */
	assert_int_equal(ps_refs_prefetch_start(&p, d, "refs/heads/replicas/", NULL), 0);
	ps_refs_prefetch_free(p);
	ps_refs_prefetch_free(NULL);
	tmpdir_remove(t);
}

/* Ref files whose ids are read eight digits at a time: every hex digit at
 * every place reads as libgit2's git_oid_fromstr reads it, and one byte
 * out of range at any of the 40 places (just below and above 0-9 and a-f,
 * upper case, a space, bytes >= 0x80) makes the file no id. */
static void ids_digit_by_digit(void **st)
{
	(void)st;
	char *t = tmpdir_new(), d[600], dir[700], hex[64], name[64];
	assert_int_equal(ps_repo_global_init(), 0);
	snprintf(d, sizeof(d), "%s/r.git", t);
	RUN("mkdir -p %s/refs/heads/replicas/tinh", d);
	snprintf(dir, sizeof(dir), "%s/refs/heads/replicas/tinh", d);
	static const char digits[] = "0123456789abcdef";
	static const unsigned char bad[] = {'/', ':', '@', 'A', 'F', 'G', '`', 'g', ' ', 0x80, 0xb0, 0xe6, 0xff};
	unsigned seed = 7;
	for (int i = 0; i < 16; i++) { /* good: every digit at every place, in turn */
		for (int j = 0; j < 40; j++)
			hex[j] = digits[(i + j * (seed = seed * 1103515245u + 12345u) % 16) % 16];
		hex[40] = i % 2 ? '\n' : '\0', hex[41] = '\0';
		snprintf(name, sizeof(name), "good%d", i);
		put(dir, name, hex);
	}
	for (int j = 0; j < 40; j++)
		for (size_t k = 0; k < sizeof(bad); k++) {
			memset(hex, 'c', 40);
			hex[j] = (char)bad[k];
			hex[40] = '\n', hex[41] = '\0';
			snprintf(name, sizeof(name), "bad%d-%zu", j, k);
			put(dir, name, hex);
		}
	ps_reflist l;
	assert_int_equal(ps_refs_read(&l, d, "refs/heads/replicas/"), 0);
	assert_int_equal(l.n, 16 + 40 * sizeof(bad));
	size_t good = 0;
	for (size_t i = 0; i < l.n; i++) {
		const char *base = strrchr(l.v[i].name, '/') + 1;
		if (strncmp(base, "good", 4)) {
			assert_false(l.v[i].ok);
			continue;
		}
		char path[800], text[64] = {0};
		snprintf(path, sizeof(path), "%s/%s", dir, base);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(text, sizeof(text), f));
		fclose(f);
		git_oid want;
		assert_int_equal(git_oid_fromstrn(&want, text, 40), 0);
		assert_true(l.v[i].ok);
		assert_true(git_oid_equal(&want, &l.v[i].id));
		good++;
	}
	assert_int_equal(good, 16);
	ps_reflist_free(&l);
	tmpdir_remove(t);
}

/* every entry of l (count of them) is a branch with the id git rev-parse
 * gives in the repository d */
static void as_git(const ps_reflist *l, size_t count, const char *d)
{
	char got[64];
	assert_int_equal(l->n, count);
	for (size_t i = 0; i < l->n; i++) {
		char hex[GIT_OID_HEXSZ + 1];
		assert_true(l->v[i].ok);
		git_oid_tostr(hex, sizeof(hex), &l->v[i].id);
		rev_parse(got, sizeof(got), d, l->v[i].name);
		assert_string_equal(hex, got);
	}
}

/* packed-refs read again: a file older than two seconds is kept after its
 * first read (refread.c); reads of it then, after `git pack-refs` replaced
 * it, after an edit in place of the same size, and after a second prefix
 * was read from it, each give the ids stock git gives. */
static void packed_read_again(void **st)
{
	(void)st;
	char *t = tmpdir_new(), d[600], c[3][64], got[64];
	new_repo(d, c, 3, t);
	for (int i = 0; i < 30; i++)
		RUN("git -C %s update-ref refs/heads/replicas/o%d/o%d-r %s", d, i % 3, i, c[i % 3]);
	RUN("git -C %s update-ref refs/remotes/origin/replicas/o1/x %s", d, c[1]);
	RUN("git -C %s pack-refs --all && sleep 2.2", d);
	ps_reflist a, b;
	assert_int_equal(ps_refs_read(&a, d, "refs/heads/replicas/"), 0);
	assert_int_equal(ps_refs_read(&b, d, "refs/heads/replicas/"), 0); /* the kept read */
	same_list(&a, &b);
	as_git(&b, 30, d);
	ps_reflist_free(&a);
	ps_reflist_free(&b);
	assert_int_equal(ps_refs_read(&b, d, "refs/remotes/origin/"), 0); /* another prefix, same file */
	as_git(&b, 1, d);
	ps_reflist_free(&b);

	/* replaced by git (a new file), then read twice */
	RUN("git -C %s update-ref refs/heads/replicas/o0/o0-r %s && git -C %s pack-refs --all", d, c[2], d);
	assert_int_equal(ps_refs_read(&b, d, "refs/heads/replicas/"), 0);
	as_git(&b, 30, d);
	ps_reflist_free(&b);
	RUN("sleep 2.2");
	assert_int_equal(ps_refs_read(&a, d, "refs/heads/replicas/"), 0);
	ps_reflist_free(&a);
	/* edited in place, same size: o0-r's line now names c[1] */
	RUN("sed 's/^%s refs\\/heads\\/replicas\\/o0\\/o0-r$/%s refs\\/heads\\/replicas\\/o0\\/o0-r/' %s/packed-refs > "
	    "%s/pr "
	    "&& cat %s/pr > %s/packed-refs",
	    c[2], c[1], d, t, t, d);
	rev_parse(got, sizeof(got), d, "refs/heads/replicas/o0/o0-r");
	assert_string_equal(got, c[1]);
	assert_int_equal(ps_refs_read(&b, d, "refs/heads/replicas/"), 0);
	as_git(&b, 30, d);
	ps_reflist_free(&b);
	tmpdir_remove(t);
}

/* Loose ref files read with a stamp file (refcache.c): every read gives
 * the ids stock git gives, after git moved a ref (a new file), after an
 * edit in place of the same size (old file and a file just read), with the
 * stamp file damaged, and with a stamp file of another repository. */
static void loose_read_stamped(void **st)
{
	(void)st;
	char *t = tmpdir_new(), d[600], e[600], c[3][64], stamps[700], other[700];
	new_repo(d, c, 3, t);
	for (int i = 0; i < 24; i++)
		RUN("git -C %s update-ref refs/heads/replicas/o%d/o%d-r %s", d, i % 3, i, c[i % 3]);
	snprintf(stamps, sizeof(stamps), "%s/stamps", t);
	snprintf(other, sizeof(other), "%s/other-stamps", t);
	RUN("sleep 2.2");
	ps_reflist a, b;
#define READ(l) assert_int_equal(ps_refs_read_stamped(&(l), d, "refs/heads/replicas/", stamps), 0)
	READ(a);
	assert_int_equal(access(stamps, F_OK), 0); /* kept */
	READ(b);                                   /* from the stamps */
	same_list(&a, &b);
	as_git(&b, 24, d);
	ps_reflist_free(&a);
	ps_reflist_free(&b);

	/* moved by git: a new file */
	RUN("git -C %s update-ref refs/heads/replicas/o1/o4-r %s", d, c[2]);
	READ(b);
	as_git(&b, 24, d);
	ps_reflist_free(&b);
	/* edited in place, same size: an old file, then one just read */
	RUN("printf '%%s\\n' %s > %s/refs/heads/replicas/o0/o3-r", c[2], d);
	READ(b);
	as_git(&b, 24, d);
	ps_reflist_free(&b);
	RUN("printf '%%s\\n' %s > %s/refs/heads/replicas/o0/o3-r", c[1], d);
	READ(b);
	as_git(&b, 24, d);
	ps_reflist_free(&b);
	/* deleted, and a new one */
	RUN("git -C %s update-ref -d refs/heads/replicas/o2/o5-r && git -C %s update-ref refs/heads/replicas/o9/o9-r "
	    "%s",
	    d, d, c[0]);
	READ(b);
	as_git(&b, 24, d);
	ps_reflist_free(&b);

	/* the stamp file damaged: a byte of each record's region flipped */
	RUN("sleep 2.2");
	READ(b);
	ps_reflist_free(&b);
	RUN("printf '%%s\\n' %s > %s/refs/heads/replicas/o0/o6-r", c[1], d); /* an edit the stamps would hide */
	RUN("python3 -c \"import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=1; "
	    "open(p,'wb').write(b)\" "
	    "%s",
	    stamps);
	READ(b);
	as_git(&b, 24, d);
	ps_reflist_free(&b);

	/* another repository's stamp file: not used for this one */
	snprintf(e, sizeof(e), "%s/e.git", t);
	RUN("cp -a %s %s && sleep 2.2", d, e); /* its files then older than two seconds */
	assert_int_equal(ps_refs_read_stamped(&b, e, "refs/heads/replicas/", other), 0);
	ps_reflist_free(&b);
	assert_int_equal(access(other, F_OK), 0);
	RUN("cp %s %s && printf '%%s\\n' %s > %s/refs/heads/replicas/o1/o7-r", other, stamps, c[0], d);
	READ(b);
	as_git(&b, 24, d);
	ps_reflist_free(&b);
#undef READ
	tmpdir_remove(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(read_as_git_does),     cmocka_unit_test(set_as_git_reads),
	    cmocka_unit_test(ahead_then_refreshed), cmocka_unit_test(ids_digit_by_digit),
	    cmocka_unit_test(packed_read_again),    cmocka_unit_test(loose_read_stamped)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
